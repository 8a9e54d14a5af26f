#pragma once
// Everything a plugin author needs, in one include.

#include "smoops/context.hpp"
#include "smoops/exchange.hpp"
#include "smoops/features.hpp"
#include "smoops/fixed_point.hpp"
#include "smoops/instrument.hpp"
#include "smoops/logger.hpp"
#include "smoops/market_data.hpp"
#include "smoops/model.hpp"
#include "smoops/order.hpp"
#include "smoops/params.hpp"
#include "smoops/plugin.hpp"
#include "smoops/position.hpp"
#include "smoops/signal.hpp"
#include "smoops/strategy.hpp"
#include "smoops/time.hpp"
#include "smoops/training.hpp"
