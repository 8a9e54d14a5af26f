#include "cli/arguments.hpp"

namespace smoops::cli {

Arguments::Arguments(const std::vector<std::string>& args, const std::set<std::string>& valued,
                     const std::set<std::string>& flags) {
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& arg = args[i];
    if (arg.size() < 2 || arg.rfind("--", 0) != 0) {
      if (!arg.empty() && arg[0] == '-' && arg != "-") throw UsageError("unknown option '" + arg + "'");
      positionals_.push_back(arg);
      continue;
    }
    std::string name = arg.substr(2);
    std::optional<std::string> inline_value;
    if (auto eq = name.find('='); eq != std::string::npos) {
      inline_value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    if (valued.count(name)) {
      if (inline_value) {
        values_[name].push_back(*inline_value);
      } else if (i + 1 < args.size()) {
        values_[name].push_back(args[++i]);
      } else {
        throw UsageError("option '--" + name + "' needs a value");
      }
    } else if (flags.count(name) && !inline_value) {
      flags_.insert(name);
    } else {
      throw UsageError("unknown option '--" + name + "'");
    }
  }
}

std::optional<std::string> Arguments::value(const std::string& name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::vector<std::string> Arguments::values(const std::string& name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::int64_t Arguments::integer(const std::string& name, std::int64_t fallback, std::int64_t lo, std::int64_t hi) const {
  const auto text = value(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const long long parsed = std::stoll(*text, &used);
    if (used == text->size() && parsed >= lo && parsed <= hi) return parsed;
  } catch (const std::logic_error&) {
  }
  throw UsageError("--" + name + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "], got '" + *text + "'");
}

std::string Arguments::required(const std::string& name) const {
  if (auto v = value(name)) return *v;
  throw UsageError("missing required option '--" + name + "'");
}

}  // namespace smoops::cli
