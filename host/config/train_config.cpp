#include "config/train_config.hpp"

#include <stdexcept>

#include "config/bot_sections.hpp"
#include "config/config_value.hpp"
#include "config/yaml_document.hpp"
#include "config/yaml_params.hpp"
#include "smoops/features.hpp"

namespace smoops::config {
namespace {

/// A decimal setting as a double (read exactly first, so "0.1" is the decimal 0.1).
double read_share(const ConfigValue& value, DecimalRange range) { return value.as_decimal<Ratio>(range).to_double(); }

std::size_t read_count(const ConfigValue& value, std::int64_t minimum, std::int64_t maximum) {
  const std::int64_t n = value.as_integer_at_least(minimum);
  if (n > maximum) value.fail_expected("a whole number from " + std::to_string(minimum) + " to " + std::to_string(maximum));
  return static_cast<std::size_t>(n);
}

std::vector<std::string> read_features(const ConfigValue& value) {
  std::vector<std::string> names;
  for (const ConfigValue& item : value.as_list("a list of feature names"))
    names.push_back(item.as_text("a feature name (" + std::string(kFeatureHelp) + ")"));
  try {
    FeaturePipeline check(names);  // the names, their bar counts, duplicates
  } catch (const std::invalid_argument& e) {
    value.fail(e.what());
  }
  return names;
}

Params read_params_map(const ConfigValue& value) {
  if (value.is_null()) return Params::map(value.mark(), value.path());
  if (!value.node().IsMap()) value.fail_shape("a map of strategy params");
  return to_params(value.node(), value.file(), value.path());
}

EvaluationConfig read_evaluation(const ConfigValue& value) {
  const ConfigMap section = value.as_map({"instrument", "initial_cash", "fee_rate", "ml_signal", "sma_cross"});
  EvaluationConfig evaluation;
  if (const auto v = section.find("instrument")) evaluation.instrument = read_instrument_section(*v);
  if (const auto v = section.find("initial_cash")) evaluation.initial_cash = v->as_decimal<Money>(DecimalRange::Positive);
  if (const auto v = section.find("fee_rate")) evaluation.fee_rate = v->as_decimal<Ratio>(DecimalRange::NonNegative);
  if (const auto v = section.find("ml_signal")) evaluation.ml_signal = read_params_map(*v);
  if (const auto v = section.find("sma_cross")) evaluation.sma_cross = read_params_map(*v);
  return evaluation;
}

}  // namespace

TrainConfig parse_train_config(std::string_view yaml_text, const std::filesystem::path& file) {
  const YAML::Node root = parse_yaml_document(yaml_text, file);
  if (root.IsNull())
    throw ConfigError(source_mark(root.Mark(), file), "the file holds no settings; expected a map with at least model");
  const ConfigMap top = ConfigValue::root(root, file).as_map(
      {"model", "features", "window", "horizon", "flat_band", "split", "seed", "threads", "evaluation"});

  TrainConfig config;
  config.file = file;
  config.text = std::string(yaml_text);
  config.model = read_plugin_section(top.require("model"));
  if (const auto v = top.find("features")) config.dataset.features = read_features(*v);
  if (const auto v = top.find("window")) config.dataset.window = read_count(*v, 1, 4096);
  if (const auto v = top.find("horizon")) config.dataset.horizon = read_count(*v, 1, 100'000);
  if (const auto v = top.find("flat_band")) config.dataset.flat_band = read_share(*v, DecimalRange::NonNegative);
  if (const auto v = top.find("split")) {
    const ConfigMap split = v->as_map({"validation", "test"});
    if (const auto s = split.find("validation")) config.dataset.validation_share = read_share(*s, DecimalRange::Positive);
    if (const auto s = split.find("test")) config.dataset.test_share = read_share(*s, DecimalRange::Positive);
    if (config.dataset.validation_share + config.dataset.test_share >= 0.9)
      v->fail("validation and test shares add up to " + std::to_string(config.dataset.validation_share + config.dataset.test_share) +
              "; expected less than 0.9, so that most of the data is left to train on");
  }
  if (const auto v = top.find("seed")) config.seed = static_cast<std::uint64_t>(v->as_integer_at_least(0));
  if (const auto v = top.find("threads")) config.threads = read_count(*v, 1, 1024);
  if (const auto v = top.find("evaluation")) config.evaluation = read_evaluation(*v);
  return config;
}

TrainConfig load_train_config(const std::filesystem::path& file) { return parse_train_config(read_config_text(file), file); }

}  // namespace smoops::config
