#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "data/synthetic_bars.hpp"

namespace smoops::cli {

int data_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, {"out", "bars", "seed", "interval-s", "start-price"}, {});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::string file = parsed.required("out");
  data::SyntheticSeries series;
  const auto bars = parsed.integer("bars", 10'000, 1, 1'000'000'000);
  series.seed = static_cast<std::uint64_t>(parsed.integer("seed", 42, 0, INT64_MAX));
  series.interval = Duration::from_seconds(parsed.integer("interval-s", 300, 1, 86'400 * 7));
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
