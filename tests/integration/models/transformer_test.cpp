// The `transformer` model plugin and its trainer, through the real smoops_transformer.so: training
// on a real series lowers the loss, the same seed gives the same weights file, a saved model
// reloads and reproduces the trainer's outputs bit for bit, and bad files or inputs are clear errors.

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/csv_bar_reader.hpp"
#include "plugin/plugin_registry.hpp"
#include "smoops/features.hpp"
#include "smoops/training.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

constexpr std::size_t kWindow = 16;
constexpr std::size_t kHorizon = 12;
constexpr double kFlatBand = 0.002;
constexpr std::size_t kTrainSamples = 2000;
constexpr std::size_t kValidationSamples = 500;

/// Feature rows and labelled samples of ft_btc_usdt_5m.csv, split chronologically: the first
/// kTrainSamples windows train, the next kValidationSamples validate, with a gap of window +
/// horizon rows between them so that no bar is read by both.
struct Series {
  std::vector<float> raw_rows;  ///< as the pipeline computed them: what a model's predict() takes
  std::vector<float> rows;      ///< standardised with `normalization`: what the trainer takes
  Normalization normalization;
  TrainingSamples train, validation;

  static const Series& get() {
    static const Series series = load();
    return series;
  }

 private:
  static Series load() {
    const std::vector<Bar> bars = data::read_all_bars(test::shared_data("ft_btc_usdt_5m.csv"));
    FeaturePipeline pipeline(default_features());
    Series s;
    std::vector<double> closes;  // the close of each row's bar
    std::vector<float> row(pipeline.size());
    for (const Bar& bar : bars)
      if (pipeline.push(bar, row)) {
        s.raw_rows.insert(s.raw_rows.end(), row.begin(), row.end());
        closes.push_back(bar.close.to_double());
      }
    auto add = [&](TrainingSamples& samples, std::size_t end) {
      samples.ends.push_back(end);
      samples.labels.push_back(static_cast<std::uint8_t>(direction_of(closes[end], closes[end + kHorizon], kFlatBand)));
    };
    std::size_t end = kWindow - 1;
    for (std::size_t i = 0; i < kTrainSamples; ++i) add(s.train, end++);
    const std::size_t training_rows = end;  // rows 0 .. last training end
    end += kWindow + kHorizon;
    for (std::size_t i = 0; i < kValidationSamples; ++i) add(s.validation, end++);
    if (end + kHorizon > closes.size()) throw std::logic_error("the series is too short for the test split");

    const std::size_t features = pipeline.size();
    s.normalization = Normalization::fit(std::span<const float>(s.raw_rows.data(), training_rows * features), features);
    s.rows = s.raw_rows;
    s.normalization.apply(s.rows);
    return s;
  }
};

SourceMark mark(int line) { return {"model.yaml", line, 5}; }

/// `model.params` with these scalars, each on its own line of a pretend model.yaml.
Params params_of(const std::vector<std::pair<std::string, std::string>>& values) {
  Params params = Params::map(mark(1), "model.params");
  int line = 2;
  for (const auto& [key, value] : values) params.add(key, Params::scalar(value, mark(line++), "model.params." + key));
  return params;
}

/// A small, fast configuration of the trainer.
Params small_config(std::string epochs = "4") {
  return params_of({{"d_model", "16"}, {"heads", "2"}, {"layers", "1"}, {"ff", "32"}, {"epochs", epochs},
                    {"batch_size", "64"}, {"warmup_steps", "10"}, {"learning_rate", "0.003"}, {"patience", "10"}});
}

ModelSpec spec() {
  ModelSpec s;
  s.window = kWindow;
  s.features = default_features();
  s.labels = direction_labels();
  s.outputs = s.labels.size();
  return s;
}

/// Records what the trainer reports.
struct RecordingProgress : TrainingProgress {
  std::size_t batches = 0;
  std::vector<EpochMetrics> epochs;
  void on_batch(std::size_t, std::size_t, std::size_t, std::size_t, double) override { ++batches; }
  void on_epoch(const EpochMetrics& metrics, std::size_t, bool) override { epochs.push_back(metrics); }
};

/// Writes the model.json that `smoops train` writes beside the trainer's files.
void write_model_json(const std::filesystem::path& dir, const ModelSpec& spec, const Normalization& normalization) {
  const nlohmann::ordered_json json = {
      {"format", "smoops-model/1"},
      {"plugin", "transformer"},
      {"spec", {{"window", spec.window}, {"features", spec.features}, {"labels", spec.labels},
                {"horizon", kHorizon}, {"flat_band", kFlatBand}}},
      {"normalization", {{"mean", normalization.mean}, {"std", normalization.stddev}}},
      {"files", {"weights.pt", "architecture.json"}},
      {"seed", 7}};
  std::ofstream(dir / "model.json") << json.dump(2);
}

std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

class TransformerTest : public ::testing::Test {
 protected:
  plugin::PluginRegistry registry{{test::plugin_build_dir()}};

  /// Trains the small configuration on the series into `dir`, then writes its model.json.
  TrainingResult train(const std::filesystem::path& dir, std::uint64_t seed, const Params& config = small_config(),
                       std::size_t threads = 1) {
    const TrainingJob job = job_for(dir, seed, threads);
    std::filesystem::create_directories(dir);
    RecordingProgress progress;
    auto trainer = registry.create_trainer("transformer", config);
    TrainingResult result = trainer->train(job, progress);
    write_model_json(dir, job.spec, Series::get().normalization);
    return result;
  }

  /// The series' training job, writing into `dir`.
  static TrainingJob job_for(const std::filesystem::path& dir, std::uint64_t seed, std::size_t threads = 1) {
    const Series& series = Series::get();
    TrainingJob job;
    job.spec = spec();
    job.rows = series.rows;
    job.train = series.train;
    job.validation = series.validation;
    job.seed = seed;
    job.threads = threads;
    job.out_dir = dir.string();
    return job;
  }

  plugin::PluginHandle<Model> load(const std::filesystem::path& dir) {
    return registry.create_model("transformer", params_of({{"path", dir.string()}}));
  }

  /// The message of the PluginError that loading `dir` throws.
  std::string load_error(const std::filesystem::path& dir) {
    try {
      load(dir);
    } catch (const plugin::PluginError& e) {
      return e.what();
    }
    ADD_FAILURE() << "loading " << dir << " did not throw";
    return {};
  }

  /// One model trained once for the tests that only read or damage it (copied first).
  const std::filesystem::path& trained_model() {
    // Removed when the test binary exits.
    struct SharedDir {
      std::filesystem::path path =
          std::filesystem::temp_directory_path() / ("smoops-transformer-model-" + std::to_string(::getpid()));
      ~SharedDir() {
        std::error_code ignored;
        std::filesystem::remove_all(path, ignored);
      }
    };
    static const SharedDir dir;
    static const bool trained = [&] {
      std::filesystem::remove_all(dir.path);
      train(dir.path, 7, small_config("1"));
      return true;
    }();
    (void)trained;
    return dir.path;
  }
  /// A copy of the trained model in this test's own directory.
  std::filesystem::path copy_of_trained_model() {
    const auto dir = temp.path() / "model";
    std::filesystem::copy(trained_model(), dir);
    return dir;
  }

  test::TempDir temp;
};

TEST_F(TransformerTest, TrainingAFewEpochsLowersTheTrainingLoss) {
  const TrainingResult result = train(temp.path() / "model", 7);
  ASSERT_EQ(result.epochs.size(), 4u);
  EXPECT_LT(result.epochs.back().train_loss, result.epochs.front().train_loss);
  EXPECT_LT(result.epochs.back().train_loss, std::log(3.0)) << "no better than a uniform guess";
  EXPECT_GE(result.best_epoch, 1u);
  EXPECT_LE(result.best_epoch, 4u);
  EXPECT_EQ(result.files, (std::vector<std::string>{"weights.pt", "architecture.json"}));
  EXPECT_EQ(result.validation_outputs.size(), kValidationSamples * 3);
  for (const auto& m : result.epochs) {
    EXPECT_TRUE(std::isfinite(m.validation_loss));
    EXPECT_GT(m.learning_rate, 0);
  }
}

TEST_F(TransformerTest, ReportsEveryBatchAndEpochToProgress) {
  const TrainingJob job = job_for(temp.path(), 0);
  RecordingProgress progress;
  const TrainingResult result = registry.create_trainer("transformer", small_config("2"))->train(job, progress);
  EXPECT_EQ(progress.batches, 2 * ((kTrainSamples + 63) / 64));
  ASSERT_EQ(progress.epochs.size(), 2u);
  EXPECT_EQ(progress.epochs[1].epoch, 2u);
  EXPECT_EQ(progress.epochs[1].train_loss, result.epochs[1].train_loss);
}

TEST_F(TransformerTest, TheSameSeedGivesByteIdenticalWeightsAndAnotherSeedDoesNot) {
  train(temp.path() / "a", 11, small_config("2"));
  train(temp.path() / "b", 11, small_config("2"));
  train(temp.path() / "c", 12, small_config("2"));
  const std::string a = file_bytes(temp.path() / "a" / "weights.pt");
  ASSERT_FALSE(a.empty());
  EXPECT_TRUE(a == file_bytes(temp.path() / "b" / "weights.pt")) << "same seed, different weights";
  EXPECT_FALSE(a == file_bytes(temp.path() / "c" / "weights.pt")) << "another seed, same weights";
  EXPECT_EQ(file_bytes(temp.path() / "a" / "architecture.json"), file_bytes(temp.path() / "b" / "architecture.json"));
}

TEST_F(TransformerTest, ASavedModelReloadsAndReproducesTheTrainersOutputsExactly) {
  const auto dir = temp.path() / "model";
  // Trained on two threads; the model predicts on its default one.
  const TrainingResult result = train(dir, 7, small_config("2"), 2);
  auto model = load(dir);
  const ModelSpec loaded = model->spec();
  EXPECT_EQ(loaded.window, kWindow);
  EXPECT_EQ(loaded.features, default_features());
  EXPECT_EQ(loaded.labels, direction_labels());
  EXPECT_EQ(loaded.outputs, 3u);

  // The raw rows of each validation window, as a strategy would pass them; the model normalises.
  const Series& series = Series::get();
  const std::size_t features = default_features().size();
  const std::size_t per_sample = kWindow * features;
  std::vector<float> inputs;
  for (std::size_t end : series.validation.ends)
    inputs.insert(inputs.end(), series.raw_rows.begin() + static_cast<std::ptrdiff_t>((end + 1 - kWindow) * features),
                  series.raw_rows.begin() + static_cast<std::ptrdiff_t>((end + 1) * features));
  ASSERT_EQ(inputs.size(), kValidationSamples * per_sample);

  // The trainer evaluates in batches of 256; predicting in the same batches gives the same bits.
  std::vector<float> outputs(kValidationSamples * 3);
  for (std::size_t first = 0; first < kValidationSamples; first += 256) {
    const std::size_t count = std::min<std::size_t>(256, kValidationSamples - first);
    model->predict(std::span<const float>(inputs).subspan(first * per_sample, count * per_sample), count,
                   std::span<float>(outputs).subspan(first * 3, count * 3));
  }
  ASSERT_EQ(outputs.size(), result.validation_outputs.size());
  for (std::size_t i = 0; i < outputs.size(); ++i)
    ASSERT_EQ(outputs[i], result.validation_outputs[i]) << "output " << i << " differs";

  // One sample at a time agrees to float rounding, and each sample's probabilities sum to 1.
  std::vector<float> single(3);
  for (std::size_t sample : {std::size_t{0}, std::size_t{123}, kValidationSamples - 1}) {
    model->predict(std::span<const float>(inputs).subspan(sample * per_sample, per_sample), 1, single);
    for (std::size_t c = 0; c < 3; ++c) EXPECT_NEAR(single[c], result.validation_outputs[sample * 3 + c], 1e-5);
    EXPECT_NEAR(single[0] + single[1] + single[2], 1.0, 1e-5);
  }
}

TEST_F(TransformerTest, PredictRefusesWrongSizesAndNonFiniteInputs) {
  auto model = load(trained_model());
  const std::size_t per_sample = kWindow * default_features().size();
  std::vector<float> inputs(2 * per_sample, 0.1f);
  std::vector<float> outputs(6, -1.0f);
  EXPECT_THROW(model->predict(std::span<const float>(inputs).first(per_sample + 1), 1, std::span<float>(outputs).first(3)),
               std::invalid_argument);
  EXPECT_THROW(model->predict(inputs, 2, std::span<float>(outputs).first(3)), std::invalid_argument);

  inputs[per_sample + 5] = std::numeric_limits<float>::quiet_NaN();
  try {
    model->predict(inputs, 2, outputs);
    FAIL() << "a NaN input was accepted";
  } catch (const std::runtime_error& e) {
    EXPECT_NE(std::string(e.what()).find("input is not finite (sample 1, time step 0, feature 'sma_gap_32'"),
              std::string::npos)
        << e.what();
  }
  for (float p : outputs) EXPECT_EQ(p, -1.0f) << "outputs were written despite the error";
  inputs[per_sample + 5] = std::numeric_limits<float>::infinity();
  EXPECT_THROW(model->predict(inputs, 2, outputs), std::runtime_error);

  inputs[per_sample + 5] = 0.1f;
  model->predict(inputs, 2, outputs);
  for (float p : outputs) EXPECT_TRUE(std::isfinite(p) && p >= 0 && p <= 1);
}

TEST_F(TransformerTest, AMissingDirectoryModelFileOrWeightsFileIsAClearError) {
  const auto missing = temp.path() / "nowhere";
  EXPECT_NE(load_error(missing).find(missing.string() + ": model directory not found"), std::string::npos);

  auto dir = copy_of_trained_model();
  std::filesystem::remove(dir / "weights.pt");
  EXPECT_NE(load_error(dir).find((dir / "weights.pt").string() + ": weights file not found"), std::string::npos);

  std::filesystem::remove(dir / "model.json");
  EXPECT_NE(load_error(dir).find((dir / "model.json").string() + ": file not found"), std::string::npos);
}

TEST_F(TransformerTest, ATruncatedOrCorruptWeightsFileIsAClearError) {
  const auto dir = copy_of_trained_model();
  const auto weights = dir / "weights.pt";
  const std::string bytes = file_bytes(weights);
  // A changed byte inside a tensor's data would still load as an archive: the checksum that
  // architecture.json recorded catches it, and every truncation, before libtorch reads anything.
  std::string changed = bytes;
  // The first record's data follows its "FB" extra field (2 bytes of length) and 'Z' padding.
  std::size_t data = bytes.find("FB") + 4;
  while (bytes[data] == 'Z') ++data;
  changed[data] = static_cast<char>(changed[data] ^ 0x5a);
  for (const std::string& damaged :
       {bytes.substr(0, bytes.size() / 2), bytes.substr(0, bytes.size() - 1), changed, std::string("not a weights file"),
        std::string()}) {
    std::ofstream(weights, std::ios::binary | std::ios::trunc) << damaged;
    const std::string error = load_error(dir);
    EXPECT_NE(error.find(weights.string() + ": corrupt or truncated: its checksum is fnv1a64:"), std::string::npos)
        << error;
    EXPECT_NE(error.find("(" + std::to_string(damaged.size()) + " bytes) but architecture.json recorded fnv1a64:"),
              std::string::npos)
        << error;
  }

  // A file that is not an archive at all, with architecture.json edited to its checksum: libtorch's
  // own error, as a clear one.
  const std::string garbage = "not a weights file";
  std::ofstream(weights, std::ios::binary | std::ios::trunc) << garbage;
  const std::string first = load_error(dir);
  const std::size_t at = first.find("its checksum is ") + std::string("its checksum is ").size();
  const std::string checksum = first.substr(at, first.find(' ', at) - at);
  std::string architecture = file_bytes(dir / "architecture.json");
  const std::size_t recorded = architecture.find("fnv1a64:");
  ASSERT_NE(recorded, std::string::npos);
  architecture.replace(recorded, architecture.find('"', recorded) - recorded, checksum);
  std::ofstream(dir / "architecture.json", std::ios::binary | std::ios::trunc) << architecture;
  const std::string error = load_error(dir);
  EXPECT_NE(error.find(weights.string() + ": not a readable weights file (truncated or corrupt?)"), std::string::npos)
      << error;
}

TEST_F(TransformerTest, AFeatureOrLabelListThatDoesNotMatchTheWeightsIsAClearError) {
  const auto dir = copy_of_trained_model();
  const Normalization& trained = Series::get().normalization;

  ModelSpec fewer = spec();
  fewer.features.pop_back();
  Normalization fewer_stats{{trained.mean.begin(), trained.mean.end() - 1}, {trained.stddev.begin(), trained.stddev.end() - 1}};
  write_model_json(dir, fewer, fewer_stats);
  EXPECT_NE(load_error(dir).find((dir / "weights.pt").string() + ": the input layer takes 9 features but " +
                                 (dir / "model.json").string() + " lists 8"),
            std::string::npos);

  ModelSpec two_labels = spec();
  two_labels.labels = {"down", "up"};
  write_model_json(dir, two_labels, trained);
  EXPECT_NE(load_error(dir).find("the output layer gives 3 classes but " + (dir / "model.json").string() + " lists 2 labels"),
            std::string::npos);

  ModelSpec longer = spec();
  longer.window = 32;
  write_model_json(dir, longer, trained);
  EXPECT_NE(load_error(dir).find("spec.window is 32 but the network was trained on windows of 16"), std::string::npos);
}

TEST_F(TransformerTest, AMalformedModelFileIsAClearError) {
  const auto dir = copy_of_trained_model();
  const auto file = dir / "model.json";
  std::ofstream(file, std::ios::trunc) << "{\"spec\": ";
  EXPECT_NE(load_error(dir).find(file.string() + ": not valid JSON"), std::string::npos);
  std::ofstream(file, std::ios::trunc) << R"({"spec": {"features": ["ret_1"], "labels": ["down", "up"]}})";
  EXPECT_NE(load_error(dir).find(file.string() + ": missing key 'spec.window'"), std::string::npos);
  std::ofstream(file, std::ios::trunc)
      << R"({"spec": {"window": 16, "features": ["ret_1"], "labels": ["down", "up"]}, "normalization": {"mean": [0], "std": [0]}})";
  EXPECT_NE(load_error(dir).find(file.string() + ": 'normalization.std' must hold positive numbers"), std::string::npos);
}

TEST_F(TransformerTest, BadParametersAreReportedWhereTheyWereWritten) {
  auto error_of = [&](const Params& params) -> std::string {
    try {
      registry.create_trainer("transformer", params);
    } catch (const ParamError& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_EQ(error_of(params_of({{"d_model", "30"}})),
            "model.yaml:2:5: model.params.d_model: heads (4) must divide d_model (30)");
  EXPECT_EQ(error_of(params_of({{"dropout", "1.5"}})),
            "model.yaml:2:5: model.params.dropout: expected a number in [0, 1), got 1.5");
  EXPECT_EQ(error_of(params_of({{"epochs", "0"}})),
            "model.yaml:2:5: model.params.epochs: expected an integer in [1, 100000], got 0");
  EXPECT_EQ(error_of(params_of({{"layer", "2"}})),
            "model.yaml:2:5: unknown parameter 'model.params.layer' (did you mean 'layers'?)");

  EXPECT_THROW(registry.create_model("transformer", params_of({{"threads", "1"}})), ParamError);
  EXPECT_THROW(registry.create_model("transformer", params_of({{"path", "x"}, {"threads", "0"}})), ParamError);
}

}  // namespace
}  // namespace smoops
