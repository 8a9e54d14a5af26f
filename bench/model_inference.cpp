// The `transformer` model plugin with its default architecture (d_model 32, 4 heads, 2 layers,
// ff 64, window 32, the 9 default features), through the real plugin: seconds per training epoch
// on a synthetic series, latency of single predictions on one thread (median, p90, p99, max),
// throughput of batched predictions, and what loading the plugin directory costs with and without
// the model plugins (every smoops command scans it) and what the first use of the transformer
// costs (it opens its libtorch part then). Writes the results as JSON.
//
//   smoops_bench_model [--bars N] [--calls N] [--train-threads N] [--out FILE] [--plugin-dir DIR]

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "data/synthetic_bars.hpp"
#include "plugin/plugin_registry.hpp"
#include "smoops/features.hpp"
#include "smoops/training.hpp"

namespace {

using namespace smoops;
using SteadyClock = std::chrono::steady_clock;

constexpr std::size_t kWindow = 32;
constexpr std::size_t kHorizon = 12;
constexpr double kFlatBand = 0.002;

double seconds_since(SteadyClock::time_point start) { return std::chrono::duration<double>(SteadyClock::now() - start).count(); }

/// Feature rows of a synthetic series, labelled samples split 85 / 15 with a gap between them.
struct Series {
  std::vector<float> raw_rows, rows;
  Normalization normalization;
  TrainingSamples train, validation;
};

Series make_series(std::size_t bars) {
  data::SyntheticBarGenerator generator(data::SyntheticSeries{});
  FeaturePipeline pipeline(default_features());
  Series s;
  std::vector<double> closes;
  std::vector<float> row(pipeline.size());
  for (std::size_t i = 0; i < bars; ++i) {
    const Bar bar = generator.next();
    if (pipeline.push(bar, row)) {
      s.raw_rows.insert(s.raw_rows.end(), row.begin(), row.end());
      closes.push_back(bar.close.to_double());
    }
  }
  const std::size_t last_end = closes.size() - 1 - kHorizon;
  const std::size_t train_last = kWindow - 1 + (last_end - kWindow + 1) * 85 / 100;
  auto add = [&](TrainingSamples& samples, std::size_t end) {
    samples.ends.push_back(end);
    samples.labels.push_back(static_cast<std::uint8_t>(direction_of(closes[end], closes[end + kHorizon], kFlatBand)));
  };
  for (std::size_t end = kWindow - 1; end <= train_last; ++end) add(s.train, end);
  for (std::size_t end = train_last + kWindow + kHorizon; end <= last_end; ++end) add(s.validation, end);
  const std::size_t features = pipeline.size();
  s.normalization = Normalization::fit(std::span<const float>(s.raw_rows.data(), (train_last + 1) * features), features);
  s.rows = s.raw_rows;
  s.normalization.apply(s.rows);
  return s;
}

Params params_of(const std::vector<std::pair<std::string, std::string>>& values) {
  Params params = Params::map({"bench", 1, 1}, "model.params");
  for (const auto& [key, value] : values) params.add(key, Params::scalar(value, {"bench", 1, 1}, "model.params." + key));
  return params;
}

struct NullProgress : TrainingProgress {
  void on_batch(std::size_t, std::size_t, std::size_t, std::size_t, double) override {}
  void on_epoch(const EpochMetrics&, std::size_t, bool) override {}
};

/// Seconds to scan `dirs` and load every plugin in them.
double registry_load_seconds(const std::vector<std::filesystem::path>& dirs, std::size_t& plugins) {
  const auto start = SteadyClock::now();
  const plugin::PluginRegistry registry(dirs);
  const double seconds = seconds_since(start);
  plugins = registry.plugins().size();
  return seconds;
}

/// The model plugins of this tree (torchscript links libtorch itself, transformer opens it on use).
bool is_model_plugin(const std::filesystem::path& file) {
  const std::string name = file.filename().string();
  return name == "smoops_transformer.so" || name == "smoops_torchscript.so";
}

double percentile(const std::vector<double>& sorted, double p) {
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

}  // namespace

int main(int argc, char** argv) {
  std::size_t bars = 100'000, calls = 5'000, train_threads = 1;
  std::string out_file = "bench-model.json";
  std::vector<std::filesystem::path> plugin_dirs;
  const char* usage = "usage: smoops_bench_model [--bars N] [--calls N] [--train-threads N] [--out FILE] [--plugin-dir DIR]\n";
  if (argc % 2 == 0) {
    std::cerr << usage;
    return 2;
  }
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i];
    if (flag == "--bars") bars = std::stoull(argv[i + 1]);
    else if (flag == "--calls") calls = std::stoull(argv[i + 1]);
    else if (flag == "--train-threads") train_threads = std::stoull(argv[i + 1]);
    else if (flag == "--out") out_file = argv[i + 1];
    else if (flag == "--plugin-dir") plugin_dirs.emplace_back(argv[i + 1]);
    else {
      std::cerr << usage;
      return 2;
    }
  }
  if (plugin_dirs.empty()) plugin_dirs = plugin::default_plugin_directories();

  const auto work = std::filesystem::temp_directory_path() / ("smoops-bench-model-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work / "without-models");
  nlohmann::ordered_json results;
  results["benchmark"] = "transformer model plugin: d_model 32, heads 4, layers 2, ff 64, window 32, 9 default features";
  results["hardware_threads"] = std::thread::hardware_concurrency();

  // Plugin loading first, while libtorch is not yet in the process: the same directories without
  // the model plugins (links to the others), then with them.
  {
    for (const auto& dir : plugin_dirs)
      for (const auto& entry : std::filesystem::directory_iterator(dir))
        if (entry.path().extension() == ".so" && !is_model_plugin(entry.path()))
          std::filesystem::create_symlink(std::filesystem::absolute(entry.path()), work / "without-models" / entry.path().filename());
    std::size_t without_count = 0, with_count = 0;
    const double without = registry_load_seconds({work / "without-models"}, without_count);
    const double with = registry_load_seconds(plugin_dirs, with_count);
    results["plugin_load"] = {{"plugins_without_models", without_count}, {"seconds_without_models", without},
                              {"plugins_with_models", with_count},       {"seconds_with_models", with}};
    std::cerr << "plugin directory: " << without << " s without the model plugins, " << with << " s with them\n";
  }

  const plugin::PluginRegistry registry(plugin_dirs);
  // The first trainer opens smoops_transformer_impl.so and libtorch (unless a plugin that links
  // libtorch itself is in the directory: then it is already loaded).
  const auto first_use = SteadyClock::now();
  auto trainer = registry.create_trainer("transformer", params_of({{"epochs", "1"}}));
  results["plugin_load"]["first_trainer_create_seconds"] = seconds_since(first_use);
  std::cerr << "generating " << bars << " bars and their features...\n";
  const Series series = make_series(bars);

  // One epoch of training with the default hyperparameters.
  const auto model_dir = work / "model";
  std::filesystem::create_directories(model_dir);
  TrainingJob job;
  job.spec.window = kWindow;
  job.spec.features = default_features();
  job.spec.labels = direction_labels();
  job.spec.outputs = job.spec.labels.size();
  job.rows = series.rows;
  job.train = series.train;
  job.validation = series.validation;
  job.seed = 42;
  job.threads = train_threads;
  job.out_dir = model_dir.string();
  NullProgress progress;
  std::cerr << "training one epoch on " << series.train.size() << " samples...\n";
  const TrainingResult trained = trainer->train(job, progress);
  results["training"] = {{"bars", bars},
                         {"train_samples", series.train.size()},
                         {"validation_samples", series.validation.size()},
                         {"batch_size", 256},
                         {"threads", train_threads},
                         {"seconds_per_epoch", trained.epochs.at(0).seconds},
                         {"train_loss", trained.epochs.at(0).train_loss},
                         {"validation_loss", trained.epochs.at(0).validation_loss}};
  const nlohmann::ordered_json model_json = {
      {"format", "smoops-model/1"},
      {"plugin", "transformer"},
      {"spec", {{"window", kWindow}, {"features", job.spec.features}, {"labels", job.spec.labels}}},
      {"normalization", {{"mean", series.normalization.mean}, {"std", series.normalization.stddev}}}};
  std::ofstream(model_dir / "model.json") << model_json.dump(2);

  const auto load_start = SteadyClock::now();
  auto model = registry.create_model("transformer", params_of({{"path", model_dir.string()}, {"threads", "1"}}));
  results["model_load_seconds"] = seconds_since(load_start);
  const std::size_t features = default_features().size();
  const std::size_t per_sample = kWindow * features;
  // Raw windows of the validation samples, as a strategy passes them.
  std::vector<float> inputs;
  for (std::size_t end : series.validation.ends) {
    const auto first = series.raw_rows.begin() + static_cast<std::ptrdiff_t>((end + 1 - kWindow) * features);
    inputs.insert(inputs.end(), first, first + static_cast<std::ptrdiff_t>(per_sample));
  }
  const std::size_t windows = series.validation.size();
  std::vector<float> outputs(256 * 3);

  // Single predictions: one window per call, one thread.
  std::cerr << "timing " << calls << " single predictions...\n";
  auto predict_one = [&](std::size_t i) {
    const std::size_t sample = i % windows;
    model->predict(std::span<const float>(inputs).subspan(sample * per_sample, per_sample), 1,
                   std::span<float>(outputs).first(3));
  };
  for (std::size_t i = 0; i < 200; ++i) predict_one(i);
  std::vector<double> latencies_us;
  latencies_us.reserve(calls);
  for (std::size_t i = 0; i < calls; ++i) {
    const auto start = SteadyClock::now();
    predict_one(i);
    latencies_us.push_back(seconds_since(start) * 1e6);
  }
  std::sort(latencies_us.begin(), latencies_us.end());
  double sum = 0;
  for (double l : latencies_us) sum += l;
  results["single_prediction_us"] = {{"calls", calls},
                                     {"threads", 1},
                                     {"mean", sum / static_cast<double>(calls)},
                                     {"median", percentile(latencies_us, 0.5)},
                                     {"p90", percentile(latencies_us, 0.9)},
                                     {"p99", percentile(latencies_us, 0.99)},
                                     {"max", latencies_us.back()}};

  // Batched predictions: the same windows, `batch` per call.
  nlohmann::ordered_json batched = nlohmann::ordered_json::array();
  for (std::size_t batch : {std::size_t{1}, std::size_t{64}, std::size_t{256}}) {
    const std::size_t rounds = std::max<std::size_t>(20, 20'000 / batch);
    std::cerr << "timing " << rounds << " batches of " << batch << "...\n";
    auto predict_batch = [&](std::size_t round) {
      const std::size_t first = (round * batch) % (windows - batch);
      model->predict(std::span<const float>(inputs).subspan(first * per_sample, batch * per_sample), batch,
                     std::span<float>(outputs).first(batch * 3));
    };
    for (std::size_t r = 0; r < 5; ++r) predict_batch(r);
    const auto start = SteadyClock::now();
    for (std::size_t r = 0; r < rounds; ++r) predict_batch(r);
    const double seconds = seconds_since(start);
    batched.push_back({{"batch", batch},
                       {"threads", 1},
                       {"predictions", rounds * batch},
                       {"predictions_per_s", static_cast<double>(rounds * batch) / seconds},
                       {"us_per_batch", seconds * 1e6 / static_cast<double>(rounds)}});
  }
  results["batched"] = batched;
  results["p99_under_1ms"] = results["single_prediction_us"]["p99"].get<double>() < 1000;

  std::filesystem::remove_all(work);
  std::ofstream(out_file) << results.dump(2) << '\n';
  std::cout << results.dump(2) << '\n';
  return 0;
}
