// The torchscript model plugin, loaded as a real .so, runs models that Python's torch exported
// (make_torchscript_model.py) and gives the probabilities Python computed for the same inputs;
// bad specs, bad files and bad inputs give clear errors, never a crash or a silent NaN.

#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <functional>
#include <initializer_list>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "config/yaml_document.hpp"
#include "config/yaml_params.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

namespace fs = std::filesystem;

constexpr double kTolerance = 1e-5;

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

// The models Python exports, made once per build and script version: ctest runs every test in its
// own process, and starting Python with torch takes about two seconds. The folder is named after a
// hash of the script, and filled through a temporary folder renamed into place, so parallel test
// processes never see half of it.
struct PythonModels {
  fs::path dir;
  std::string error;  // why they could not be made; empty when they were
  nlohmann::json expected;
};

PythonModels make_python_models() {
  PythonModels models;
  const fs::path script = test::test_source_dir() / "integration/models/make_torchscript_model.py";
  const std::string hash = std::to_string(std::hash<std::string>{}(read_text(script)));
  const fs::path cache = fs::path(SMOOPS_BIN_DIR).parent_path() / "test-torchscript";
  models.dir = cache / hash;
  if (!fs::exists(models.dir / "expected.json")) {
    const fs::path scratch = cache / (hash + ".tmp-" + std::to_string(::getpid()));
    fs::remove_all(scratch);
    fs::create_directories(scratch);
    const char* python = "/usr/bin/python3";
    std::string failure;
    try {
      const auto result = test::run_process({python, script.string(), (scratch / "models").string()}, scratch);
      if (result.exit_code != 0) failure = "failed (exit " + std::to_string(result.exit_code) + "):\n" + result.err;
    } catch (const std::exception& e) {
      failure = std::string("could not run: ") + e.what();
    }
    if (!failure.empty()) {
      models.error = std::string(python) + " " + script.string() + " " + failure +
                     "\nThese tests need Debian's python3-torch (the same libtorch as libtorch-dev): "
                     "run .ci/install-deps.sh";
      fs::remove_all(scratch);
      return models;
    }
    std::error_code already_there;  // another test process finished first: use its models
    fs::rename(scratch / "models", models.dir, already_there);
    fs::remove_all(scratch);
  }
  models.expected = nlohmann::json::parse(read_text(models.dir / "expected.json"));
  return models;
}

class TorchScriptModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    models_ = new PythonModels(make_python_models());
    registry_ = new plugin::PluginRegistry({test::plugin_build_dir()});
  }
  static void TearDownTestSuite() {
    delete registry_;
    delete models_;
  }
  void SetUp() override { ASSERT_TRUE(models_->error.empty()) << models_->error; }

  static const fs::path& models_dir() { return models_->dir; }
  static const nlohmann::json& expected(const std::string& model) { return models_->expected["models"][model]; }

  // The bot YAML `model.params` written as `params_yaml` (one "key: value" per line), in a bot
  // file in this test's folder, turned into Params the way smoopsd does it.
  Params bot_params(const std::string& params_yaml) {
    std::string text = "model:\n  plugin: torchscript\n  params:\n";
    std::istringstream lines(params_yaml);
    for (std::string line; std::getline(lines, line);) text += "    " + line + "\n";
    const fs::path bot = temp_.write("bot.yaml", text);
    const YAML::Node root = config::parse_yaml_document(text, bot);
    return config::to_params(root["model"]["params"], bot, "model.params");
  }

  plugin::PluginHandle<Model> load(const std::string& params_yaml) {
    return registry_->create_model("torchscript", bot_params(params_yaml));
  }

  // What loading with these params throws; a test failure when it loads.
  std::string load_error(const std::string& params_yaml) {
    try {
      load(params_yaml);
    } catch (const std::exception& e) {
      return e.what();
    }
    ADD_FAILURE() << "the model loaded, but an error was expected";
    return {};
  }

  // Writes a spec YAML into this test's folder (its `file:` an absolute path to a Python model).
  fs::path write_spec(const std::string& name, const std::string& text) { return temp_.write(name, text); }

  static std::string transformer_spec(const std::string& window = "32",
                                      const std::string& features =
                                          "[ret_1, ret_4, ret_16, vol_16, rsi_14, sma_gap_32, volume_ratio_32, range, body]",
                                      const std::string& labels = "[down, flat, up]") {
    return "file: " + (models_dir() / "transformer.pt").string() + "\ninput:\n  window: " + window +
           "\n  features: " + features + "\noutput:\n  labels: " + labels + "\n  kind: probabilities\n";
  }

  test::TempDir temp_;
  static PythonModels* models_;
  static plugin::PluginRegistry* registry_;
};

PythonModels* TorchScriptModelTest::models_ = nullptr;
plugin::PluginRegistry* TorchScriptModelTest::registry_ = nullptr;

void expect_contains(const std::string& text, std::initializer_list<std::string> parts) {
  for (const auto& part : parts) EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// Runs the model on Python's inputs and compares each output with Python's within kTolerance.
void expect_python_outputs(Model& model, const nlohmann::json& expected) {
  const auto inputs = expected["inputs"].get<std::vector<float>>();
  const auto want = expected["outputs"].get<std::vector<double>>();
  const auto batch = expected["batch"].get<std::size_t>();
  std::vector<float> got(want.size(), std::numeric_limits<float>::quiet_NaN());
  model.predict(inputs, batch, got);
  for (std::size_t i = 0; i < want.size(); ++i) EXPECT_NEAR(got[i], want[i], kTolerance) << "output " << i;
  // Each row is a distribution over the labels, and the rows differ (the inputs differ).
  for (std::size_t row = 0; row < batch; ++row)
    EXPECT_NEAR(got[row * 3] + got[row * 3 + 1] + got[row * 3 + 2], 1.0, 1e-5) << "row " << row;
  EXPECT_GT(std::abs(got[0] - got[3]), 1e-4);
}

TEST_F(TorchScriptModelTest, SpecDescribesTheModelsInputAndOutput) {
  auto model = load("spec: " + (models_dir() / "transformer.yaml").string());
  const ModelSpec spec = model->spec();
  EXPECT_EQ(spec.window, 32U);
  EXPECT_EQ(spec.features, expected("transformer")["features"].get<std::vector<std::string>>());
  EXPECT_EQ(spec.outputs, 3U);
  EXPECT_EQ(spec.labels, (std::vector<std::string>{"down", "flat", "up"}));
}

TEST_F(TorchScriptModelTest, ScriptedTransformerWithNormalizationGivesPythonsProbabilities) {
  auto model = load("spec: " + (models_dir() / "transformer.yaml").string() + "\nthreads: 1");
  expect_python_outputs(*model, expected("transformer"));
}

TEST_F(TorchScriptModelTest, TracedGruReturningLogitsGivesPythonsSoftmax) {
  auto model = load("spec: " + (models_dir() / "gru.yaml").string());
  EXPECT_EQ(model->spec().window, 16U);
  expect_python_outputs(*model, expected("gru"));
}

TEST_F(TorchScriptModelTest, OneSampleAtATimeGivesTheBatchesOutputsAgain) {
  const auto& gru = expected("gru");
  auto model = load("spec: " + (models_dir() / "gru.yaml").string() + "\nthreads: 2");
  const auto inputs = gru["inputs"].get<std::vector<float>>();
  const auto want = gru["outputs"].get<std::vector<double>>();
  const std::size_t per_sample = inputs.size() / 8;
  for (int pass = 0; pass < 2; ++pass)  // the second pass reuses the buffers of the first
    for (std::size_t sample = 0; sample < 8; ++sample) {
      std::vector<float> got(3);
      model->predict(std::span(inputs).subspan(sample * per_sample, per_sample), 1, got);
      for (std::size_t k = 0; k < 3; ++k) EXPECT_NEAR(got[k], want[sample * 3 + k], kTolerance);
    }
}

TEST_F(TorchScriptModelTest, RelativePathsResolveAgainstTheBotYamlAndTheSpecYaml) {
  fs::create_directories(temp_.path() / "models");
  fs::copy_file(models_dir() / "transformer.pt", temp_.path() / "models/transformer.pt");
  fs::copy_file(models_dir() / "transformer.yaml", temp_.path() / "models/transformer.yaml");
  auto model = load("spec: models/transformer.yaml");  // the bot YAML is in temp_
  expect_python_outputs(*model, expected("transformer"));
}

TEST_F(TorchScriptModelTest, MissingSpecFileIsReportedWhereTheBotNamesIt) {
  expect_contains(load_error("spec: nowhere.yaml"),
                  {"bot.yaml:4:11: model.params.spec: the spec file '", "nowhere.yaml' does not exist"});
}

TEST_F(TorchScriptModelTest, UnknownParameterSuggestsTheKnownOne) {
  expect_contains(load_error("spec: " + (models_dir() / "gru.yaml").string() + "\nthread: 2"),
                  {"bot.yaml:5:13", "unknown parameter 'model.params.thread' (did you mean 'threads'?)"});
}

TEST_F(TorchScriptModelTest, ZeroThreadsIsRefused) {
  expect_contains(load_error("spec: " + (models_dir() / "gru.yaml").string() + "\nthreads: 0"),
                  {"bot.yaml:5:14: model.params.threads: expected an integer in [1, 1024], got 0"});
}

TEST_F(TorchScriptModelTest, MissingModuleFileNamesTheFileAndTheSpecLine) {
  const auto spec = write_spec("spec.yaml", "file: missing.pt\ninput: {window: 4, features: [ret_1]}\n"
                                            "output: {labels: [down, flat, up], kind: logits}\n");
  expect_contains(load_error("spec: spec.yaml"),
                  {"spec.yaml:1:7: file: the TorchScript file '", (temp_.path() / "missing.pt").string() + "' does not exist"});
}

TEST_F(TorchScriptModelTest, CorruptModuleFileIsAClearErrorNotACrash) {
  std::mt19937 random(42);
  std::string bytes(4096, '\0');
  for (char& c : bytes) c = static_cast<char>(random());
  const auto corrupt = temp_.write("corrupt.pt", bytes);
  write_spec("spec.yaml", "file: corrupt.pt\ninput: {window: 4, features: [ret_1]}\n"
                          "output: {labels: [down, flat, up], kind: logits}\n");
  expect_contains(load_error("spec: spec.yaml"),
                  {"spec.yaml:1:7: file: cannot load the TorchScript file '" + corrupt.string() + "': ",
                   "zip archive"});

  // A real module cut short (a copy that did not finish): libtorch reads it from the file, whose
  // reader stops at the end, so this is an error too and never a read past the end.
  std::ifstream in(models_dir() / "gru.pt", std::ios::binary);
  const std::string module{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  ASSERT_GT(module.size(), 1000u);
  for (const std::size_t size : {module.size() / 2, module.size() - 10}) {
    temp_.write("corrupt.pt", module.substr(0, size));
    expect_contains(load_error("spec: spec.yaml"),
                    {"spec.yaml:1:7: file: cannot load the TorchScript file '" + corrupt.string() + "': "});
  }
}

TEST_F(TorchScriptModelTest, WindowTheModelDoesNotTakeIsASpecMismatch) {
  write_spec("spec.yaml", transformer_spec("16"));
  expect_contains(load_error("spec: spec.yaml"),
                  {"spec.yaml:3:3: spec does not match the model '", "transformer.pt': it fails on an input of shape [1, 16, 9]",
                   "The size of tensor a (16) must match the size of tensor b (32)"});
}

TEST_F(TorchScriptModelTest, FeatureCountTheModelDoesNotTakeIsASpecMismatch) {
  write_spec("spec.yaml", transformer_spec("32", "[ret_1, ret_4, vol_16]"));
  expect_contains(load_error("spec: spec.yaml"),
                  {"spec.yaml:3:3: spec does not match the model '", "it fails on an input of shape [1, 32, 3]",
                   "cannot be multiplied"});
}

TEST_F(TorchScriptModelTest, LabelCountTheModelDoesNotReturnIsASpecMismatch) {
  write_spec("spec.yaml", transformer_spec("32", "[ret_1, ret_4, ret_16, vol_16, rsi_14, sma_gap_32, volume_ratio_32, range, body]",
                                           "[down, up]"));
  expect_contains(load_error("spec: spec.yaml"),
                  {"spec.yaml:6:3: spec does not match the model '",
                   "for an input of shape [1, 32, 9] it returns a Float tensor of shape [1, 3], the spec expects a "
                   "Float tensor of shape [1, 2]"});
}

TEST_F(TorchScriptModelTest, LogitsDeclaredAsProbabilitiesAreCaughtAtLoad) {
  auto text = read_text(models_dir() / "gru.yaml");
  text.replace(text.find("kind: logits"), 12, "kind: probabilities");
  text.replace(text.find("gru.pt"), 6, (models_dir() / "gru.pt").string());
  write_spec("spec.yaml", text);
  expect_contains(load_error("spec: spec.yaml"),
                  {"output.kind is probabilities but its output on zeros [1, 16, 5] is not a probability distribution",
                   "write kind: logits"});
}

// A bad spec is reported at its file, line and column, saying what was expected.
TEST_F(TorchScriptModelTest, BadSpecsAreReportedWithFileLineAndColumn) {
  const std::string pt = (models_dir() / "gru.pt").string();
  const std::string output = "output: {labels: [down, flat, up], kind: logits}\n";
  struct Case {
    std::string spec;
    std::string error;
  };
  const std::vector<Case> cases{
      {"file: " + pt + "\ninput:\n  window: 16\n  features: [ret_1, vol_16, rsl_14, log_volume, body]\n" + output,
       "spec.yaml:4:29: input.features[2]: unknown feature 'rsl_14' (known: ret_N, vol_N"},
      {"file: " + pt + "\ninput:\n  window: 16\n  features: [ret_1, vol_16, rsi_l4, log_volume, body]\n" + output,
       "spec.yaml:4:29: input.features[2]: feature 'rsi_l4': rsi_N needs a bar count N from 2 to 10000"},
      {"file: " + pt + "\ninput: {window: 16, features: [ret_1, ret_1, rsi_14, log_volume, body]}\n" + output,
       "spec.yaml:2:31: input.features: feature 'ret_1' is listed twice"},
      {"file: " + pt + "\ninput: {window: 0, features: [ret_1]}\n" + output,
       "spec.yaml:2:17: input.window: expected an integer in [1, 100000], got 0"},
      {"file: " + pt + "\ninput: {window: 16, features: []}\n" + output,
       "spec.yaml:2:31: input.features: expected a non-empty list of feature names"},
      {"file: " + pt + "\ninput:\n  window: 16\n  features: [ret_1, vol_16]\n  normalization: {mean: [0], std: [1, 1]}\n" +
           output,
       "spec.yaml:5:25: input.normalization.mean: expected 2 numbers (one per input feature), got 1"},
      {"file: " + pt + "\ninput:\n  window: 16\n  features: [ret_1, vol_16]\n  normalization: {mean: [0, 0], std: [1, 0]}\n" +
           output,
       "spec.yaml:5:42: input.normalization.std[1]: expected a number > 0, got '0'"},
      {"file: " + pt + "\ninput: {window: 16, features: [ret_1]}\noutput: {labels: [], kind: logits}\n",
       "spec.yaml:3:18: output.labels: expected a non-empty list of label names"},
      {"file: " + pt + "\ninput: {window: 16, features: [ret_1]}\noutput: {labels: [down, up], kind: odds}\n",
       "spec.yaml:3:36: output.kind: expected probabilities or logits, got 'odds'"},
      {"file: " + pt + "\ninput: {window: 16, features: [ret_1]}\n", "spec.yaml:1:1: missing required parameter 'output'"},
      {"file: " + pt + "\ninput: {window: 16, feature: [ret_1]}\n" + output,
       "spec.yaml:2:30: unknown parameter 'input.feature' (did you mean 'features'?)"},
      {"file: " + pt + "\ninput: {window: 16, features: [ret_1\n" + output, "spec.yaml:3:7: YAML syntax error: "},
      {"- just a list\n", "spec.yaml:1:1: the spec: expected a map with the keys file, input and output"},
  };
  for (const auto& c : cases) {
    write_spec("spec.yaml", c.spec);
    SCOPED_TRACE(c.spec);
    expect_contains(load_error("spec: spec.yaml"), {c.error});
  }
}

TEST_F(TorchScriptModelTest, WrongInputOrOutputSizesAreRefused) {
  auto model = load("spec: " + (models_dir() / "gru.yaml").string());
  std::vector<float> inputs(16 * 5, 0.1F), outputs(3);
  EXPECT_NO_THROW(model->predict(inputs, 1, outputs));
  try {
    model->predict(std::span(inputs).first(16 * 5 - 1), 1, outputs);
    ADD_FAILURE() << "a short input was accepted";
  } catch (const std::invalid_argument& e) {
    expect_contains(e.what(), {"expected 80 input values (batch × window × features = [1, 16, 5]), got 79"});
  }
  try {
    model->predict(inputs, 1, std::span(outputs).first(2));
    ADD_FAILURE() << "a short output was accepted";
  } catch (const std::invalid_argument& e) {
    expect_contains(e.what(), {"expected room for 3 output values"});
  }
  EXPECT_THROW(model->predict(inputs, 0, outputs), std::invalid_argument);
}

TEST_F(TorchScriptModelTest, NanInputIsRefusedNamingWhereItIs) {
  auto model = load("spec: " + (models_dir() / "gru.yaml").string());
  std::vector<float> inputs(2 * 16 * 5, 0.1F), outputs(6, -1.0F);
  inputs[16 * 5 + 3 * 5 + 2] = std::numeric_limits<float>::quiet_NaN();  // sample 1, step 3, rsi_14
  try {
    model->predict(inputs, 2, outputs);
    ADD_FAILURE() << "a NaN input was accepted";
  } catch (const std::invalid_argument& e) {
    expect_contains(e.what(), {"input value of sample 1, step 3, feature 'rsi_14' is not finite"});
  }
  for (float value : outputs) EXPECT_EQ(value, -1.0F);  // nothing written
}

TEST_F(TorchScriptModelTest, NonFiniteModelOutputIsAnErrorNotASilentNan) {
  auto model = load("spec: " + (models_dir() / "nan_on_negative.yaml").string());
  std::vector<float> inputs(4 * 5, 0.5F), outputs(3);
  model->predict(inputs, 1, outputs);  // sqrt(0.5): finite
  for (float value : outputs) EXPECT_TRUE(std::isfinite(value));
  inputs[3 * 5] = -0.5F;  // the last step's first feature: sqrt(-0.5) is NaN
  try {
    model->predict(inputs, 1, outputs);
    ADD_FAILURE() << "a NaN output was returned";
  } catch (const std::runtime_error& e) {
    expect_contains(e.what(), {"model output is not finite"});
  }
}

}  // namespace
}  // namespace smoops
