#pragma once
// The test kit for plugin authors, in one include (header-only, standard library only; use it
// with any test framework): TestClock, RecordingLogger, RecordingContext, StrategyDriver,
// ScriptedExchange, RecordingEvents. docs/plugin-guide.md shows an example.

#include "smoops/testing/recording_context.hpp"
#include "smoops/testing/recording_events.hpp"
#include "smoops/testing/recording_logger.hpp"
#include "smoops/testing/scripted_exchange.hpp"
#include "smoops/testing/strategy_driver.hpp"
#include "smoops/testing/test_clock.hpp"
