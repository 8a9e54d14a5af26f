#pragma once
// Bars from an exchange's history (Exchange::bar_history), paged: the latest N closed bars (a
// strategy's warm-up) and every bar of a time range (`smoops fetch-data`).

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>
#include <functional>
#include <string>
#include <vector>

#include "smoops/exchange.hpp"

namespace smoops::data {

/// Most bars asked of the venue in one page (Binance's klines limit).
inline constexpr std::size_t kHistoryPageBars = 1000;

/// The milliseconds of a bar interval ("5m" -> 300000); 0 for "1M" (months differ in length)
/// and for a name that is no interval.
std::int64_t interval_millis(std::string_view interval);

/// The latest `count` closed bars, oldest first (fewer when the venue has fewer). Pages backwards.
std::vector<Bar> latest_bars(Exchange& exchange, const std::string& symbol, const std::string& interval,
                             std::size_t count);

/// Calls `page` with every closed bar whose open time is in [from, to], oldest first, one page of
/// at most kHistoryPageBars at a time; stops early when `page` returns false. Returns how many
/// bars were delivered.
std::size_t for_each_history_page(Exchange& exchange, const std::string& symbol, const std::string& interval,
                                  Timestamp from, Timestamp to,
                                  const std::function<bool(const std::vector<Bar>&)>& page);

}  // namespace smoops::data
