#include "transformer_trainer.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <numbers>
#include <numeric>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include "model_files.hpp"
#include "transformer_net.hpp"

namespace smoops::transformer {

namespace {

/// The batch size of evaluation (validation loss and validation_outputs).
constexpr std::size_t kEvalBatch = 256;

/// A number param checked by `valid`; ParamError saying `expected` otherwise.
double number_param(const Params& params, std::string_view key, double fallback, bool (*valid)(double),
                    const char* expected) {
  const Params* value = params.find(key);
  if (!value) return fallback;
  const double number = value->as_double();
  if (!valid(number)) Params::fail(value->mark(), value->path() + ": expected " + expected + ", got " + value->text());
  return number;
}

std::size_t count_param(const Params& params, std::string_view key, std::int64_t lo, std::int64_t hi,
                        std::size_t fallback) {
  return static_cast<std::size_t>(params.get_int_in(key, lo, hi, static_cast<std::int64_t>(fallback)));
}

void check_job(const TrainingJob& job, std::size_t classes) {
  const std::size_t features = job.spec.features.size();
  if (features == 0) throw std::invalid_argument("transformer: the job has no features");
  if (job.spec.window == 0) throw std::invalid_argument("transformer: the window must be at least 1");
  if (job.rows.size() % features != 0)
    throw std::invalid_argument("transformer: the rows are not whole rows of " + std::to_string(features) + " features");
  if (classes < 2) throw std::invalid_argument("transformer: a classifier needs at least 2 labels");
  const std::size_t rows = job.rows.size() / features;
  for (const auto* samples : {&job.train, &job.validation}) {
    const char* which = samples == &job.train ? "training" : "validation";
    if (samples->size() == 0) throw std::invalid_argument(std::string("transformer: no ") + which + " samples");
    if (samples->labels.size() != samples->size())
      throw std::invalid_argument(std::string("transformer: the ") + which + " samples have " +
                                  std::to_string(samples->labels.size()) + " labels for " +
                                  std::to_string(samples->size()) + " windows");
    for (std::size_t i = 0; i < samples->size(); ++i) {
      if (samples->ends[i] + 1 < job.spec.window || samples->ends[i] >= rows)
        throw std::invalid_argument(std::string("transformer: ") + which + " sample " + std::to_string(i) +
                                    " ends at row " + std::to_string(samples->ends[i]) + ", outside rows " +
                                    std::to_string(job.spec.window - 1) + ".." + std::to_string(rows - 1));
      if (samples->labels[i] >= classes)
        throw std::invalid_argument(std::string("transformer: ") + which + " sample " + std::to_string(i) +
                                    " has label " + std::to_string(samples->labels[i]) + " but there are " +
                                    std::to_string(classes) + " classes");
    }
  }
}

/// Copies the windows of samples `order[first..first+count)` into `windows` ([count][window][features])
/// and their labels into `labels`.
void gather(const TrainingJob& job, const TrainingSamples& samples, const std::vector<std::size_t>& order,
            std::size_t first, std::size_t count, torch::Tensor& windows, torch::Tensor& labels) {
  const std::size_t features = job.spec.features.size();
  const std::size_t per_sample = job.spec.window * features;
  float* out = windows.data_ptr<float>();
  std::int64_t* out_labels = labels.data_ptr<std::int64_t>();
  for (std::size_t k = 0; k < count; ++k) {
    const std::size_t sample = order[first + k];
    // The window's rows are consecutive, so it is one contiguous run of the row-major rows.
    const float* from = job.rows.data() + (samples.ends[sample] + 1 - job.spec.window) * features;
    std::memcpy(out + k * per_sample, from, per_sample * sizeof(float));
    out_labels[k] = samples.labels[sample];
  }
}

struct Evaluation {
  double loss = 0;
  double accuracy = 0;
  std::vector<float> probabilities;  ///< [sample][class]
};

/// The network's probabilities on every sample of `samples`, in order, in eval mode.
Evaluation evaluate(TransformerNet& net, const TrainingJob& job, const TrainingSamples& samples, std::size_t classes) {
  std::vector<std::size_t> order(samples.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  const auto window = static_cast<std::int64_t>(job.spec.window);
  const auto features = static_cast<std::int64_t>(job.spec.features.size());
  torch::Tensor windows = torch::empty({static_cast<std::int64_t>(kEvalBatch), window, features}, torch::kFloat32);
  torch::Tensor labels = torch::empty({static_cast<std::int64_t>(kEvalBatch)}, torch::kInt64);

  Evaluation result;
  result.probabilities.resize(samples.size() * classes);
  double loss_sum = 0;
  std::size_t correct = 0;
  for (std::size_t first = 0; first < samples.size(); first += kEvalBatch) {
    const std::size_t count = std::min(kEvalBatch, samples.size() - first);
    gather(job, samples, order, first, count, windows, labels);
    const torch::Tensor batch_probabilities =
        probabilities(net, windows.narrow(0, 0, static_cast<std::int64_t>(count))).contiguous();
    const float* p = batch_probabilities.data_ptr<float>();
    std::copy(p, p + count * classes, result.probabilities.begin() + static_cast<std::ptrdiff_t>(first * classes));
    for (std::size_t k = 0; k < count; ++k) {
      const float* row = p + k * classes;
      const std::size_t label = samples.labels[first + k];
      // Cross-entropy from the probabilities; the floor keeps an underflowed 0 finite.
      loss_sum -= std::log(std::max(static_cast<double>(row[label]), 1e-30));
      if (static_cast<std::size_t>(std::max_element(row, row + classes) - row) == label) ++correct;
    }
  }
  result.loss = loss_sum / static_cast<double>(samples.size());
  result.accuracy = static_cast<double>(correct) / static_cast<double>(samples.size());
  return result;
}

/// Linear warm-up over `warmup` steps, then a cosine decay to 10% of `peak` at step `total`.
double learning_rate_at(std::size_t step, std::size_t warmup, std::size_t total, double peak) {
  if (step <= warmup) return peak * static_cast<double>(step) / static_cast<double>(warmup);
  const double progress =
      total > warmup ? static_cast<double>(step - warmup) / static_cast<double>(total - warmup) : 1.0;
  return peak * (0.1 + 0.9 * 0.5 * (1 + std::cos(std::numbers::pi * std::min(progress, 1.0))));
}

}  // namespace

TrainerParams TrainerParams::from(const Params& params) {
  params.allow_only({"d_model", "heads", "layers", "ff", "dropout", "epochs", "batch_size", "learning_rate",
                     "weight_decay", "warmup_steps", "patience", "min_delta"});
  TrainerParams p;
  p.d_model = count_param(params, "d_model", 1, 4096, p.d_model);
  p.heads = count_param(params, "heads", 1, 256, p.heads);
  p.layers = count_param(params, "layers", 1, 64, p.layers);
  p.ff = count_param(params, "ff", 1, 65536, p.ff);
  p.dropout = number_param(params, "dropout", p.dropout, [](double v) { return v >= 0 && v < 1; }, "a number in [0, 1)");
  p.epochs = count_param(params, "epochs", 1, 100'000, p.epochs);
  p.batch_size = count_param(params, "batch_size", 1, 1'000'000, p.batch_size);
  p.learning_rate = number_param(params, "learning_rate", p.learning_rate, [](double v) { return v > 0 && v <= 1; },
                                 "a number in (0, 1]");
  p.weight_decay = number_param(params, "weight_decay", p.weight_decay, [](double v) { return v >= 0 && v <= 1; },
                                "a number in [0, 1]");
  p.warmup_steps = count_param(params, "warmup_steps", 0, 100'000'000, p.warmup_steps);
  p.patience = count_param(params, "patience", 1, 100'000, p.patience);
  p.min_delta = number_param(params, "min_delta", p.min_delta, [](double v) { return v >= 0; }, "a number >= 0");
  if (p.d_model % p.heads != 0) {
    const Params* at = params.find("heads") ? params.find("heads") : params.find("d_model");
    Params::fail(at ? at->mark() : params.mark(),
                 (at ? at->path() : params.path()) + ": heads (" + std::to_string(p.heads) + ") must divide d_model (" +
                     std::to_string(p.d_model) + ")");
  }
  return p;
}

TrainingResult TransformerTrainer::train(const TrainingJob& job, TrainingProgress& progress) {
  const std::size_t classes = job.spec.labels.empty() ? job.spec.outputs : job.spec.labels.size();
  check_job(job, classes);
  const TrainerParams& p = params_;

  // Everything random comes from these two seeds: libtorch's generator (initial weights, dropout)
  // and the shuffle.
  torch::manual_seed(job.seed);
  at::set_num_threads(static_cast<int>(std::max<std::size_t>(job.threads, 1)));
  std::mt19937_64 shuffle_rng(job.seed);

  Architecture architecture{job.spec.window, job.spec.features.size(), classes, p.d_model, p.heads,
                            p.layers,        p.ff,                     p.dropout,  {}};
  TransformerNet net(architecture);
  torch::optim::AdamW optimizer(net->parameters(),
                                torch::optim::AdamWOptions(p.learning_rate).weight_decay(p.weight_decay));

  const std::size_t samples = job.train.size();
  const std::size_t batches = (samples + p.batch_size - 1) / p.batch_size;
  const std::size_t total_steps = p.epochs * batches;
  const auto window = static_cast<std::int64_t>(job.spec.window);
  const auto features = static_cast<std::int64_t>(job.spec.features.size());
  torch::Tensor windows = torch::empty({static_cast<std::int64_t>(p.batch_size), window, features}, torch::kFloat32);
  torch::Tensor labels = torch::empty({static_cast<std::int64_t>(p.batch_size)}, torch::kInt64);
  std::vector<std::size_t> order(samples);
  std::iota(order.begin(), order.end(), std::size_t{0});

  TrainingResult result;
  std::vector<torch::Tensor> best_weights;
  double best_loss = std::numeric_limits<double>::infinity();
  std::size_t epochs_without_improvement = 0;
  std::size_t step = 0;
  double learning_rate = 0;
  for (std::size_t epoch = 1; epoch <= p.epochs; ++epoch) {
    const auto started = std::chrono::steady_clock::now();
    std::shuffle(order.begin(), order.end(), shuffle_rng);
    net->train();
    double loss_sum = 0;
    for (std::size_t batch = 0; batch < batches; ++batch) {
      const std::size_t first = batch * p.batch_size;
      const std::size_t count = std::min(p.batch_size, samples - first);
      gather(job, job.train, order, first, count, windows, labels);
      learning_rate = learning_rate_at(++step, p.warmup_steps, total_steps, p.learning_rate);
      for (auto& group : optimizer.param_groups())
        static_cast<torch::optim::AdamWOptions&>(group.options()).lr(learning_rate);

      optimizer.zero_grad();
      const auto n = static_cast<std::int64_t>(count);
      const torch::Tensor loss =
          torch::nn::functional::cross_entropy(net->forward(windows.narrow(0, 0, n)), labels.narrow(0, 0, n));
      const double batch_loss = loss.item<double>();
      if (!std::isfinite(batch_loss))
        throw std::runtime_error("transformer: training diverged (loss is not finite in epoch " + std::to_string(epoch) +
                                 ", batch " + std::to_string(batch + 1) + "); try a lower learning_rate");
      loss.backward();
      optimizer.step();
      loss_sum += batch_loss;
      progress.on_batch(epoch, p.epochs, batch + 1, batches, batch_loss);
    }

    const Evaluation validation = evaluate(net, job, job.validation, classes);
    if (!std::isfinite(validation.loss))
      throw std::runtime_error("transformer: the validation loss is not finite in epoch " + std::to_string(epoch));
    EpochMetrics metrics;
    metrics.epoch = epoch;
    metrics.train_loss = loss_sum / static_cast<double>(batches);
    metrics.validation_loss = validation.loss;
    metrics.validation_accuracy = validation.accuracy;
    metrics.learning_rate = learning_rate;
    metrics.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    result.epochs.push_back(metrics);

    const bool best = validation.loss < best_loss - p.min_delta;
    if (best) {
      best_loss = validation.loss;
      result.best_epoch = epoch;
      epochs_without_improvement = 0;
      best_weights.clear();
      for (const auto& parameter : net->parameters()) best_weights.push_back(parameter.detach().clone());
    } else {
      ++epochs_without_improvement;
    }
    progress.on_epoch(metrics, p.epochs, best);
    if (epochs_without_improvement >= p.patience && epoch < p.epochs) {
      result.stopped_early = true;
      break;
    }
  }

  // Back to the best epoch's weights: those are what is saved and what the outputs describe.
  {
    torch::NoGradGuard no_grad;
    auto parameters = net->parameters();
    for (std::size_t i = 0; i < parameters.size(); ++i) parameters[i].copy_(best_weights[i]);
  }
  // On one thread, as a bot's model predicts with its default `threads: 1`: the reloaded model
  // must give these bits exactly, and a different thread count could split work differently.
  at::set_num_threads(1);
  result.validation_outputs = evaluate(net, job, job.validation, classes).probabilities;

  const std::filesystem::path out_dir = job.out_dir;
  architecture.weights_checksum = save_weights(net, out_dir / kWeightsFile);
  write_architecture(out_dir / kArchitectureFile, architecture);
  result.files = {kWeightsFile, kArchitectureFile};
  return result;
}

}  // namespace smoops::transformer
