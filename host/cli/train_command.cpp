// `smoops train --config MODEL.yaml --data CSV... --out DIR`: features, labels and a chronological
// split from the bars (host/training), the weights from the model plugin's trainer, then an honest
// report on the test split: the saved model against naive baselines, and a backtest of ml_signal
// with it against sma_cross and buy-and-hold (docs/models.md).

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <iomanip>
#include <ostream>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "cli/train_report.hpp"
#include "config/train_config.hpp"
#include "data/csv_bar_reader.hpp"
#include "engine/backtest.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/migrations.hpp"
#include "training/dataset.hpp"
#include "training/metrics.hpp"

namespace smoops::cli {
namespace {

using Json = nlohmann::ordered_json;

/// Reads every bar of the files, in the order given; the series must go forward in time across
/// them. Also returns each file's SHA-256, the record of what the model was trained on.
std::vector<Bar> read_bars(const std::vector<std::string>& files, Json& hashes) {
  std::vector<Bar> bars;
  hashes = Json::array();
  for (const std::string& name : files) {
    std::ifstream in(name, std::ios::binary);
    if (!in) throw data::DataError(name, 0, "cannot open the file");
    std::ostringstream bytes;
    bytes << in.rdbuf();
    data::CsvBarReader reader{std::filesystem::path(name)};
    Bar bar;
    std::size_t count = 0;
    while (reader.next(bar)) {
      if (!bars.empty() && bar.ts <= bars.back().ts)
        throw data::DataError(name, reader.line(),
                              "bar does not come after the previous one" +
                                  std::string(count == 0 ? " (the last bar of the file before): give the files in time order" : ""));
      bars.push_back(bar);
      ++count;
    }
    hashes.push_back({{"path", std::filesystem::absolute(name).lexically_normal().string()},
                      {"bars", count},
                      {"sha256", store::sha256_hex(bytes.str())}});
  }
  return bars;
}

/// The output directory: created, or accepted when it exists and is empty.
void prepare_out_dir(const std::filesystem::path& dir) {
  std::error_code ec;
  if (std::filesystem::exists(dir, ec)) {
    if (!std::filesystem::is_directory(dir, ec)) throw OutputError(dir.string() + " exists and is not a directory");
    if (!std::filesystem::is_empty(dir, ec))
      throw OutputError(dir.string() + " is not empty; give a new or empty --out directory (a model is never overwritten)");
    return;
  }
  std::filesystem::create_directories(dir, ec);
  if (ec) throw OutputError("cannot create " + dir.string() + ": " + ec.message());
}

void write_text(const std::filesystem::path& file, const std::string& text) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << text;
  if (!out) throw OutputError("cannot write " + file.string());
}

/// The progress bar on a terminal, one line per epoch, and metrics.csv.
class ProgressPrinter final : public TrainingProgress {
 public:
  ProgressPrinter(std::ostream& err, bool terminal, bool quiet, const std::filesystem::path& metrics_file)
      : err_(err), terminal_(terminal), quiet_(quiet), metrics_file_(metrics_file), metrics_(metrics_file, std::ios::trunc) {
    metrics_ << "epoch,train_loss,validation_loss,validation_accuracy,learning_rate,seconds,best\n";
    if (!metrics_) throw OutputError("cannot write " + metrics_file.string());
  }

  void on_batch(std::size_t epoch, std::size_t epochs, std::size_t batch, std::size_t batches, double loss) override {
    if (!terminal_ || quiet_) return;
    const auto now = std::chrono::steady_clock::now();
    if (batch != batches && now - last_draw_ < std::chrono::milliseconds(100)) return;
    last_draw_ = now;
    constexpr std::size_t kWidth = 30;
    const std::size_t done = batches == 0 ? kWidth : batch * kWidth / batches;
    char line[160];
    std::snprintf(line, sizeof line, "\repoch %zu/%zu [%s%s] %3zu%% loss %.4f ", epoch, epochs,
                  std::string(done, '#').c_str(), std::string(kWidth - done, '.').c_str(),
                  batches == 0 ? 100 : batch * 100 / batches, loss);
    err_ << line << std::flush;
  }

  void on_epoch(const EpochMetrics& m, std::size_t epochs, bool best) override {
    metrics_ << m.epoch << ',' << std::setprecision(9) << m.train_loss << ',' << m.validation_loss << ','
             << m.validation_accuracy << ',' << m.learning_rate << ',' << std::setprecision(4) << m.seconds << ','
             << (best ? 1 : 0) << '\n'
             << std::flush;
    if (!metrics_) throw OutputError("cannot write " + metrics_file_.string());
    if (quiet_) return;
    char line[200];
    std::snprintf(line, sizeof line,
                  "%sepoch %zu/%zu  loss %.4f  val_loss %.4f  val_acc %.3f  lr %.2e  %.1f s%s\n",
                  terminal_ ? "\r\033[K" : "", m.epoch, epochs, m.train_loss, m.validation_loss,
                  m.validation_accuracy, m.learning_rate, m.seconds, best ? "  *" : "");
    err_ << line << std::flush;
  }

 private:
  std::ostream& err_;
  bool terminal_;
  bool quiet_;
  std::filesystem::path metrics_file_;
  std::ofstream metrics_;
  std::chrono::steady_clock::time_point last_draw_{};
};

Params scalar_param(const std::string& key, const std::string& text, const std::string& parent) {
  return Params::scalar(text, {}, parent + "." + key);
}

/// The model as a bot loads it: {path: DIR, threads: 1}.
Params model_params(const std::filesystem::path& dir) {
  Params params = Params::map({}, "model.params");
  params.add("path", scalar_param("path", dir.string(), "model.params"));
  params.add("threads", scalar_param("threads", "1", "model.params"));
  return params;
}

/// The model's probabilities for `samples`, predicted from the raw feature rows in batches.
std::vector<float> predict_samples(Model& model, const training::Dataset& data, const TrainingSamples& samples) {
  constexpr std::size_t kBatch = 256;
  const std::size_t window = data.options.window, features = data.features(), classes = model.spec().outputs;
  std::vector<float> inputs(kBatch * window * features);
  std::vector<float> outputs(samples.size() * classes);
  for (std::size_t first = 0; first < samples.size(); first += kBatch) {
    const std::size_t batch = std::min(kBatch, samples.size() - first);
    for (std::size_t i = 0; i < batch; ++i) {
      const std::size_t start_row = samples.ends[first + i] + 1 - window;
      const auto from = data.raw_rows.begin() + static_cast<std::ptrdiff_t>(start_row * features);
      std::copy(from, from + static_cast<std::ptrdiff_t>(window * features),
                inputs.begin() + static_cast<std::ptrdiff_t>(i * window * features));
    }
    model.predict(std::span<const float>(inputs.data(), batch * window * features), batch,
                  std::span<float>(outputs.data() + first * classes, batch * classes));
  }
  return outputs;
}

/// Fails when the model read back from DIR does not give the trainer's own outputs, bit for bit.
void check_reload(const std::vector<float>& reloaded, const std::vector<float>& trained) {
  if (trained.empty()) return;  // the plugin did not report them
  if (reloaded.size() != trained.size())
    throw std::runtime_error("the saved model gives " + std::to_string(reloaded.size()) + " validation outputs, the trainer " +
                             std::to_string(trained.size()));
  double worst = 0;
  for (std::size_t i = 0; i < trained.size(); ++i) worst = std::max(worst, std::abs(double(reloaded[i]) - trained[i]));
  if (worst != 0)
    throw std::runtime_error("the saved model does not reproduce the trained one (largest difference " +
                             std::to_string(worst) + " on the validation samples)");
}

/// A backtest bot of the evaluation over the test period.
config::BotConfig evaluation_bot(const config::TrainConfig& cfg, const std::string& strategy, Params strategy_params) {
  config::BotConfig bot;
  bot.file = cfg.file;
  bot.name = "eval-" + strategy;
  bot.mode = config::Mode::Backtest;
  bot.instrument = cfg.evaluation.instrument;
  bot.initial_cash = cfg.evaluation.initial_cash;
  bot.strategy = {strategy, {}, std::move(strategy_params)};
  Params sim = Params::map({}, "exchange.params");
  sim.add("fee_rate", scalar_param("fee_rate", cfg.evaluation.fee_rate.to_string(), "exchange.params"));
  bot.exchange = {"sim", {}, std::move(sim)};
  return bot;
}

/// params with key set to text unless the user set it.
Params with_default(Params params, const std::string& key, const std::string& text) {
  if (!params.has(key)) params.add(key, scalar_param(key, text, params.path()));
  return params;
}

/// Half the cash in each backtest of the report: sma_cross trades a fixed quantity, which the cash
/// must still cover after the price has risen (with 0.95 its buys were denied after a 5% rise).
constexpr Ratio kEvaluationFraction = Ratio::from_raw(50'000'000);

/// The evaluation's ml_signal params: the user's, with `size` defaulting to the fraction.
Params ml_signal_params(const config::TrainConfig& cfg) {
  return with_default(cfg.evaluation.ml_signal, "size", kEvaluationFraction.to_string());
}

/// The evaluation's sma_cross params: the user's, with fast 10, slow 30 and `quantity` by default.
Params sma_cross_params(const config::TrainConfig& cfg, Quantity quantity) {
  return with_default(with_default(with_default(cfg.evaluation.sma_cross, "fast", "10"), "slow", "30"), "quantity",
                      quantity.to_string());
}

std::string utc_now() {
  const std::time_t now = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&now, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

Json split_json(const training::Dataset& data, const training::SplitRange& range) {
  return {{"from_ts", data.bars[range.first_sample_bar].ts.millis()},
          {"to_ts", data.bars[range.last_sample_bar].ts.millis()},
          {"first_bar", range.first_sample_bar},
          {"last_bar", range.last_sample_bar},
          {"samples", range.samples}};
}

}  // namespace

int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, {"config", "data", "out", "plugin-dir"}, {"quiet"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::vector<std::string> data_files = parsed.values("data");
  if (data_files.empty()) throw UsageError("--data CSV is required (repeat it to train on several files in time order)");
  const std::filesystem::path out_dir = parsed.required("out");
  const config::TrainConfig cfg = config::load_train_config(parsed.required("config"));
  const plugin::PluginRegistry registry(plugin_search_path(parsed.values("plugin-dir")));
  // The trainer first: a bad model section is reported before any data is read.
  auto trainer = registry.create_trainer(cfg.model.plugin, cfg.model.params);
  // And the evaluation's strategies: a typo in their params is reported now, not after training.
  registry.create_strategy("ml_signal", ml_signal_params(cfg));
  registry.create_strategy("sma_cross", sma_cross_params(cfg, Quantity::from_units(1)));

  Json data_files_json;
  std::vector<Bar> bars = read_bars(data_files, data_files_json);
  training::Dataset data;
  try {
    data = training::build_dataset(std::move(bars), cfg.dataset);
  } catch (const std::invalid_argument& e) {
    throw data::DataError(data_files.size() == 1 ? data_files.front() : "the --data files", 0, e.what());
  }
  prepare_out_dir(out_dir);

  const std::size_t threads = cfg.threads != 0 ? cfg.threads : std::max(1u, std::thread::hardware_concurrency());
  out << "training " << cfg.model.plugin << " on " << data.bars.size() << " bars: " << data.train.size() << " train, "
      << data.validation.size() << " validation, " << data.test.size() << " test samples (gap " << data.gap
      << " bars), " << data.features() << " features x " << cfg.dataset.window << " steps, horizon " << cfg.dataset.horizon
      << ", seed " << cfg.seed << ", " << threads << " thread(s)\n"
      << std::flush;

  TrainingJob job;
  job.spec.window = cfg.dataset.window;
  job.spec.features = cfg.dataset.features;
  job.spec.labels = direction_labels();
  job.spec.outputs = job.spec.labels.size();
  job.rows = data.rows;
  job.train = data.train;
  job.validation = data.validation;
  job.seed = cfg.seed;
  job.threads = threads;
  job.out_dir = out_dir.string();
  ProgressPrinter progress(err, isatty(STDERR_FILENO) == 1, parsed.flag("quiet"), out_dir / "metrics.csv");
  const auto started = std::chrono::steady_clock::now();
  TrainingResult result;
  try {
    result = trainer->train(job, progress);
  } catch (const OutputError&) {
    throw;
  } catch (const std::exception& e) {
    err << "error: training failed: " << e.what() << '\n';
    return kExitTraining;
  }
  const double train_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();

  // model.json: what a bot needs to load the model, and where it came from.
  Json model_json;
  model_json["format"] = "smoops-model/1";
  model_json["plugin"] = cfg.model.plugin;
  model_json["created"] = utc_now();
  model_json["spec"] = {{"window", cfg.dataset.window},        {"features", cfg.dataset.features},   {"labels", job.spec.labels},
                        {"horizon", cfg.dataset.horizon},      {"flat_band", cfg.dataset.flat_band}};
  model_json["normalization"] = {{"mean", data.normalization.mean}, {"std", data.normalization.stddev}};
  model_json["files"] = result.files;
  model_json["seed"] = cfg.seed;
  model_json["threads"] = threads;
  model_json["data"] = {{"files", data_files_json}, {"bars", data.bars.size()}};
  model_json["split"] = {{"gap_bars", data.gap},
                         {"train", split_json(data, data.train_range)},
                         {"validation", split_json(data, data.validation_range)},
                         {"test", split_json(data, data.test_range)}};
  model_json["training"] = {{"epochs_run", result.epochs.size()},
                            {"best_epoch", result.best_epoch},
                            {"stopped_early", result.stopped_early},
                            {"seconds", train_seconds}};
  write_text(out_dir / "model.json", model_json.dump(2) + "\n");
  write_text(out_dir / "config.yaml", cfg.text);

  // The report is made with the model as a bot will load it, not with the trainer's copy.
  auto model = registry.create_model(cfg.model.plugin, model_params(std::filesystem::absolute(out_dir)));
  try {
    check_reload(predict_samples(*model, data, data.validation), result.validation_outputs);
  } catch (const std::runtime_error& e) {
    err << "error: " << e.what() << '\n';
    return kExitTraining;
  }
  TrainReport report;
  report.model = training::score("model", predict_samples(*model, data, data.test), 3, data.test.labels);
  report.majority = training::score("majority class", training::majority_baseline(data.train, 3, data.test.size()), 3,
                                    data.test.labels);
  report.persistence =
      training::score("persistence", training::persistence_baseline(data, data.test), 3, data.test.labels);
  report.test_shares = training::class_shares(data.test.labels, 3);
  report.result = result;

  // Backtests over the test period, warm-up included, all with the same share of the cash.
  const auto [first_bar, last_bar] = training::bars_with_warmup(data, data.test_range);
  const std::span<const Bar> test_bars(data.bars.data() + first_bar, last_bar - first_bar + 1);
  report.period_first = test_bars.front().ts;
  report.period_last = test_bars.back().ts;
  report.fraction = kEvaluationFraction;
  const Quantity quantity = fraction_quantity(cfg.evaluation.initial_cash, report.fraction, test_bars.front().close,
                                              cfg.evaluation.instrument.lot_size);
  engine::BacktestOptions bt_options;
  bt_options.record_orders = false;
  bt_options.equity_points = 2;
  auto run = [&](config::BotConfig bot) {
    data::MemoryBarSource source(test_bars);
    return engine::run_backtest(bot, registry, bt_options, source, "test period");
  };
  config::BotConfig ml_bot =
      evaluation_bot(cfg, "ml_signal", ml_signal_params(cfg));
  ml_bot.model = config::PluginRef{cfg.model.plugin, {}, model_params(std::filesystem::absolute(out_dir))};
  report.backtests.push_back(backtest_line("ml_signal", run(ml_bot)));
  report.backtests.push_back(
      backtest_line("sma_cross", run(evaluation_bot(cfg, "sma_cross", sma_cross_params(cfg, quantity)))));
  report.backtests.push_back(buy_and_hold(test_bars, quantity, cfg.evaluation.initial_cash, cfg.evaluation.fee_rate));

  const std::string text = format_train_report(report);
  out << text;
  write_text(out_dir / "report.txt", text);
  write_text(out_dir / "report.json", train_report_json(report).dump(2) + "\n");
  out << "model saved in " << out_dir.string() << " (model.json, " << [&] {
    std::string files;
    for (const auto& f : result.files) files += f + ", ";
    return files;
  }() << "metrics.csv, report.txt, report.json, config.yaml)\n";
  return kExitOk;
}

}  // namespace smoops::cli
