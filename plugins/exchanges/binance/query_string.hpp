#pragma once
// A request's parameters as Binance signs them: `name=value` pairs joined by '&', percent-encoded
// (rest-api.md, "SIGNED Endpoint Examples": the signature payload is the query string).

#include <string>
#include <string_view>

namespace smoops::binance {

/// Percent-encodes everything but A-Z a-z 0-9 - _ . ~ (RFC 3986 unreserved), byte by byte.
std::string percent_encode(std::string_view text);

/// Parameters in the order they were added.
class QueryString {
 public:
  /// Appends name=value, encoding the value.
  QueryString& add(std::string_view name, std::string_view value);
  QueryString& add(std::string_view name, long long value);
  /// The encoded pairs, e.g. "symbol=BTCUSDT&side=BUY".
  const std::string& str() const { return text_; }
  bool empty() const { return text_.empty(); }

 private:
  std::string text_;
};

}  // namespace smoops::binance
