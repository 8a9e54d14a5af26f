#pragma once
// The model config of `smoops train --config MODEL.yaml` (docs/models.md#the-model-config).

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "config/bot_config.hpp"
#include "training/dataset.hpp"

namespace smoops::config {

/// The `evaluation:` section: the backtests on the test period that close the training report.
struct EvaluationConfig {
  /// Default: symbol ASSET/QUOTE, tick and lot 1e-8, no minimum notional.
  Instrument instrument{"ASSET/QUOTE", "ASSET", "QUOTE", Price::from_raw(1), Quantity::from_raw(1), Money()};
  Money initial_cash = Money::from_units(10'000);
  Ratio fee_rate = Ratio::from_raw(100'000);     ///< the sim exchange's fee: 0.001
  Params ml_signal = Params::map({}, "evaluation.ml_signal");  ///< params of ml_signal (its model is the new one)
  Params sma_cross = Params::map({}, "evaluation.sma_cross");  ///< params of sma_cross (quantity set by train)
};

/// A whole model config.
struct TrainConfig {
  std::filesystem::path file;
  std::string text;                   ///< the file as read, copied into the model directory
  PluginRef model;                    ///< the model plugin and its params (architecture, optimiser)
  training::DatasetOptions dataset;   ///< features, window, horizon, flat_band, split shares
  std::uint64_t seed = 42;
  std::size_t threads = 0;            ///< 0: one per core
  EvaluationConfig evaluation;
};

/// Reads and validates a model config; throws ConfigError (file:line:col).
TrainConfig load_train_config(const std::filesystem::path& file);
/// Parses model config text; `file` names it in errors.
TrainConfig parse_train_config(std::string_view yaml_text, const std::filesystem::path& file);

}  // namespace smoops::config
