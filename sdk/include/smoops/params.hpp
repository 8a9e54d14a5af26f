#pragma once
// A plugin's parameters: an SDK-owned tree built by the host from the bot's YAML, so plugins
// never see yaml-cpp. Every node remembers where it came from, and every getter failure throws
// ParamError whose message starts with "FILE:LINE:COL: " and names the parameter and the
// expected form, e.g.
//   bots/btc.yaml:6:18: strategy.params.fast: expected an integer in [1, 100000], got 0

#include <algorithm>
#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <limits>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "smoops/fixed_point.hpp"

namespace smoops {

/// Where a value was written: file, 1-based line and column.
struct SourceMark {
  std::string file;
  int line = 0;
  int column = 0;
  /// "file:line:col".
  std::string to_string() const {
    return file + ":" + std::to_string(line) + ":" + std::to_string(column);
  }
};

/// A configuration error that knows where it is; what() is "file:line:col: message".
class ParamError : public std::runtime_error {
 public:
  ParamError(SourceMark mark, const std::string& message)
      : std::runtime_error(mark.to_string() + ": " + message), mark_(std::move(mark)), message_(message) {}
  /// Where the bad value (or its enclosing map) was written.
  const SourceMark& mark() const { return mark_; }
  /// The message without the location prefix.
  const std::string& message() const { return message_; }

 private:
  SourceMark mark_;
  std::string message_;
};

/// Levenshtein edit distance, used to suggest the closest known key for a misspelt one.
inline std::size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      const std::size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// " (did you mean 'x'?)" for the closest candidate within a small distance, else "".
inline std::string did_you_mean(std::string_view key, const std::vector<std::string_view>& candidates) {
  std::string_view best;
  std::size_t best_distance = std::numeric_limits<std::size_t>::max();
  for (auto c : candidates) {
    const auto d = edit_distance(key, c);
    if (d < best_distance) { best_distance = d; best = c; }
  }
  if (best.empty() || best_distance > std::max<std::size_t>(2, key.size() / 3)) return {};
  return " (did you mean '" + std::string(best) + "'?)";
}

/// A tree of parameters: null, a scalar (kept as its text), a sequence or a map (in file order).
class Params {
 public:
  /// The shape of a node.
  enum class Kind : std::uint8_t { Null, Scalar, Sequence, Map };

  /// An empty map at `mark`, named `path` in messages (e.g. "strategy.params").
  static Params map(SourceMark mark, std::string path) {
    Params p;
    p.kind_ = Kind::Map;
    p.mark_ = std::move(mark);
    p.path_ = std::move(path);
    return p;
  }
  /// A scalar with its text.
  static Params scalar(std::string text, SourceMark mark, std::string path) {
    Params p;
    p.kind_ = Kind::Scalar;
    p.text_ = std::move(text);
    p.mark_ = std::move(mark);
    p.path_ = std::move(path);
    return p;
  }
  /// An empty sequence.
  static Params sequence(SourceMark mark, std::string path) {
    Params p = map(std::move(mark), std::move(path));
    p.kind_ = Kind::Sequence;
    return p;
  }
  /// A null value (written as `~`, `null` or nothing).
  static Params null(SourceMark mark, std::string path) {
    Params p = map(std::move(mark), std::move(path));
    p.kind_ = Kind::Null;
    return p;
  }

  /// Adds `value` under `key` to a map (the host builds trees with this).
  void add(std::string key, Params value) { entries_.emplace_back(std::move(key), std::move(value)); }
  /// Appends `value` to a sequence.
  void push_back(Params value) { entries_.emplace_back(std::string(), std::move(value)); }

  Kind kind() const { return kind_; }
  const SourceMark& mark() const { return mark_; }
  /// Dotted name of this node, e.g. "strategy.params.fast".
  const std::string& path() const { return path_; }
  /// A scalar's text (empty for other kinds).
  const std::string& text() const { return text_; }
  /// Map entries or sequence items (keys are empty for sequences), in file order.
  const std::vector<std::pair<std::string, Params>>& entries() const { return entries_; }

  /// The value under `key`, or nullptr.
  const Params* find(std::string_view key) const {
    for (const auto& [k, v] : entries_)
      if (k == key) return &v;
    return nullptr;
  }
  /// True when `key` is present.
  bool has(std::string_view key) const { return find(key) != nullptr; }
  /// The value under `key`; throws ParamError at this map when it is missing.
  const Params& at(std::string_view key) const {
    if (const Params* v = find(key)) return *v;
    fail(mark_, "missing required parameter '" + child_path(key) + "'");
  }

  /// Throws for the first key not in `known`, suggesting the closest known one.
  void allow_only(std::initializer_list<std::string_view> known) const {
    std::vector<std::string_view> candidates(known);
    for (const auto& [k, v] : entries_) {
      if (std::find(candidates.begin(), candidates.end(), k) == candidates.end())
        fail(v.mark_, "unknown parameter '" + v.path_ + "'" + did_you_mean(k, candidates));
    }
  }

  /// The integer under `key`.
  std::int64_t get_int(std::string_view key) const { return at(key).as_int(); }
  /// The integer under `key`, or `fallback` when absent.
  std::int64_t get_int(std::string_view key, std::int64_t fallback) const {
    const Params* v = find(key);
    return v ? v->as_int() : fallback;
  }
  /// The integer under `key`, which must lie in [lo, hi]; `fallback` when absent.
  std::int64_t get_int_in(std::string_view key, std::int64_t lo, std::int64_t hi, std::int64_t fallback) const {
    const Params* v = find(key);
    return v ? v->as_int_in(lo, hi) : fallback;
  }
  /// The integer under `key`, which must be present and lie in [lo, hi].
  std::int64_t get_int_in(std::string_view key, std::int64_t lo, std::int64_t hi) const {
    return at(key).as_int_in(lo, hi);
  }
  /// The number under `key`.
  double get_double(std::string_view key) const { return at(key).as_double(); }
  /// The number under `key`, or `fallback` when absent.
  double get_double(std::string_view key, double fallback) const {
    const Params* v = find(key);
    return v ? v->as_double() : fallback;
  }
  /// The boolean (true/false) under `key`.
  bool get_bool(std::string_view key) const { return at(key).as_bool(); }
  /// The boolean under `key`, or `fallback` when absent.
  bool get_bool(std::string_view key, bool fallback) const {
    const Params* v = find(key);
    return v ? v->as_bool() : fallback;
  }
  /// The string under `key`.
  std::string get_string(std::string_view key) const { return at(key).as_string(); }
  /// The string under `key`, or `fallback` when absent.
  std::string get_string(std::string_view key, std::string fallback) const {
    const Params* v = find(key);
    return v ? v->as_string() : fallback;
  }
  /// The exact decimal under `key` as a fixed-point value (Price, Quantity, Money or Ratio).
  template <class F>
  F get_fixed(std::string_view key) const { return at(key).template as_fixed<F>(); }
  /// The exact decimal under `key`, or `fallback` when absent.
  template <class F>
  F get_fixed(std::string_view key, F fallback) const {
    const Params* v = find(key);
    return v ? v->template as_fixed<F>() : fallback;
  }

  /// This scalar as an integer.
  std::int64_t as_int() const {
    const std::string& t = expect_scalar("an integer");
    std::int64_t value = 0;
    const auto* end = t.data() + t.size();
    auto [ptr, ec] = std::from_chars(t.data() + (t.size() > 1 && t[0] == '+' ? 1 : 0), end, value);
    if (ec != std::errc() || ptr != end) fail(mark_, path_ + ": expected an integer, got '" + t + "'");
    return value;
  }
  /// This scalar as an integer in [lo, hi].
  std::int64_t as_int_in(std::int64_t lo, std::int64_t hi) const {
    const std::int64_t value = as_int();
    if (value < lo || value > hi)
      fail(mark_, path_ + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                      "], got " + std::to_string(value));
    return value;
  }
  /// This scalar as a finite number.
  double as_double() const {
    const std::string& t = expect_scalar("a number");
    char* end = nullptr;
    const double value = std::strtod(t.c_str(), &end);
    if (t.empty() || end != t.c_str() + t.size() || value != value ||
        value == std::numeric_limits<double>::infinity() || value == -std::numeric_limits<double>::infinity())
      fail(mark_, path_ + ": expected a number, got '" + t + "'");
    return value;
  }
  /// This scalar as true or false.
  bool as_bool() const {
    const std::string& t = expect_scalar("true or false");
    if (t == "true") return true;
    if (t == "false") return false;
    fail(mark_, path_ + ": expected true or false, got '" + t + "'");
  }
  /// This scalar's text.
  std::string as_string() const { return expect_scalar("a string"); }
  /// This scalar as a path; a relative one resolves against the folder of the file it was
  /// written in, as the host resolves a bot's data.csv.
  std::filesystem::path as_path() const {
    std::filesystem::path path = expect_scalar("a path");
    if (path.is_relative() && !mark_.file.empty()) path = std::filesystem::path(mark_.file).parent_path() / path;
    return path;
  }
  /// This scalar as an exact fixed-point decimal.
  template <class F>
  F as_fixed() const {
    const std::string& t = expect_scalar("a decimal number");
    if (auto v = F::parse(t)) return *v;
    fail(mark_, path_ + ": expected a decimal number with at most 8 decimal places, got '" + t + "'");
  }

  /// Throws ParamError at `mark` with `message`.
  [[noreturn]] static void fail(const SourceMark& mark, const std::string& message) { throw ParamError(mark, message); }

 private:
  std::string child_path(std::string_view key) const {
    return path_.empty() ? std::string(key) : path_ + "." + std::string(key);
  }
  const std::string& expect_scalar(const char* expected) const {
    if (kind_ != Kind::Scalar)
      fail(mark_, path_ + ": expected " + std::string(expected) + ", got " +
                      (kind_ == Kind::Map ? "a map" : kind_ == Kind::Sequence ? "a list" : "nothing"));
    return text_;
  }

  Kind kind_ = Kind::Map;
  SourceMark mark_;
  std::string path_;
  std::string text_;
  std::vector<std::pair<std::string, Params>> entries_;
};

}  // namespace smoops
