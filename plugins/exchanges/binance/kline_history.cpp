#include "kline_history.hpp"

#include <algorithm>

namespace smoops::binance {

std::vector<Bar> closed_bars(BinanceRest& rest, std::string_view venue_symbol, std::string_view interval,
                             std::optional<std::int64_t> from_ms, std::optional<std::int64_t> to_ms, int limit) {
  limit = std::clamp(limit, 1, 1000);
  // Without a start the newest kline may be the open one: ask for one more.
  const int asked = from_ms ? limit : std::min(limit + 1, 1000);
  const std::vector<Kline> klines = rest.klines(venue_symbol, interval, from_ms, to_ms, asked);
  const std::int64_t now = rest.clock().now_ms();
  std::vector<Bar> bars;
  for (const Kline& k : klines) {
    if (k.close_time.millis() >= now) break;  // open (and every later one too)
    bars.push_back(k.bar);
  }
  if (bars.size() > static_cast<std::size_t>(limit)) bars.erase(bars.begin(), bars.end() - limit);
  return bars;
}

}  // namespace smoops::binance
