#pragma once
// A small command-line parser: "--name value" options, "--flag" switches and positionals. An
// unknown option or a missing value throws UsageError, which the commands turn into usage text
// and exit code 2.

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace smoops::cli {

/// A bad command line.
class UsageError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// An output file that could not be written (exit code 7).
class OutputError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

/// Parsed arguments of one command.
class Arguments {
 public:
  /// Parses `args`; `valued` options take a value (repeatable), `flags` take none.
  Arguments(const std::vector<std::string>& args, const std::set<std::string>& valued, const std::set<std::string>& flags);

  /// The last value of --name, if given.
  std::optional<std::string> value(const std::string& name) const;
  /// Every value of a repeatable --name, in order.
  std::vector<std::string> values(const std::string& name) const;
  /// The value of --name; throws UsageError when it is missing.
  std::string required(const std::string& name) const;
  /// The integer value of --name in [lo, hi], or `fallback` when absent; throws UsageError
  /// ("--name: expected an integer in [lo, hi], got 'x'") otherwise.
  std::int64_t integer(const std::string& name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const;
  bool flag(const std::string& name) const { return flags_.count(name) > 0; }
  const std::vector<std::string>& positionals() const { return positionals_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> flags_;
  std::vector<std::string> positionals_;
};

}  // namespace smoops::cli
