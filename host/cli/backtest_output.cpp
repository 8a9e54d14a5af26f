#include "cli/backtest_output.hpp"

#include <iomanip>
#include <ostream>
#include <sstream>

#include "engine/event_json.hpp"

namespace smoops::cli {
namespace {

using nlohmann::ordered_json;

ordered_json optional_number(const std::optional<double>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

std::string format_optional(const std::optional<double>& value) {
  if (!value) return "n/a";
  std::ostringstream out;
  out << std::fixed << std::setprecision(3) << *value;
  return out.str();
}

}  // namespace

nlohmann::ordered_json trade_to_json(const engine::RoundTrip& trade) {
  ordered_json j;
  j["side"] = trade.direction == Side::Buy ? "long" : "short";
  j["entry_ts"] = trade.entry_ts.millis();
  j["entry_price"] = trade.entry_price.to_string();
  j["exit_ts"] = trade.exit_ts.millis();
  j["exit_price"] = trade.exit_price.to_string();
  j["qty"] = trade.quantity.to_string();
  j["pnl"] = trade.pnl.to_string();
  j["fees"] = trade.fees.to_string();
  return j;
}

nlohmann::ordered_json summary_to_json(const engine::BacktestReport& report) {
  const engine::PerformanceSummary& perf = report.performance;
  ordered_json summary;
  summary["bars"] = perf.bars;
  summary["first_bar_ts"] = perf.first_ts.millis();
  summary["last_bar_ts"] = perf.last_ts.millis();
  summary["trades"] = report.trades.size();
  summary["orders"] = report.order_count;
  summary["total_pnl"] = report.total_pnl.to_string();
  summary["final_equity"] = perf.final_equity.to_string();
  summary["return_pct"] = perf.return_pct;
  summary["sharpe"] = optional_number(perf.sharpe);
  summary["sortino"] = optional_number(perf.sortino);
  summary["max_drawdown_pct"] = perf.max_drawdown_pct;
  summary["win_rate"] = report.win_rate;
  summary["profit_factor"] = optional_number(report.profit_factor);
  summary["exposure_pct"] = perf.exposure_pct;
  summary["fees"] = report.fees.to_string();
  summary["elapsed_s"] = report.elapsed_s;
  summary["bars_per_s"] = report.bars_per_s;
  return summary;
}

nlohmann::ordered_json backtest_to_json(const engine::BacktestReport& report) {
  ordered_json j;
  j["bot"] = report.bot_name;
  j["strategy"] = report.strategy_plugin;
  j["exchange"] = report.exchange_plugin;
  j["data"] = report.data_file.string();
  j["instrument"] = {{"symbol", report.instrument.symbol},
                     {"base_asset", report.instrument.base_asset},
                     {"quote_asset", report.instrument.quote_asset},
                     {"tick_size", report.instrument.tick_size.to_string()},
                     {"lot_size", report.instrument.lot_size.to_string()},
                     {"min_notional", report.instrument.min_notional.to_string()}};
  j["initial_cash"] = report.initial_cash.to_string();
  j["final_state"] = engine::to_string(report.final_state);
  j["halt_reason"] = report.halt_reason;
  j["summary"] = summary_to_json(report);
  j["open_position"] = {{"quantity", report.final_position.quantity.to_string()},
                        {"average_entry_price", report.final_position.average_entry_price.to_string()},
                        {"unrealized_pnl", report.final_position.unrealized_pnl.to_string()}};
  ordered_json trades = ordered_json::array();
  for (const auto& trade : report.trades) trades.push_back(trade_to_json(trade));
  j["trades"] = std::move(trades);
  ordered_json orders = ordered_json::array();
  for (const auto& order : report.orders) {
    engine::JsonObjectWriter writer;
    engine::write_order(writer, order);
    orders.push_back(ordered_json::parse(std::move(writer).finish()));
  }
  j["orders"] = std::move(orders);
  ordered_json equity = ordered_json::array();
  for (const auto& point : report.equity) equity.push_back({{"ts", point.ts.millis()}, {"equity", point.equity.to_string()}});
  j["equity"] = std::move(equity);
  return j;
}

void print_backtest_summary(const engine::BacktestReport& report, std::ostream& out) {
  const engine::PerformanceSummary& perf = report.performance;
  const auto row = [&out](const char* label, const std::string& value) {
    out << "  " << std::left << std::setw(16) << label << value << '\n';
  };
  const auto number = [](double value, int decimals) {
    std::ostringstream s;
    s << std::fixed << std::setprecision(decimals) << value;
    return s.str();
  };
  out << "backtest " << report.bot_name << ": " << report.strategy_plugin << " on " << report.instrument.symbol
      << " via " << report.exchange_plugin << '\n';
  row("data", report.data_file.string());
  row("bars", std::to_string(perf.bars) + " (" + number(report.bars_per_s / 1e6, 2) + " M bars/s, " +
                  number(report.elapsed_s, 3) + " s)");
  row("initial cash", report.initial_cash.to_string() + " " + report.instrument.quote_asset);
  row("final equity", perf.final_equity.to_string() + " " + report.instrument.quote_asset);
  row("total pnl", report.total_pnl.to_string() + " (" + number(perf.return_pct, 3) + "%)");
  row("fees", report.fees.to_string());
  row("trades", std::to_string(report.trades.size()) + ", win rate " + number(report.win_rate * 100, 1) +
                    "%, profit factor " + format_optional(report.profit_factor));
  row("sharpe", format_optional(perf.sharpe));
  row("sortino", format_optional(perf.sortino));
  row("max drawdown", number(perf.max_drawdown_pct, 3) + "%");
  row("exposure", number(perf.exposure_pct, 1) + "%");
  if (!report.final_position.quantity.is_zero())
    row("open position", report.final_position.quantity.to_string() + " @ " +
                             report.final_position.average_entry_price.to_string());
  if (!report.halt_reason.empty()) row("HALTED", report.halt_reason);
}

}  // namespace smoops::cli
