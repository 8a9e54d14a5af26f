#include "engine/backtest.hpp"

#include <chrono>
#include <unordered_map>

#include "data/csv_bar_reader.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "engine/bot_plugins.hpp"

namespace smoops::engine {
namespace {

/// Listens to the bot and keeps what the report needs.
class BacktestRecorder final : public BotObserver {
 public:
  BacktestRecorder(Money initial_cash, std::size_t equity_points, bool record_orders, BotObserver* forward_to)
      : record_orders_(record_orders), forward_to_(forward_to), performance_(initial_cash, equity_points) {}

  void on_order(const Order& order) override {
    if (forward_to_) forward_to_->on_order(order);
    if (order.status == OrderStatus::Submitted || order.status == OrderStatus::Denied) ++order_count_;
    if (!record_orders_) return;
    auto [it, inserted] = order_index_.try_emplace(order.client_order_id, orders_.size());
    if (inserted) {
      orders_.push_back(order);
    } else {
      orders_[it->second] = order;
    }
  }
  void on_fill(const Fill& fill, const Order& order, const Portfolio& portfolio) override {
    if (forward_to_) forward_to_->on_fill(fill, order, portfolio);
    trades_.on_fill(fill, portfolio);
  }
  void on_bar_processed(const Bar& bar, const Portfolio& portfolio) override {
    if (forward_to_) forward_to_->on_bar_processed(bar, portfolio);
    performance_.on_bar(bar.ts, portfolio.equity(), !portfolio.position().quantity.is_zero());
  }
  void on_state(BotState state, std::string_view reason) override {
    if (forward_to_) forward_to_->on_state(state, reason);
  }
  void on_signal(const Signal& signal, Timestamp ts) override {
    if (forward_to_) forward_to_->on_signal(signal, ts);
  }

  std::vector<Order> take_orders() { return std::move(orders_); }
  std::size_t order_count() const { return order_count_; }
  const TradeTracker& trades() const { return trades_; }
  const PerformanceTracker& performance() const { return performance_; }

 private:
  bool record_orders_;
  BotObserver* forward_to_;
  std::size_t order_count_ = 0;
  std::vector<Order> orders_;
  std::unordered_map<std::string, std::size_t> order_index_;
  TradeTracker trades_;
  PerformanceTracker performance_;
};

void summarize_trades(BacktestReport& report) {
  Money gross_profit;
  Money gross_loss;
  std::size_t winners = 0;
  for (const RoundTrip& trade : report.trades) {
    if (trade.pnl.is_positive()) {
      ++winners;
      gross_profit += trade.pnl;
    } else {
      gross_loss -= trade.pnl;
    }
  }
  if (!report.trades.empty())
    report.win_rate = static_cast<double>(winners) / static_cast<double>(report.trades.size());
  if (gross_loss.is_positive()) report.profit_factor = gross_profit.to_double() / gross_loss.to_double();
}

}  // namespace

BacktestReport run_backtest(const config::BotConfig& bot, const plugin::PluginRegistry& registry,
                            const BacktestOptions& options) {
  std::filesystem::path file;
  if (options.data_file) {
    file = *options.data_file;
  } else if (bot.data && !bot.data->live_feed()) {
    file = bot.data->csv;
  } else {
    throw config::ConfigError(bot.file.string(), "no data to backtest on: set data.csv or pass --data");
  }
  data::CsvBarReader reader(file);
  return run_backtest(bot, registry, options, reader, file);
}

BacktestReport run_backtest(const config::BotConfig& bot, const plugin::PluginRegistry& registry,
                            const BacktestOptions& options, data::BarSource& source,
                            const std::filesystem::path& source_name) {
  BacktestReport report;
  report.bot_name = bot.name;
  report.strategy_plugin = bot.strategy.plugin;
  report.exchange_plugin = bot.exchange.plugin;
  report.instrument = bot.instrument;
  report.initial_cash = bot.initial_cash;
  report.data_file = source_name;

  BotPlugins plugins = create_bot_plugins(bot, registry);
  SimulatedClock clock;
  BotLogger logger(bot.name);
  BacktestRecorder recorder(bot.initial_cash, options.equity_points, options.record_orders, options.observer);
  Bot engine(BotParts{bot.name, bot.instrument, bot.risk, bot.initial_cash, &bot.strategy.params,
                      plugins.strategy.get(), plugins.exchange.get(), plugins.model.get(), &clock, &logger,
                      &recorder, /*journal=*/nullptr, /*exchange_state_dir=*/{}, LogLevel::Debug,
                      /*credentials=*/{}});

  const auto started = std::chrono::steady_clock::now();
  engine.start();
  Bar bar;
  while (source.next(bar)) engine.process_bar(bar);
  engine.stop();
  report.elapsed_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  report.performance = recorder.performance().summary();
  report.bars_per_s = report.elapsed_s > 0 ? static_cast<double>(report.performance.bars) / report.elapsed_s : 0;
  report.equity = recorder.performance().equity_curve();
  report.trades = recorder.trades().trades();
  report.orders = recorder.take_orders();
  report.order_count = recorder.order_count();
  report.final_position = engine.portfolio().position();
  report.fees = report.final_position.fees;
  report.total_pnl = report.performance.final_equity - bot.initial_cash;
  report.final_state = engine.halt_reason().empty() ? BotState::Stopped : BotState::Halted;
  report.halt_reason = engine.halt_reason();
  report.faulted = engine.faulted();
  summarize_trades(report);
  return report;
}

}  // namespace smoops::engine
