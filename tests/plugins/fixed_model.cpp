// A model whose output is a known function of its input, so tests of model-driven strategies can
// write their expectations down (plugin name `fixed_model`).
//
// Its output for a sample is one row of a table given in the params, chosen by the last bar's
// volume: the log_volume feature of the window's newest time step is log(1 + volume), so the row
// is round(exp(log_volume) - 1) modulo the number of rows. A test picks each bar's prediction by
// giving the bar a volume equal to the row it wants; real data cycles through the rows.
//
//   model:
//     plugin: fixed_model
//     params:
//       rows:                      # required: the outputs, one list per row
//         - [0.2, 0.25, 0.55]      # row 0: up 0.55
//         - [0.1, 0.2, 0.7]        # row 1: up 0.7
//         - [nan, nan, nan]        # row 2: `nan` is allowed, to test invalid output
//         - throw                  # row 3: predict throws std::runtime_error
//       features: [log_volume]     # the spec's features (default); must include log_volume
//       window: 1                  # the spec's window (default 1)
//       labels: [down, flat, up]   # the spec's labels (default, when rows have 3 values)
#include <smoops/smoops.hpp>

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

std::vector<std::string> strings_of(const smoops::Params& list) {
  if (list.kind() != smoops::Params::Kind::Sequence)
    smoops::Params::fail(list.mark(), list.path() + ": expected a list");
  std::vector<std::string> values;
  for (const auto& [key, item] : list.entries()) values.push_back(item.as_string());
  return values;
}

class FixedModel final : public smoops::Model {
 public:
  explicit FixedModel(const smoops::Params& params) {
    params.allow_only({"rows", "features", "window", "labels"});
    spec_.features = params.has("features") ? strings_of(params.at("features")) : std::vector<std::string>{"log_volume"};
    const auto volume = std::find(spec_.features.begin(), spec_.features.end(), "log_volume");
    if (volume == spec_.features.end())
      smoops::Params::fail(params.at("features").mark(), "fixed_model: features must include log_volume");
    volume_column_ = static_cast<std::size_t>(volume - spec_.features.begin());
    spec_.window = static_cast<std::size_t>(params.get_int_in("window", 1, 1000, 1));

    const smoops::Params& rows = params.at("rows");
    if (rows.kind() != smoops::Params::Kind::Sequence || rows.entries().empty())
      smoops::Params::fail(rows.mark(), rows.path() + ": expected a non-empty list of rows");
    for (const auto& [key, row] : rows.entries()) {
      if (row.kind() == smoops::Params::Kind::Scalar && row.text() == "throw") {
        rows_.emplace_back(std::nullopt);
        continue;
      }
      if (row.kind() != smoops::Params::Kind::Sequence)
        smoops::Params::fail(row.mark(), row.path() + ": expected a list of numbers or `throw`");
      std::vector<float> values;
      for (const auto& [k, value] : row.entries())
        values.push_back(value.kind() == smoops::Params::Kind::Scalar && value.text() == "nan"
                             ? std::numeric_limits<float>::quiet_NaN()
                             : static_cast<float>(value.as_double()));
      if (spec_.outputs == 0 || rows_.empty()) spec_.outputs = values.size();
      if (values.empty() || values.size() != spec_.outputs)
        smoops::Params::fail(row.mark(), row.path() + ": every row needs the same, non-zero number of values");
      rows_.emplace_back(std::move(values));
    }
    if (spec_.outputs == 0) spec_.outputs = 3;  // every row is `throw`
    if (params.has("labels")) spec_.labels = strings_of(params.at("labels"));
    else if (spec_.outputs == 3) spec_.labels = {"down", "flat", "up"};
  }

  smoops::ModelSpec spec() const override { return spec_; }

  void predict(std::span<const float> inputs, std::size_t batch, std::span<float> outputs) override {
    const std::size_t step = spec_.features.size();
    const std::size_t sample = spec_.window * step;
    if (inputs.size() != batch * sample || outputs.size() != batch * spec_.outputs)
      throw std::invalid_argument("fixed_model: inputs or outputs do not match the spec");
    for (std::size_t b = 0; b < batch; ++b) {
      const float log_volume = inputs[b * sample + (spec_.window - 1) * step + volume_column_];
      const double volume = std::round(std::expm1(static_cast<double>(log_volume)));
      const auto row_index = static_cast<std::size_t>(std::fmod(std::max(volume, 0.0), static_cast<double>(rows_.size())));
      const auto& row = rows_[row_index];
      if (!row) throw std::runtime_error("fixed_model: row " + std::to_string(row_index) + " says throw");
      std::copy(row->begin(), row->end(), outputs.begin() + static_cast<std::ptrdiff_t>(b * spec_.outputs));
    }
  }

 private:
  smoops::ModelSpec spec_{1, {}, 0, {}};
  std::size_t volume_column_ = 0;
  std::vector<std::optional<std::vector<float>>> rows_;  // nullopt: `throw`
};

}  // namespace

SMOOPS_PLUGIN("fixed_model", "1.0.0", FixedModel)
