#pragma once
// Closed bars from GET /api/v3/klines. The venue also returns the kline still open (the latest
// one); it is left out by its close time against the venue's clock.

#include <cstdint>
#include <optional>
#include <string_view>
#include <vector>

#include "binance_rest.hpp"

namespace smoops::binance {

/// Closed bars, oldest first, at most `limit` (<= 1000): from `from_ms` (open time, inclusive) on
/// when given, else the latest ones; none opened after `to_ms` when given.
std::vector<Bar> closed_bars(BinanceRest& rest, std::string_view venue_symbol, std::string_view interval,
                             std::optional<std::int64_t> from_ms, std::optional<std::int64_t> to_ms, int limit);

}  // namespace smoops::binance
