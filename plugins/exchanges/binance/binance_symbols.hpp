#pragma once
// The host names a market "BTC/USDT"; Binance names it "BTCUSDT" (REST) and "btcusdt" (streams).
// The way back needs the base and quote assets, which only exchangeInfo knows.

#include <string>
#include <string_view>

namespace smoops::binance {

/// "BTC/USDT" -> "BTCUSDT". Throws std::invalid_argument unless the symbol is BASE/QUOTE with
/// letters and digits only.
std::string venue_symbol(std::string_view host_symbol);
/// "BTC", "USDT" -> "BTC/USDT".
std::string host_symbol(std::string_view base_asset, std::string_view quote_asset);
/// "BTCUSDT" -> "btcusdt", as stream names want it (web-socket-streams.md: symbols are lowercase).
std::string stream_symbol(std::string_view venue_symbol);
/// True for the kline intervals Binance knows ("1s", "1m", ... "1M"; rest-api.md, Kline intervals).
bool is_kline_interval(std::string_view interval);

}  // namespace smoops::binance
