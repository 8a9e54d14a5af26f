// The feature pipeline (sdk/include/smoops/features.hpp) and the dataset of `smoops train`
// (host/training): values, no look-ahead, start independence, disjoint splits, normalisation
// fitted on the training period only, labels, and the baselines' scores.

#include <cmath>
#include <limits>
#include <stdexcept>

#include <gtest/gtest.h>

#include "data/csv_bar_reader.hpp"
#include "smoops/features.hpp"
#include "support/test_paths.hpp"
#include "training/dataset.hpp"
#include "training/metrics.hpp"

namespace smoops {
namespace {

std::vector<Bar> real_bars(std::size_t count) {
  data::CsvBarReader reader(test::shared_data("ft_btc_usdt_5m.csv"));
  std::vector<Bar> bars;
  Bar bar;
  while (bars.size() < count && reader.next(bar)) bars.push_back(bar);
  return bars;
}

Bar make_bar(std::int64_t minute, double open, double high, double low, double close, double volume) {
  const auto price = [](double v) { return Price::parse_or_throw(std::to_string(v)); };
  return {Timestamp::from_millis(minute * 60'000), price(open), price(high), price(low), price(close),
          Quantity::parse_or_throw(std::to_string(volume))};
}

/// Every row the pipeline gives for `bars`, in order; rows.size() / names == bars - lookback.
std::vector<float> all_rows(const std::vector<std::string>& names, std::span<const Bar> bars) {
  FeaturePipeline pipeline(names);
  std::vector<float> row(pipeline.size()), rows;
  for (const Bar& bar : bars)
    if (pipeline.push(bar, row)) rows.insert(rows.end(), row.begin(), row.end());
  return rows;
}

TEST(Features, ValuesMatchTheirDefinitions) {
  const std::vector<Bar> bars{make_bar(0, 100, 101, 99, 100, 10), make_bar(1, 100, 103, 100, 102, 30),
                              make_bar(2, 102, 102, 98, 99, 0), make_bar(3, 99, 105, 99, 104, 20)};
  FeaturePipeline pipeline({"ret_1", "ret_3", "vol_2", "rsi_3", "sma_gap_2", "volume_ratio_2", "log_volume", "range", "body"});
  EXPECT_EQ(pipeline.lookback(), 3u);
  std::vector<float> row(pipeline.size());
  EXPECT_FALSE(pipeline.push(bars[0], row));
  EXPECT_FALSE(pipeline.push(bars[1], row));
  EXPECT_FALSE(pipeline.push(bars[2], row));
  ASSERT_TRUE(pipeline.push(bars[3], row));
  const double r1 = std::log(104.0 / 99), r0 = std::log(99.0 / 102);
  const double mean = (r1 + r0) / 2;
  EXPECT_FLOAT_EQ(row[0], static_cast<float>(r1));
  EXPECT_FLOAT_EQ(row[1], static_cast<float>(std::log(104.0 / 100)));
  EXPECT_FLOAT_EQ(row[2], static_cast<float>(std::sqrt((r1 - mean) * (r1 - mean) + (r0 - mean) * (r0 - mean))));
  EXPECT_FLOAT_EQ(row[3], static_cast<float>((2.0 + 5.0) / (2.0 + 5.0 + 3.0)));  // gains 2, 5; loss 3
  EXPECT_FLOAT_EQ(row[4], static_cast<float>(104.0 / ((104.0 + 99.0) / 2) - 1));
  EXPECT_FLOAT_EQ(row[5], static_cast<float>(std::log1p(20.0) - std::log1p((20.0 + 0.0) / 2)));
  EXPECT_FLOAT_EQ(row[6], static_cast<float>(std::log1p(20.0)));
  EXPECT_FLOAT_EQ(row[7], static_cast<float>((105.0 - 99.0) / 104.0));
  EXPECT_FLOAT_EQ(row[8], static_cast<float>(std::log(104.0 / 99.0)));
}

TEST(Features, BadNamesAndBadBarsAreClearErrors) {
  const auto message = [](auto&& f) {
    try {
      f();
    } catch (const std::invalid_argument& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([] { FeaturePipeline p({"ret_1", "macd"}); }).find("unknown feature 'macd' (known: ret_N"), std::string::npos);
  EXPECT_NE(message([] { FeaturePipeline p({"vol_1"}); }).find("vol_N needs a bar count N from 2"), std::string::npos);
  EXPECT_NE(message([] { FeaturePipeline p({"ret_04"}); }).find("feature 'ret_04'"), std::string::npos);
  EXPECT_NE(message([] { FeaturePipeline p({"ret_1", "ret_1"}); }).find("listed twice"), std::string::npos);
  EXPECT_NE(message([] { FeaturePipeline p({}); }).find("empty"), std::string::npos);

  FeaturePipeline pipeline({"ret_1"});
  std::vector<float> row(1);
  pipeline.push(make_bar(5, 100, 101, 99, 100, 1), row);
  EXPECT_NE(message([&] { pipeline.push(make_bar(5, 100, 101, 99, 100, 1), row); }).find("does not come after"),
            std::string::npos);
  Bar zero = make_bar(6, 100, 101, 99, 100, 1);
  zero.close = Price();
  EXPECT_NE(message([&] { pipeline.push(zero, row); }).find("not a valid bar"), std::string::npos);
}

// The row of bar t is the same whatever comes after t, and whenever the pipeline started, as long
// as it saw the lookback bars before t: nothing a model sees at t comes from the future, and a
// strategy started mid-series sees what training saw.
TEST(Features, RowAtTUsesNoBarAfterTAndNoBarBeforeItsLookback) {
  const std::vector<Bar> bars = real_bars(1500);
  const std::vector<std::string> names = default_features();
  const std::size_t f = names.size();
  const std::size_t lookback = FeaturePipeline(names).lookback();
  const std::vector<float> full = all_rows(names, bars);
  ASSERT_EQ(full.size(), (bars.size() - lookback) * f);

  for (std::size_t t : {lookback, lookback + 1, std::size_t{700}, bars.size() - 2}) {
    // Bars after t replaced by a wild but valid series: rows up to t do not move.
    std::vector<Bar> altered(bars.begin(), bars.begin() + static_cast<std::ptrdiff_t>(t + 1));
    for (std::size_t k = t + 1; k < bars.size(); ++k) {
      Bar b = bars[k];
      b.close = b.high = Price::from_units(static_cast<std::int64_t>(1000 + 997 * k % 50'000));
      b.open = b.low = Price::from_units(500);
      b.volume = Quantity::from_units(static_cast<std::int64_t>(k));
      altered.push_back(b);
    }
    const std::vector<float> rows = all_rows(names, altered);
    const std::size_t upto = (t - lookback + 1) * f;
    ASSERT_EQ(std::vector<float>(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(upto)),
              std::vector<float>(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(upto)))
        << "a row at or before bar " << t << " changed with the bars after it";
    if (t + 1 < bars.size()) {
      EXPECT_NE(rows[upto], full[upto]) << "the altered bars did not change the next row";
    }

    // Started at t - lookback: the first row (bar t) equals the full series' row of bar t.
    const std::vector<float> late = all_rows(names, std::span<const Bar>(bars).subspan(t - lookback, lookback + 1));
    ASSERT_EQ(late.size(), f);
    EXPECT_EQ(late, std::vector<float>(full.begin() + static_cast<std::ptrdiff_t>((t - lookback) * f),
                                       full.begin() + static_cast<std::ptrdiff_t>((t - lookback + 1) * f)));
  }
}

TEST(Features, WindowHoldsTheLastRowsOldestFirst) {
  FeatureWindow window(3, 2);
  for (float v : {1.f, 2.f, 3.f, 4.f}) {
    const float row[2] = {v, -v};
    window.push(row);
  }
  ASSERT_TRUE(window.ready());
  const auto values = window.values();
  EXPECT_EQ(std::vector<float>(values.begin(), values.end()), (std::vector<float>{2, -2, 3, -3, 4, -4}));
}

TEST(Dataset, SplitsAreChronologicalAndReadDisjointBars) {
  training::DatasetOptions options;
  options.window = 16;
  options.horizon = 6;
  const training::Dataset data = training::build_dataset(real_bars(10'999), options);
  ASSERT_GT(data.train.size(), 1000u);
  ASSERT_GT(data.validation.size(), 100u);
  ASSERT_GT(data.test.size(), 100u);
  EXPECT_EQ(data.gap, options.window + data.lookback + options.horizon);
  // Every bar any sample of a split reads (feature lookback, window, label horizon) comes before
  // every bar any sample of the next split reads.
  const auto span_of = [&](const TrainingSamples& s) {
    std::size_t lo = std::numeric_limits<std::size_t>::max(), hi = 0;
    for (std::size_t end : s.ends) {
      const auto [first, last] = data.bars_read(data.bar_of_row(end));
      lo = std::min(lo, first);
      hi = std::max(hi, last);
    }
    return std::pair{lo, hi};
  };
  const auto train = span_of(data.train), validation = span_of(data.validation), test = span_of(data.test);
  EXPECT_LT(train.second, validation.first);
  EXPECT_LT(validation.second, test.first);
  EXPECT_LT(test.second, data.bars.size());
  EXPECT_EQ(train.first, 0u);
  // Labels: the direction from close(t) to close(t + horizon).
  for (std::size_t i = 0; i < data.test.size(); i += 97) {
    const std::size_t t = data.bar_of_row(data.test.ends[i]);
    EXPECT_EQ(data.test.labels[i], static_cast<std::uint8_t>(direction_of(
                                       data.bars[t].close.to_double(), data.bars[t + 6].close.to_double(), options.flat_band)));
  }
  // The test backtest period is the bars the test samples read.
  EXPECT_EQ(training::bars_with_warmup(data, data.test_range), test);
}

TEST(Dataset, NormalisationComesFromTheTrainingPeriodOnly) {
  training::DatasetOptions options;
  options.window = 8;
  options.horizon = 4;
  std::vector<Bar> bars = real_bars(4000);
  const training::Dataset data = training::build_dataset(bars, options);
  // Doubling every price after the training samples' last bar leaves the statistics unchanged.
  for (std::size_t k = data.train_range.last_sample_bar + 1; k < bars.size(); ++k) {
    for (Price* p : {&bars[k].open, &bars[k].high, &bars[k].low, &bars[k].close}) *p = p->times(2);
    bars[k].volume = bars[k].volume.times(3);
  }
  const training::Dataset altered = training::build_dataset(bars, options);
  EXPECT_EQ(altered.normalization.mean, data.normalization.mean);
  EXPECT_EQ(altered.normalization.stddev, data.normalization.stddev);
  EXPECT_NE(altered.raw_rows, data.raw_rows);
  // And the training rows come out standardised: mean 0, deviation 1 over the training rows.
  const std::size_t f = data.features(), rows = data.train_range.last_sample_bar - data.first_row_bar + 1;
  for (std::size_t j = 0; j < f; ++j) {
    double sum = 0;
    for (std::size_t r = 0; r < rows; ++r) sum += data.rows[r * f + j];
    EXPECT_NEAR(sum / static_cast<double>(rows), 0.0, 1e-3) << options.features[j];
  }
}

TEST(Dataset, TooShortASeriesSaysHowManyBarsItNeeds) {
  try {
    training::build_dataset(real_bars(200), training::DatasetOptions{});
    FAIL() << "no error";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("the data holds 200 bars"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("need at least"), std::string::npos) << e.what();
  }
}

TEST(Metrics, ScoresAndBaselines) {
  const std::vector<std::uint8_t> labels{2, 2, 0, 1};
  const std::vector<float> probabilities{0.1f, 0.2f, 0.7f, 0.5f, 0.2f, 0.3f, 0.6f, 0.2f, 0.2f, 0.2f, 0.7f, 0.1f};
  const training::ClassScore s = training::score("m", probabilities, 3, labels);
  EXPECT_DOUBLE_EQ(s.accuracy, 0.75);
  EXPECT_NEAR(s.log_loss, -(std::log(0.7) + std::log(0.3) + std::log(0.6) + std::log(0.7)) / 4, 1e-6);
  EXPECT_THROW(training::score("m", std::vector<float>(3, 0.3f), 3, labels), std::invalid_argument);
  std::vector<float> nan = probabilities;
  nan[4] = std::numeric_limits<float>::quiet_NaN();
  EXPECT_THROW(training::score("m", nan, 3, labels), std::invalid_argument);

  TrainingSamples train;
  train.labels = {0, 2, 2, 1, 2};
  const std::vector<float> majority = training::majority_baseline(train, 3, 2);
  EXPECT_EQ(majority, (std::vector<float>{0.2f, 0.2f, 0.6f, 0.2f, 0.2f, 0.6f}));
}

}  // namespace
}  // namespace smoops
