#include "data/exchange_history.hpp"

#include <algorithm>

namespace smoops::data {

std::int64_t interval_millis(std::string_view interval) {
  if (interval.size() < 2) return 0;
  std::int64_t count = 0;
  for (char c : interval.substr(0, interval.size() - 1)) {
    if (c < '0' || c > '9') return 0;
    count = count * 10 + (c - '0');
  }
  switch (interval.back()) {
    case 's': return count * 1'000;
    case 'm': return count * 60'000;
    case 'h': return count * 3'600'000;
    case 'd': return count * 86'400'000;
    case 'w': return count * 604'800'000;
    default: return 0;  // "1M": calendar months
  }
}

std::vector<Bar> latest_bars(Exchange& exchange, const std::string& symbol, const std::string& interval,
                             std::size_t count) {
  std::vector<Bar> bars;
  std::optional<Timestamp> before;  // open time of the oldest bar so far
  while (bars.size() < count) {
    BarHistoryRequest request;
    request.symbol = symbol;
    request.bar_interval = interval;
    request.limit = std::min(kHistoryPageBars, count - bars.size());
    if (before) request.to = Timestamp{before->nanos - 1};
    std::vector<Bar> page = exchange.bar_history(request);
    // Only what is older than the bars we hold counts: a venue that ignores `to` cannot loop us.
    if (before) std::erase_if(page, [&](const Bar& bar) { return bar.ts >= *before; });
    if (page.empty()) break;
    if (page.size() > count - bars.size()) page.erase(page.begin(), page.end() - static_cast<std::ptrdiff_t>(count - bars.size()));
    before = page.front().ts;
    bars.insert(bars.begin(), page.begin(), page.end());
  }
  return bars;
}

std::size_t for_each_history_page(Exchange& exchange, const std::string& symbol, const std::string& interval,
                                  Timestamp from, Timestamp to,
                                  const std::function<bool(const std::vector<Bar>&)>& page) {
  std::size_t delivered = 0;
  Timestamp next = from;
  while (next <= to) {
    BarHistoryRequest request;
    request.symbol = symbol;
    request.bar_interval = interval;
    request.from = next;
    request.to = to;
    request.limit = kHistoryPageBars;
    std::vector<Bar> bars = exchange.bar_history(request);
    std::erase_if(bars, [&](const Bar& bar) { return bar.ts < next || bar.ts > to; });
    if (bars.empty()) break;
    delivered += bars.size();
    if (!page(bars)) break;
    next = Timestamp{bars.back().ts.nanos + 1};
  }
  return delivered;
}

}  // namespace smoops::data
