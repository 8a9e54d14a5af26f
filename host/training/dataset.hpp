#pragma once
// The data `smoops train` fits a model to: feature rows computed from bars by the SDK's
// FeaturePipeline (the same code a strategy runs live), a direction label per sample, and a
// chronological train / validation / test split with a gap between the parts so that no bar is
// read by two of them.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "smoops/features.hpp"
#include "smoops/market_data.hpp"
#include "smoops/training.hpp"

namespace smoops::training {

/// How to turn bars into samples.
struct DatasetOptions {
  std::vector<std::string> features = default_features();
  std::size_t window = 32;       ///< feature rows per sample
  std::size_t horizon = 12;      ///< bars ahead whose return is predicted
  double flat_band = 0.001;      ///< |log return| at most this is "flat"
  double validation_share = 0.15;
  double test_share = 0.15;
};

/// The bars of one split, as indexes into Dataset::bars.
struct SplitRange {
  std::size_t first_sample_bar = 0;  ///< bar t of the split's first sample
  std::size_t last_sample_bar = 0;   ///< bar t of its last sample
  std::size_t samples = 0;
};

/// A sample ends at bar t: its window holds the rows of bars t-window+1 .. t, its label is the
/// direction from close(t) to close(t + horizon).
struct Dataset {
  DatasetOptions options;
  std::vector<Bar> bars;
  std::size_t lookback = 0;        ///< bars before t that the row of bar t reads
  std::size_t first_row_bar = 0;   ///< bar index of row 0 (== lookback)
  std::vector<float> raw_rows;     ///< [row][feature], as the pipeline computed them
  std::vector<float> rows;         ///< raw_rows standardised with `normalization`
  Normalization normalization;     ///< fitted on the rows the training samples read, only
  TrainingSamples train, validation, test;  ///< ends are row indexes
  SplitRange train_range, validation_range, test_range;
  std::size_t gap = 0;             ///< bars skipped between two splits

  std::size_t features() const { return options.features.size(); }
  /// The bar a sample (row index `end`) ends at.
  std::size_t bar_of_row(std::size_t row) const { return row + first_row_bar; }
  /// The first and last bar a sample ending at bar t reads (features, window and label).
  std::pair<std::size_t, std::size_t> bars_read(std::size_t t) const {
    return {t + 1 - options.window - lookback, t + options.horizon};
  }
};

/// Builds the rows, labels and split. Throws std::invalid_argument for bad options or a series
/// too short to give every split at least one sample (the message says how many bars it needs).
Dataset build_dataset(std::vector<Bar> bars, const DatasetOptions& options);

/// The first and last bar the split reads: its samples' bars with the warm-up their first window
/// needs before them and the horizon after the last. A backtest of the split's period runs over these.
std::pair<std::size_t, std::size_t> bars_with_warmup(const Dataset& data, const SplitRange& split);

}  // namespace smoops::training
