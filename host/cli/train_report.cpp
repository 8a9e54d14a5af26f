#include "cli/train_report.hpp"

#include <algorithm>
#include <cstdio>

namespace smoops::cli {
namespace {

std::string format(const char* pattern, auto... values) {
  char text[256];
  std::snprintf(text, sizeof text, pattern, values...);
  return text;
}

double percent_of(Money part, Money whole) { return whole.is_zero() ? 0.0 : 100.0 * part.to_double() / whole.to_double(); }

std::string date_of(Timestamp ts) {
  const std::time_t seconds = ts.millis() / 1000;
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%d %H:%M", &tm);
  return text;
}

}  // namespace

Quantity fraction_quantity(Money cash, Ratio fraction, Price price, Quantity lot) {
  const Money budget = apply_rate(cash, fraction, Rounding::Down);
  const Quantity raw = Quantity::from_raw(budget.mul_div(kFixedScale, price.raw(), Rounding::Down).raw());
  return raw.round_to(lot, Rounding::Down);
}

BacktestLine backtest_line(std::string name, const engine::BacktestReport& report) {
  BacktestLine line;
  line.name = std::move(name);
  line.final_equity = report.performance.final_equity;
  line.return_pct = report.performance.return_pct;
  line.max_drawdown_pct = report.performance.max_drawdown_pct;
  line.trades = report.trades.size();
  line.fees = report.fees;
  if (report.final_state == engine::BotState::Halted) line.note = "halted: " + report.halt_reason;
  else if (!report.final_position.quantity.is_zero()) line.note = "position still open at the end";
  return line;
}

BacktestLine buy_and_hold(std::span<const Bar> bars, Quantity quantity, Money initial_cash, Ratio fee_rate) {
  BacktestLine line;
  line.name = "buy-and-hold";
  if (bars.empty()) return line;
  const Money cost = notional(bars.front().close, quantity);
  line.fees = apply_rate(cost, fee_rate);
  const Money cash = initial_cash - cost - line.fees;
  Money peak = initial_cash;
  for (const Bar& bar : bars) {
    const Money equity = cash + notional(bar.close, quantity);
    peak = std::max(peak, equity);
    line.max_drawdown_pct = std::max(line.max_drawdown_pct, percent_of(peak - equity, peak));
    line.final_equity = equity;
  }
  line.return_pct = percent_of(line.final_equity - initial_cash, initial_cash);
  line.note = "position still open at the end";
  return line;
}

bool model_beats_baselines(const TrainReport& r) {
  return r.model.accuracy > std::max(r.majority.accuracy, r.persistence.accuracy) &&
         r.model.log_loss < std::min(r.majority.log_loss, r.persistence.log_loss);
}

std::string format_train_report(const TrainReport& r) {
  std::string text = "\ntraining: " + std::to_string(r.result.epochs.size()) + " epoch(s), best " +
                     std::to_string(r.result.best_epoch) +
                     (r.result.stopped_early ? " (stopped early: validation loss stopped improving)" : "") + "\n";
  text += format("\ntest split: %zu samples (down %.1f%%, flat %.1f%%, up %.1f%%)\n", r.model.samples,
                 100 * r.test_shares.at(0), 100 * r.test_shares.at(1), 100 * r.test_shares.at(2));
  text += format("  %-16s %9s %9s\n", "predictor", "accuracy", "log loss");
  for (const auto* s : {&r.model, &r.majority, &r.persistence})
    text += format("  %-16s %9.4f %9.4f\n", s->name.c_str(), s->accuracy, s->log_loss);
  if (model_beats_baselines(r)) {
    text += "  The model beats both baselines on the test split (higher accuracy and lower log loss).\n";
  } else {
    text += "  The model does NOT beat the baselines on the test split:";
    const double best_accuracy = std::max(r.majority.accuracy, r.persistence.accuracy);
    const double best_loss = std::min(r.majority.log_loss, r.persistence.log_loss);
    if (r.model.accuracy <= best_accuracy) text += format(" its accuracy %.4f is not above %.4f;", r.model.accuracy, best_accuracy);
    if (r.model.log_loss >= best_loss) text += format(" its log loss %.4f is not below %.4f;", r.model.log_loss, best_loss);
    text.back() = '.';
    text += " Do not trade it on this evidence.\n";
  }
  text += "\nbacktest of the test period " + date_of(r.period_first) + " .. " + date_of(r.period_last) + " UTC, " +
          r.fraction.to_string() + " of the cash per position:\n";
  text += format("  %-14s %14s %9s %9s %7s %12s\n", "strategy", "final equity", "return", "max dd", "trades", "fees");
  for (const BacktestLine& b : r.backtests) {
    text += format("  %-14s %14s %8.2f%% %8.2f%% %7zu %12s", b.name.c_str(), b.final_equity.to_string().c_str(),
                   b.return_pct, b.max_drawdown_pct, b.trades, b.fees.to_string().c_str());
    text += b.note.empty() ? "\n" : "  (" + b.note + ")\n";
  }
  if (r.backtests.size() == 3) {
    const BacktestLine& ml = r.backtests[0];
    const double best_other = std::max(r.backtests[1].return_pct, r.backtests[2].return_pct);
    text += ml.return_pct > best_other ? "  ml_signal returned more than sma_cross and buy-and-hold on this period.\n"
                                       : "  ml_signal did NOT return more than both sma_cross and buy-and-hold on this period.\n";
  }
  return text;
}

nlohmann::ordered_json train_report_json(const TrainReport& r) {
  using Json = nlohmann::ordered_json;
  const auto score = [](const training::ClassScore& s) {
    return Json{{"name", s.name}, {"accuracy", s.accuracy}, {"log_loss", s.log_loss}, {"samples", s.samples}};
  };
  Json epochs = Json::array();
  for (const EpochMetrics& m : r.result.epochs)
    epochs.push_back({{"epoch", m.epoch},
                      {"train_loss", m.train_loss},
                      {"validation_loss", m.validation_loss},
                      {"validation_accuracy", m.validation_accuracy},
                      {"learning_rate", m.learning_rate},
                      {"seconds", m.seconds}});
  Json backtests = Json::array();
  for (const BacktestLine& b : r.backtests)
    backtests.push_back({{"strategy", b.name},
                         {"final_equity", b.final_equity.to_string()},
                         {"return_pct", b.return_pct},
                         {"max_drawdown_pct", b.max_drawdown_pct},
                         {"trades", b.trades},
                         {"fees", b.fees.to_string()},
                         {"note", b.note}});
  return Json{{"test", {{"samples", r.model.samples},
                        {"label_shares", {{"down", r.test_shares.at(0)}, {"flat", r.test_shares.at(1)}, {"up", r.test_shares.at(2)}}},
                        {"model", score(r.model)},
                        {"baselines", {score(r.majority), score(r.persistence)}},
                        {"model_beats_baselines", model_beats_baselines(r)}}},
              {"training", {{"epochs", epochs}, {"best_epoch", r.result.best_epoch}, {"stopped_early", r.result.stopped_early}}},
              {"backtest", {{"from_ts", r.period_first.millis()},
                            {"to_ts", r.period_last.millis()},
                            {"fraction", r.fraction.to_string()},
                            {"results", backtests}}}};
}

}  // namespace smoops::cli
