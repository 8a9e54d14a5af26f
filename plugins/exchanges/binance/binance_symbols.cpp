#include "binance_symbols.hpp"

#include <array>
#include <cctype>
#include <stdexcept>

namespace smoops::binance {
namespace {

bool is_asset(std::string_view text) {
  if (text.empty()) return false;
  for (char c : text)
    if (!std::isalnum(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string venue_symbol(std::string_view host_symbol) {
  const auto slash = host_symbol.find('/');
  if (slash == std::string_view::npos || !is_asset(host_symbol.substr(0, slash)) ||
      !is_asset(host_symbol.substr(slash + 1)))
    throw std::invalid_argument("binance: symbol '" + std::string(host_symbol) +
                                "' is not BASE/QUOTE (e.g. BTC/USDT)");
  std::string out;
  for (char c : host_symbol)
    if (c != '/') out += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return out;
}

std::string host_symbol(std::string_view base_asset, std::string_view quote_asset) {
  return std::string(base_asset) + "/" + std::string(quote_asset);
}

std::string stream_symbol(std::string_view venue_symbol) {
  std::string out(venue_symbol);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_kline_interval(std::string_view interval) {
  static constexpr std::array<std::string_view, 16> kIntervals = {
      "1s", "1m", "3m", "5m", "15m", "30m", "1h", "2h", "4h", "6h", "8h", "12h", "1d", "3d", "1w", "1M"};
  for (auto i : kIntervals)
    if (i == interval) return true;
  return false;
}

}  // namespace smoops::binance
