#include "query_string.hpp"

namespace smoops::binance {

std::string percent_encode(std::string_view text) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(text.size());
  for (unsigned char c : text) {
    const bool unreserved = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
                            c == '_' || c == '.' || c == '~';
    if (unreserved) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0x0f];
    }
  }
  return out;
}

QueryString& QueryString::add(std::string_view name, std::string_view value) {
  if (!text_.empty()) text_ += '&';
  text_ += name;
  text_ += '=';
  text_ += percent_encode(value);
  return *this;
}

QueryString& QueryString::add(std::string_view name, long long value) { return add(name, std::to_string(value)); }

}  // namespace smoops::binance
