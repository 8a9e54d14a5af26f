// `smoops train` end to end: the real binary trains the real transformer plugin on a real series,
// saves a model a bot can load, and reports it against the baselines and backtests; bad input
// gets its documented exit code and a message that says what is wrong.

#include <fstream>
#include <memory>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "store/migrations.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const std::string kSmoops = std::string(SMOOPS_BIN_DIR) + "/smoops";

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// A small model so that the suite stays quick; the defaults are measured in bench/.
constexpr const char* kModelYaml = R"(model:
  plugin: transformer
  params: {d_model: 16, heads: 2, layers: 1, ff: 32, dropout: 0.0, epochs: 3, batch_size: 128, learning_rate: 0.003, warmup_steps: 10, patience: 5}
window: 16
horizon: 6
flat_band: 0.002
split: {validation: 0.15, test: 0.15}
seed: 7
threads: 1
evaluation:
  instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 10}
  initial_cash: 10000
  fee_rate: 0.001
  ml_signal: {confidence: 0.4}
)";

class TrainCommand : public ::testing::Test {
 protected:
  // One training for the suite: every test reads its output.
  static void SetUpTestSuite() {
    dir_ = std::make_unique<test::TempDir>();
    const auto config = dir_->write("model.yaml", kModelYaml);
    result_ = std::make_unique<test::ProcessResult>(test::run_process(
        {kSmoops, "train", "--config", config.string(), "--data", test::shared_data("ft_btc_usdt_5m.csv").string(),
         "--out", (dir_->path() / "model").string()},
        dir_->path()));
  }
  static void TearDownTestSuite() {
    result_.reset();
    dir_.reset();
  }
  static std::filesystem::path model_dir() { return dir_->path() / "model"; }

  static std::unique_ptr<test::TempDir> dir_;
  static std::unique_ptr<test::ProcessResult> result_;
};
std::unique_ptr<test::TempDir> TrainCommand::dir_;
std::unique_ptr<test::ProcessResult> TrainCommand::result_;

TEST_F(TrainCommand, TrainsSavesAndReports) {
  ASSERT_EQ(result_->exit_code, 0) << result_->out << result_->err;
  for (const char* file : {"model.json", "config.yaml", "metrics.csv", "report.txt", "report.json"})
    EXPECT_TRUE(std::filesystem::exists(model_dir() / file)) << file;
  EXPECT_EQ(read_file(model_dir() / "config.yaml"), kModelYaml);

  // One line per epoch in metrics.csv, one progress line per epoch on stderr.
  const std::string metrics = read_file(model_dir() / "metrics.csv");
  EXPECT_EQ(metrics.rfind("epoch,train_loss,validation_loss,validation_accuracy,learning_rate,seconds,best\n", 0), 0u);
  EXPECT_EQ(std::count(metrics.begin(), metrics.end(), '\n'), 4);
  EXPECT_NE(result_->err.find("epoch 3/3"), std::string::npos) << result_->err;

  // The report: the model next to both baselines, a verdict, and the three backtests.
  const std::string& out = result_->out;
  for (const char* text : {"test split:", "model", "majority class", "persistence", "ml_signal", "sma_cross",
                           "buy-and-hold", "backtest of the test period"})
    EXPECT_NE(out.find(text), std::string::npos) << text << "\n" << out;
  EXPECT_EQ(read_file(model_dir() / "report.txt").size() > 200, true);

  const auto report = nlohmann::json::parse(read_file(model_dir() / "report.json"));
  const auto& test = report["test"];
  const double model_accuracy = test["model"]["accuracy"], model_loss = test["model"]["log_loss"];
  bool beats = true;
  for (const auto& baseline : test["baselines"])
    beats = beats && model_accuracy > baseline["accuracy"].get<double>() && model_loss < baseline["log_loss"].get<double>();
  EXPECT_EQ(test["model_beats_baselines"].get<bool>(), beats);
  EXPECT_NE(out.find(beats ? "The model beats both baselines" : "The model does NOT beat the baselines"), std::string::npos);
  ASSERT_EQ(report["backtest"]["results"].size(), 3u);
}

TEST_F(TrainCommand, ModelJsonRecordsSpecDataAndDisjointSplits) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  const auto model = nlohmann::json::parse(read_file(model_dir() / "model.json"));
  EXPECT_EQ(model["plugin"], "transformer");
  EXPECT_EQ(model["spec"]["window"], 16);
  EXPECT_EQ(model["spec"]["horizon"], 6);
  EXPECT_EQ(model["spec"]["labels"], nlohmann::json({"down", "flat", "up"}));
  EXPECT_EQ(model["normalization"]["mean"].size(), model["spec"]["features"].size());
  // The data's hash, so a model can be traced to exactly what it was trained on.
  const auto& file = model["data"]["files"][0];
  EXPECT_EQ(file["sha256"], store::sha256_hex(read_file(test::shared_data("ft_btc_usdt_5m.csv"))));
  EXPECT_EQ(file["bars"], 10999);
  // The splits follow each other with the gap between them.
  const auto& split = model["split"];
  const std::size_t gap = split["gap_bars"];
  EXPECT_EQ(split["validation"]["first_bar"].get<std::size_t>(), split["train"]["last_bar"].get<std::size_t>() + gap + 1);
  EXPECT_EQ(split["test"]["first_bar"].get<std::size_t>(), split["validation"]["last_bar"].get<std::size_t>() + gap + 1);
  EXPECT_LT(split["train"]["to_ts"].get<std::int64_t>(), split["validation"]["from_ts"].get<std::int64_t>());
  for (const auto& name : model["files"]) EXPECT_TRUE(std::filesystem::exists(model_dir() / name.get<std::string>())) << name;
}

TEST_F(TrainCommand, ABotBacktestsWithTheSavedModel) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  test::TempDir dir;
  // The model's path is relative: it resolves against the bot file's folder, not the working directory.
  const auto bot = dir_->write("bot.yaml", "name: ml\nmode: backtest\n"
                                         "instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001}\n"
                                         "strategy: {plugin: ml_signal, params: {confidence: 0.4, size: 0.5}}\n"
                                         "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                         "model: {plugin: transformer, params: {path: model}}\n"
                                         "data: {csv: " + test::shared_data("ft_btc_usdt_5m.csv").string() + "}\n");
  const auto run = test::run_process({kSmoops, "backtest", "--config", bot.string()}, dir.path());
  EXPECT_EQ(run.exit_code, 0) << run.out << run.err;
  EXPECT_NE(run.out.find("bars"), std::string::npos) << run.out;
}

TEST_F(TrainCommand, AnOutputDirectoryThatIsNotEmptyIsRefused) {
  ASSERT_EQ(result_->exit_code, 0) << result_->err;
  const auto again = test::run_process({kSmoops, "train", "--config", (dir_->path() / "model.yaml").string(), "--data",
                                        test::shared_data("ft_btc_usdt_5m.csv").string(), "--out", model_dir().string()},
                                       dir_->path());
  EXPECT_EQ(again.exit_code, 7) << again.err;
  EXPECT_NE(again.err.find("is not empty"), std::string::npos) << again.err;
}

struct BadRun {
  std::string name;
  std::string model_yaml;
  std::string csv;  ///< empty: the real series
  std::vector<std::string> extra_args;
  int exit_code;
  std::vector<std::string> expected;
};

class TrainBadInput : public ::testing::TestWithParam<BadRun> {};

TEST_P(TrainBadInput, ExitsWithItsCodeAndSaysWhatIsWrong) {
  const BadRun& bad = GetParam();
  test::TempDir dir;
  const auto config = dir.write("model.yaml", bad.model_yaml);
  const auto csv = bad.csv.empty() ? test::shared_data("ft_btc_usdt_5m.csv") : dir.write("bars.csv", bad.csv);
  std::vector<std::string> argv{kSmoops, "train", "--config", config.string(), "--data", csv.string(),
                                "--out", (dir.path() / "out").string()};
  argv.insert(argv.end(), bad.extra_args.begin(), bad.extra_args.end());
  const auto run = test::run_process(argv, dir.path());
  EXPECT_EQ(run.exit_code, bad.exit_code) << run.out << run.err;
  for (const std::string& text : bad.expected) EXPECT_NE(run.err.find(text), std::string::npos) << text << "\n" << run.err;
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "out" / "model.json"));
}

const std::string kSmall = "model: {plugin: transformer, params: {d_model: 8, heads: 2, layers: 1, ff: 8, epochs: 1}}\n";

INSTANTIATE_TEST_SUITE_P(
    Cases, TrainBadInput,
    ::testing::Values(
        BadRun{"UnknownFeature", kSmall + "features: [ret_1, macd]\n", "", {}, 3,
               {"model.yaml:2:", "unknown feature 'macd'"}},
        BadRun{"UnknownKey", kSmall + "horizn: 4\n", "", {}, 3, {"model.yaml:2:1", "did you mean 'horizon'"}},
        BadRun{"SharesTooLarge", kSmall + "split: {validation: 0.5, test: 0.5}\n", "", {}, 3, {"less than 0.9"}},
        BadRun{"UnknownPlugin", "model: {plugin: lstm}\n", "", {}, 4, {"no model plugin named 'lstm'"}},
        BadRun{"BadTrainerParam", "model: {plugin: transformer, params: {heads: 3, d_model: 16}}\n", "", {}, 3,
               {"model.yaml:1:", "heads (3) must divide d_model (16)"}},
        BadRun{"BadEvaluationParam", kSmall + "evaluation: {ml_signal: {confidense: 0.5}}\n", "", {}, 3,
               {"model.yaml:2:", "evaluation.ml_signal.confidense", "did you mean 'confidence'"}},
        BadRun{"NaNInData", kSmall,
               "timestamp,open,high,low,close,volume\n1,1,1,1,1,1\n2,1,1,1,nan,1\n", {}, 5, {"bars.csv:3"}},
        BadRun{"TooFewBars", kSmall, "timestamp,open,high,low,close,volume\n1,1,1,1,1,1\n2,1,1,1,1,1\n", {}, 5,
               {"the data holds 2 bars", "need at least"}},
        BadRun{"MissingData", kSmall, "", {"--data", "/nonexistent/bars.csv"}, 5, {"/nonexistent/bars.csv"}},
        BadRun{"UnknownOption", kSmall, "", {"--epochs", "3"}, 2, {"usage"}}),
    [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace smoops
