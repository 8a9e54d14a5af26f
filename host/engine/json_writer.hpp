#pragma once
// A minimal writer of one flat JSON object, for messages built on a bot's hot path (every order,
// fill and bar): appends to one string, no tree, no per-field allocation. Output is compact
// ("{"a":1,"b":"x"}"), keys in the order written. Strings are escaped per RFC 8259; bytes that
// are not valid UTF-8 become U+FFFD, so a plugin's log line can never produce invalid JSON.

#include <cstdint>
#include <string>
#include <string_view>

namespace smoops::engine {

class JsonObjectWriter {
 public:
  JsonObjectWriter() { text_.reserve(256); text_ += '{'; }

  JsonObjectWriter& string(std::string_view key, std::string_view value);
  JsonObjectWriter& integer(std::string_view key, std::int64_t value);
  JsonObjectWriter& unsigned_integer(std::string_view key, std::uint64_t value);
  JsonObjectWriter& boolean(std::string_view key, bool value);
  JsonObjectWriter& null(std::string_view key);
  /// A number with up to 9 significant digits, or null when it is not finite.
  JsonObjectWriter& number(std::string_view key, double value);
  /// `json`, already valid JSON text (an array or object built elsewhere), as the value.
  JsonObjectWriter& raw(std::string_view key, std::string_view json);
  /// `value` as a string, or null when `present` is false.
  JsonObjectWriter& string_or_null(std::string_view key, std::string_view value, bool present) {
    return present ? string(key, value) : null(key);
  }

  /// The finished object; the writer must not be used afterwards.
  std::string finish() &&;

 private:
  void key(std::string_view key);
  std::string text_;
};

/// Appends `value` as a quoted, escaped JSON string.
void append_json_string(std::string& out, std::string_view value);

}  // namespace smoops::engine
