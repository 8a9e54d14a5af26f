#pragma once
// A deterministic synthetic bar series (a random walk with trends), for the demo and for
// benchmarks longer than any real file we have. The same seed gives the same bars on every
// machine: the generator is splitmix64 and all price arithmetic is integer.

#include <cstdint>
#include <filesystem>

#include "smoops/market_data.hpp"

namespace smoops::data {

/// What to generate.
struct SyntheticSeries {
  std::uint64_t seed = 42;
  Timestamp start = Timestamp::from_millis(1'672'531'200'000);  ///< 2023-01-01T00:00:00Z
  Duration interval = Duration::from_seconds(300);
  Price start_price = Price::from_units(20'000);
  Price tick_size = Price::from_raw(1'000'000);  ///< 0.01
};

/// Produces bars one at a time; constant memory.
class SyntheticBarGenerator {
 public:
  explicit SyntheticBarGenerator(const SyntheticSeries& series);
  /// The next bar.
  Bar next();

 private:
  std::uint64_t random();
  SyntheticSeries series_;
  std::uint64_t state_;
  Timestamp ts_;
  Price close_;
  std::int64_t drift_bps_x100_ = 0;  // the current trend, in hundredths of a basis point per bar
};

/// Writes `bars` bars as a CSV file in the format CsvBarReader reads.
void write_synthetic_csv(const std::filesystem::path& file, const SyntheticSeries& series, std::uint64_t bars);

}  // namespace smoops::data
