#include "config/config_value.hpp"

#include <algorithm>
#include <charconv>

#include "config/yaml_document.hpp"

namespace smoops::config {

namespace {

template <class Words>
std::string join(const Words& words) {
  std::string out;
  for (auto word : words) {
    if (!out.empty()) out += ", ";
    out += word;
  }
  return out;
}

// " (did you mean 'x'?)" for a near miss; otherwise the whole list, since there is no better guess.
std::string suggest_known_key(std::string_view key, const std::vector<std::string_view>& known_keys) {
  std::string suggestion = did_you_mean(key, known_keys);
  if (suggestion.empty()) suggestion = " (expected one of " + join(known_keys) + ")";
  return suggestion;
}

}  // namespace

ConfigValue::ConfigValue(YAML::Node node, SourceMark mark, std::string path, std::filesystem::path file)
    : node_(std::move(node)), mark_(std::move(mark)), path_(std::move(path)), file_(std::move(file)) {}

ConfigValue ConfigValue::root(YAML::Node node, const std::filesystem::path& file) {
  SourceMark mark = source_mark(node.Mark(), file);
  return ConfigValue(std::move(node), std::move(mark), "", file);
}

std::string ConfigValue::describe_written() const {
  return node_.IsScalar() ? "'" + node_.Scalar() + "'" : describe_shape();
}

std::string ConfigValue::describe_shape() const {
  if (node_.IsScalar()) return "a scalar";
  if (node_.IsMap()) return "a map";
  if (node_.IsSequence()) return "a list";
  return "nothing";
}

void ConfigValue::fail(const std::string& message) const { throw ConfigError(mark_, message_prefix(path_) + message); }

void ConfigValue::fail_expected(std::string_view expected) const {
  fail("expected " + std::string(expected) + ", got " + describe_written());
}

void ConfigValue::fail_shape(std::string_view expected) const {
  fail("expected " + std::string(expected) + ", got " + describe_shape());
}

std::string ConfigValue::as_text(std::string_view expected) const {
  if (!node_.IsScalar()) fail_expected(expected);
  return node_.Scalar();
}

std::string ConfigValue::as_one_of(std::initializer_list<std::string_view> choices) const {
  const std::string expected = "one of " + join(choices);
  std::string text = as_text(expected);
  if (std::find(choices.begin(), choices.end(), text) == choices.end()) fail_expected(expected);
  return text;
}

std::string ConfigValue::decimal_form(DecimalRange range) {
  const char* sign = range == DecimalRange::Positive ? "a positive" : "a non-negative";
  return std::string(sign) + " decimal with at most " + std::to_string(kFixedDecimals) + " decimal places";
}

bool ConfigValue::in_range(std::int64_t raw, DecimalRange range) {
  return range == DecimalRange::Positive ? raw > 0 : raw >= 0;
}

std::int64_t ConfigValue::as_integer_at_least(std::int64_t minimum) const {
  const std::string expected = "an integer >= " + std::to_string(minimum);
  const std::string text = as_text(expected);
  std::int64_t value = 0;
  const char* end = text.data() + text.size();
  const auto [stop, error] = std::from_chars(text.data(), end, value);
  if (text.empty() || error != std::errc() || stop != end || value < minimum) fail_expected(expected);
  return value;
}

bool ConfigValue::as_bool() const {
  const std::string text = as_text("true or false");
  if (text == "true") return true;
  if (text == "false") return false;
  fail_expected("true or false");
}

std::filesystem::path ConfigValue::as_path() const {
  const std::filesystem::path written = as_text("a file path");
  if (written.empty()) fail_expected("a file path");
  if (written.is_absolute()) return written.lexically_normal();
  return (std::filesystem::absolute(file_).parent_path() / written).lexically_normal();
}

ConfigMap ConfigValue::as_map(std::vector<std::string_view> known_keys) const {
  return ConfigMap(*this, std::move(known_keys));
}

std::vector<ConfigValue> ConfigValue::as_list(std::string_view expected) const {
  if (!node_.IsSequence()) fail_shape(expected);
  std::vector<ConfigValue> items;
  for (std::size_t i = 0; i < node_.size(); ++i) {
    const YAML::Node item = node_[i];
    items.emplace_back(item, source_mark(item.Mark(), file_), path_ + "[" + std::to_string(i) + "]", file_);
  }
  return items;
}

ConfigMap::ConfigMap(const ConfigValue& map, std::vector<std::string_view> known_keys) : map_(map) {
  if (!map.node().IsMap()) map.fail_shape(map.path().empty() ? "a map at the top level" : "a map");
  for (const auto& [key, value] : unique_map_entries(map.node(), map.file(), map.path())) {
    const std::string& name = key.Scalar();
    const SourceMark key_mark = source_mark(key.Mark(), map.file());
    if (std::find(known_keys.begin(), known_keys.end(), name) == known_keys.end())
      throw ConfigError(key_mark, message_prefix(map.path()) + "unknown key '" + name + "'" +
                                      suggest_known_key(name, known_keys));
    // yaml-cpp places an empty value at the next token, often on another line; the key is where
    // the user looks.
    SourceMark value_mark = value.IsNull() ? key_mark : source_mark(value.Mark(), map.file());
    entries_.emplace_back(name, ConfigValue(value, std::move(value_mark), child_path(map.path(), name), map.file()));
  }
}

std::optional<ConfigValue> ConfigMap::find(std::string_view key) const {
  for (const auto& [name, value] : entries_)
    if (name == key) return value;
  return std::nullopt;
}

std::optional<ConfigValue> ConfigMap::find_non_null(std::string_view key) const {
  std::optional<ConfigValue> value = find(key);
  if (value && value->is_null()) return std::nullopt;
  return value;
}

ConfigValue ConfigMap::require(std::string_view key) const {
  if (std::optional<ConfigValue> value = find(key)) return *value;
  throw ConfigError(mark(), message_prefix(path()) + "missing required key '" + std::string(key) + "'");
}

}  // namespace smoops::config
