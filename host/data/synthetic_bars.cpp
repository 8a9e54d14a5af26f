#include "data/synthetic_bars.hpp"

#include <cstdio>
#include <memory>
#include <stdexcept>
#include <string>

namespace smoops::data {

SyntheticBarGenerator::SyntheticBarGenerator(const SyntheticSeries& series)
    : series_(series), state_(series.seed), ts_(series.start), close_(series.start_price) {
  if (!series.start_price.is_positive() || !series.tick_size.is_positive() || series.interval.nanos <= 0)
    throw std::invalid_argument("synthetic series: start price, tick size and interval must be positive");
}

std::uint64_t SyntheticBarGenerator::random() {
  // splitmix64: tiny, fast and the same everywhere.
  std::uint64_t z = (state_ += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

Bar SyntheticBarGenerator::next() {
  // A new trend now and then, so that moving averages cross as they do on real markets; trends
  // lead back toward the start price once it has halved or doubled, so long series stay in range.
  if (random() % 200 == 0) {
    drift_bps_x100_ = static_cast<std::int64_t>(random() % 601) - 300;
    if (close_ > series_.start_price.times(2) && drift_bps_x100_ > 0) drift_bps_x100_ = -drift_bps_x100_;
    if (close_.times(2) < series_.start_price && drift_bps_x100_ < 0) drift_bps_x100_ = -drift_bps_x100_;
  }
  // Step in hundredths of a basis point: noise of ±40 bps plus the trend (±3 bps).
  const std::int64_t step = static_cast<std::int64_t>(random() % 8001) - 4000 + drift_bps_x100_;
  const Price open = close_;
  Price close = open.mul_div(1'000'000 + step, 1'000'000).round_to(series_.tick_size);
  if (!close.is_positive()) close = series_.tick_size;
  const Price top = open > close ? open : close;
  const Price bottom = open < close ? open : close;
  const auto wick = [&](Price base) {
    return base.mul_div(static_cast<std::int64_t>(random() % 2000), 1'000'000).round_to(series_.tick_size);
  };
  const Price high = top + wick(top);
  Price low = bottom - wick(bottom);
  if (!low.is_positive()) low = series_.tick_size;
  const Quantity volume = Quantity::from_raw(static_cast<std::int64_t>(random() % 100'000'000'000ULL) + 1'000'000);
  const Bar bar{ts_, open, high, low, close, volume};
  ts_ = ts_ + series_.interval;
  close_ = close;
  return bar;
}

void write_synthetic_csv(const std::filesystem::path& file, const SyntheticSeries& series, std::uint64_t bars) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> out(std::fopen(file.c_str(), "wb"), &std::fclose);
  if (!out) throw std::runtime_error("cannot write " + file.string());
  std::fputs("timestamp,open,high,low,close,volume\n", out.get());
  SyntheticBarGenerator generator(series);
  for (std::uint64_t i = 0; i < bars; ++i) {
    const Bar bar = generator.next();
    const std::string row = std::to_string(bar.ts.millis()) + ',' + bar.open.to_string() + ',' + bar.high.to_string() +
                            ',' + bar.low.to_string() + ',' + bar.close.to_string() + ',' + bar.volume.to_string() + '\n';
    std::fputs(row.c_str(), out.get());
  }
  if (std::fflush(out.get()) != 0) throw std::runtime_error("cannot write " + file.string());
}

}  // namespace smoops::data
