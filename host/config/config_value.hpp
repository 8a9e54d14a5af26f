#pragma once
// Typed, validated reads of a YAML tree. A ConfigValue is one node with its position and its
// dotted path ("instrument.tick_size"); every conversion that fails throws a ConfigError at that
// position saying what was expected and what was written, e.g.
//   bots/x.yaml:3:40: instrument.tick_size: expected a positive decimal with at most 8 decimal places, got '0'
// A ConfigMap is a YAML map whose keys have been checked against the keys its section allows.

#include <cstdint>
#include <filesystem>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "config/config_error.hpp"
#include "smoops/fixed_point.hpp"

namespace smoops::config {

class ConfigMap;

/// Which decimals a setting accepts.
enum class DecimalRange { Positive, NonNegative };

/// One YAML node being read as a setting.
class ConfigValue {
 public:
  /// `mark` is where the value was written (for an empty value, where its key was written).
  ConfigValue(YAML::Node node, SourceMark mark, std::string path, std::filesystem::path file);

  /// The document root of `file`, named by `path` ("" for the top level).
  static ConfigValue root(YAML::Node node, const std::filesystem::path& file);

  const YAML::Node& node() const { return node_; }
  const SourceMark& mark() const { return mark_; }
  /// Dotted name used in messages and as the parent of child paths.
  const std::string& path() const { return path_; }
  const std::filesystem::path& file() const { return file_; }
  bool is_null() const { return node_.IsNull(); }

  /// The scalar's text; `expected` names the setting's form in the error ("a plugin name").
  std::string as_text(std::string_view expected) const;
  /// The scalar's text when it is one of `choices`.
  std::string as_one_of(std::initializer_list<std::string_view> choices) const;
  /// An exact decimal (never through double) in the given range.
  template <class F>
  F as_decimal(DecimalRange range) const {
    const std::string text = as_text(decimal_form(range));
    const std::optional<F> value = F::parse(text);
    if (!value || !in_range(value->raw(), range)) fail_expected(decimal_form(range));
    return *value;
  }
  /// A whole number written in digits (no sign other than '-', no exponent) that is >= minimum.
  std::int64_t as_integer_at_least(std::int64_t minimum) const;
  /// true or false, nothing else (no yes/no/on/off).
  bool as_bool() const;
  /// A path; a relative one is resolved against the directory of the file it was written in.
  std::filesystem::path as_path() const;
  /// The value as a map allowing only `known_keys`.
  ConfigMap as_map(std::vector<std::string_view> known_keys) const;
  /// The items of a list, named "path[0]", "path[1]", ...; `expected` names it in the error.
  std::vector<ConfigValue> as_list(std::string_view expected = "a list") const;

  /// Throws "path: expected <expected>, got <what was written>" at this value.
  [[noreturn]] void fail_expected(std::string_view expected) const;
  /// Throws "path: expected <expected>, got a scalar|a map|a list|nothing": for a value of the
  /// wrong shape, where the text of a scalar would not help.
  [[noreturn]] void fail_shape(std::string_view expected) const;
  /// Throws "path: <message>" at this value.
  [[noreturn]] void fail(const std::string& message) const;

 private:
  static std::string decimal_form(DecimalRange range);
  static bool in_range(std::int64_t raw, DecimalRange range);
  /// "'text'" for a scalar, else describe_shape().
  std::string describe_written() const;
  /// "a scalar", "a map", "a list" or "nothing".
  std::string describe_shape() const;

  YAML::Node node_;
  SourceMark mark_;
  std::string path_;
  std::filesystem::path file_;
};

/// A YAML map whose keys are known to be plain, unique and allowed.
class ConfigMap {
 public:
  /// Checks the keys of `map` in file order; the first duplicate or unknown key throws (an unknown
  /// one with the closest allowed key as a suggestion, or the allowed keys when none is close).
  ConfigMap(const ConfigValue& map, std::vector<std::string_view> known_keys);

  /// Where the map was written: missing keys are reported here.
  const SourceMark& mark() const { return map_.mark(); }
  const std::string& path() const { return map_.path(); }
  /// The value under `key`, or nullopt when the key is absent.
  std::optional<ConfigValue> find(std::string_view key) const;
  /// The value under `key`; throws "missing required key 'key'" at this map when it is absent.
  ConfigValue require(std::string_view key) const;
  /// The value under `key` when it is present and not empty (`key:` with nothing after it).
  std::optional<ConfigValue> find_non_null(std::string_view key) const;

 private:
  ConfigValue map_;
  std::vector<std::pair<std::string, ConfigValue>> entries_;
};

}  // namespace smoops::config
