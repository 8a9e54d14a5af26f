#include "training/dataset.hpp"

#include <cmath>
#include <stdexcept>

namespace smoops::training {
namespace {

void add_samples(const Dataset& data, std::size_t first_bar, std::size_t last_bar, TrainingSamples& out,
                 SplitRange& range) {
  const auto& bars = data.bars;
  for (std::size_t t = first_bar; t <= last_bar; ++t) {
    out.ends.push_back(t - data.first_row_bar);
    out.labels.push_back(static_cast<std::uint8_t>(direction_of(
        bars[t].close.to_double(), bars[t + data.options.horizon].close.to_double(), data.options.flat_band)));
  }
  range = {first_bar, last_bar, last_bar - first_bar + 1};
}

}  // namespace

Dataset build_dataset(std::vector<Bar> bars, const DatasetOptions& options) {
  if (options.window == 0) throw std::invalid_argument("window must be at least 1");
  if (options.horizon == 0) throw std::invalid_argument("horizon must be at least 1");
  if (!(options.flat_band >= 0) || !std::isfinite(options.flat_band))
    throw std::invalid_argument("flat_band must be a number >= 0");
  if (!(options.validation_share > 0 && options.test_share > 0 && options.validation_share + options.test_share < 0.9))
    throw std::invalid_argument("validation and test shares must be > 0 and add up to less than 0.9");

  Dataset data;
  data.options = options;
  data.bars = std::move(bars);
  FeaturePipeline pipeline(options.features);
  data.lookback = pipeline.lookback();
  data.first_row_bar = data.lookback;
  // Every part is separated from the next by the bars one sample reads besides its own bar t:
  // window - 1 rows before t, the features' lookback before those, the horizon after t.
  data.gap = options.window + data.lookback + options.horizon;

  const std::size_t n = data.bars.size();
  const std::size_t first_t = data.first_row_bar + options.window - 1;  // first bar with a full window
  const std::size_t min_samples = 3 * 10;
  if (n < first_t + options.horizon + 2 * data.gap + min_samples)
    throw std::invalid_argument("the data holds " + std::to_string(n) + " bars; this window (" +
                                std::to_string(options.window) + "), horizon (" + std::to_string(options.horizon) +
                                ") and feature lookback (" + std::to_string(data.lookback) + ") need at least " +
                                std::to_string(first_t + options.horizon + 2 * data.gap + min_samples) +
                                " for a train, validation and test split");

  // Rows: one per bar from first_row_bar on. push() also validates every bar.
  std::vector<float> row(pipeline.size());
  data.raw_rows.reserve((n - data.first_row_bar) * pipeline.size());
  for (std::size_t t = 0; t < n; ++t) {
    const bool ready = pipeline.push(data.bars[t], row);
    if (ready != (t >= data.first_row_bar)) throw std::logic_error("feature pipeline warm-up does not match its lookback");
    if (ready) data.raw_rows.insert(data.raw_rows.end(), row.begin(), row.end());
  }

  // Sample bars first_t .. last_t, split by share after setting the two gaps aside.
  const std::size_t last_t = n - 1 - options.horizon;
  const std::size_t usable = last_t - first_t + 1 - 2 * data.gap;
  const auto test_count = static_cast<std::size_t>(std::floor(static_cast<double>(usable) * options.test_share));
  const auto validation_count =
      static_cast<std::size_t>(std::floor(static_cast<double>(usable) * options.validation_share));
  const std::size_t train_count = usable - test_count - validation_count;
  if (test_count < 10 || validation_count < 10 || train_count < 10)
    throw std::invalid_argument("the split leaves fewer than 10 samples in a part (train " + std::to_string(train_count) +
                                ", validation " + std::to_string(validation_count) + ", test " +
                                std::to_string(test_count) + "); use more data or larger shares");
  const std::size_t train_last = first_t + train_count - 1;
  const std::size_t validation_first = train_last + data.gap + 1;
  const std::size_t validation_last = validation_first + validation_count - 1;
  const std::size_t test_first = validation_last + data.gap + 1;
  add_samples(data, first_t, train_last, data.train, data.train_range);
  add_samples(data, validation_first, validation_last, data.validation, data.validation_range);
  add_samples(data, test_first, test_first + test_count - 1, data.test, data.test_range);

  // Normalisation from the rows the training samples read, nothing later.
  const std::size_t features = pipeline.size();
  const std::size_t train_rows_end = (train_last - data.first_row_bar + 1) * features;
  data.normalization = Normalization::fit(std::span<const float>(data.raw_rows.data(), train_rows_end), features);
  data.rows = data.raw_rows;
  data.normalization.apply(data.rows);
  return data;
}

std::pair<std::size_t, std::size_t> bars_with_warmup(const Dataset& data, const SplitRange& split) {
  return {data.bars_read(split.first_sample_bar).first, data.bars_read(split.last_sample_bar).second};
}

}  // namespace smoops::training
