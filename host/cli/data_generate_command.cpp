#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "data/synthetic_bars.hpp"

namespace smoops::cli {
namespace {

std::int64_t integer_option(const Arguments& args, const std::string& name, std::int64_t fallback, std::int64_t lo,
                            std::int64_t hi) {
  const auto text = args.value(name);
  if (!text) return fallback;
  try {
    std::size_t used = 0;
    const long long value = std::stoll(*text, &used);
    if (used == text->size() && value >= lo && value <= hi) return value;
  } catch (const std::logic_error&) {
  }
  throw UsageError("--" + name + ": expected an integer in [" + std::to_string(lo) + ", " + std::to_string(hi) +
                   "], got '" + *text + "'");
}

}  // namespace

int data_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, {"out", "bars", "seed", "interval-s", "start-price"}, {});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::string file = parsed.required("out");
  data::SyntheticSeries series;
  const auto bars = integer_option(parsed, "bars", 10'000, 1, 1'000'000'000);
  series.seed = static_cast<std::uint64_t>(integer_option(parsed, "seed", 42, 0, INT64_MAX));
  series.interval = Duration::from_seconds(integer_option(parsed, "interval-s", 300, 1, 86'400 * 7));
  if (auto price = parsed.value("start-price")) {
    const auto parsed_price = Price::parse(*price);
    if (!parsed_price || !parsed_price->is_positive())
      throw UsageError("--start-price: expected a positive decimal, got '" + *price + "'");
    series.start_price = *parsed_price;
  }
  try {
    data::write_synthetic_csv(file, series, static_cast<std::uint64_t>(bars));
  } catch (const std::runtime_error& e) {
    throw OutputError(e.what());
  }
  out << "wrote " << bars << " synthetic bars to " << file << '\n';
  return kExitOk;
}

}  // namespace smoops::cli
