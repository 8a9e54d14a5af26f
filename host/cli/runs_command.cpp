// `smoops runs list` and `smoops runs show ID`: the runs in the store (host/store/run_store.hpp).

#include <algorithm>
#include <cstdio>
#include <ctime>
#include <iomanip>
#include <nlohmann/json.hpp>
#include <ostream>
#include <sstream>

#include "cli/arguments.hpp"
#include "cli/backtest_output.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_options.hpp"
#include "cli/text_table.hpp"
#include "store/run_store.hpp"

namespace smoops::cli {
namespace {

using nlohmann::ordered_json;

/// Trades `runs show` prints without --trades (with --json: all of them).
constexpr std::int64_t kDefaultTradesShown = 20;

/// The store options plus `extra`.
std::set<std::string> with_store_options(std::set<std::string> extra) {
  extra.insert(kStoreOptions.begin(), kStoreOptions.end());
  return extra;
}

/// "2023-01-02 16:45:00" (UTC) for a time in nanoseconds since the epoch.
std::string utc_time(Timestamp ts) {
  const std::int64_t millis = ts.millis();
  const std::time_t seconds = static_cast<std::time_t>(millis / 1000 - (millis % 1000 < 0 ? 1 : 0));
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[80];  // room for any int the compiler can imagine in each field
  std::snprintf(text, sizeof text, "%04d-%02d-%02d %02d:%02d:%02d", utc.tm_year + 1900, utc.tm_mon + 1,
                utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
  return text;
}

std::string percent(const std::optional<double>& value) {
  if (!value) return "-";
  std::ostringstream text;
  text << std::fixed << std::setprecision(3) << *value << '%';
  return text.str();
}

template <class T>
ordered_json optional_json(const std::optional<T>& value) {
  return value ? ordered_json(*value) : ordered_json(nullptr);
}

ordered_json optional_money_json(const std::optional<Money>& value) {
  return value ? ordered_json(value->to_string()) : ordered_json(nullptr);
}

/// The fields every run has, for `list --json` and `show --json`.
ordered_json run_to_json(const store::RunSummary& run) {
  ordered_json j;
  j["id"] = run.id;
  j["kind"] = run.kind;
  j["bot"] = run.bot;
  j["symbol"] = run.symbol;
  j["started_at"] = run.started_at;
  j["ended_at"] = optional_json(run.ended_at);
  j["status"] = run.status;
  j["end_reason"] = optional_json(run.end_reason);
  j["initial_cash"] = run.initial_cash.to_string();
  j["final_equity"] = optional_money_json(run.final_equity);
  j["return_pct"] = optional_json(run.return_pct());
  j["bars"] = optional_json(run.bars);
  j["trade_count"] = optional_json(run.trades);
  j["summary"] = run.summary;
  return j;
}

ordered_json equity_to_json(const std::optional<store::EquityRow>& row) {
  if (!row) return nullptr;
  return {{"ts", row->ts.millis()},
          {"equity", row->equity.to_string()},
          {"cash", row->cash.to_string()},
          {"position", row->position.to_string()}};
}

/// A statistic for people: ratios to 3 decimals, exact decimals (strings) and counts as they are.
std::string statistic_text(const nlohmann::json& value) {
  if (value.is_null()) return "n/a";
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number_float()) {
    std::ostringstream text;
    text << std::fixed << std::setprecision(3) << value.get<double>();
    return text.str();
  }
  return value.dump();
}

std::string optional_text(const std::optional<std::int64_t>& value) { return value ? std::to_string(*value) : "-"; }

int runs_list_command(const std::vector<std::string>& args, std::ostream& out) {
  const Arguments parsed(args, with_store_options({"bot", "kind", "limit"}), {"json"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  store::RunFilter filter;
  filter.bot = parsed.value("bot");
  filter.kind = parsed.value("kind");
  if (filter.kind && *filter.kind != "backtest" && *filter.kind != "paper" && *filter.kind != "live")
    throw UsageError("--kind: expected backtest, paper or live, got '" + *filter.kind + "'");
  filter.limit = static_cast<std::size_t>(parsed.integer("limit", 20, 1, 1'000'000));

  const StoreSession session = open_store(parsed, SchemaNeed::Current);
  const std::vector<store::RunSummary> runs = store::list_runs(*session.connection, filter);

  if (parsed.flag("json")) {
    ordered_json list = ordered_json::array();
    for (const auto& run : runs) list.push_back(run_to_json(run));
    out << list.dump(2) << '\n';
    return kExitOk;
  }
  if (runs.empty()) {
    out << "no stored runs" << (filter.bot || filter.kind ? " match" : "") << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"ID", "KIND", "BOT", "SYMBOL", "STARTED", "BARS", "TRADES", "RETURN", "STATUS"}};
  for (const auto& run : runs)
    rows.push_back({std::to_string(run.id), run.kind, run.bot, run.symbol, run.started_at, optional_text(run.bars),
                    optional_text(run.trades), percent(run.return_pct()), run.status});
  print_table(rows, out);
  return kExitOk;
}

/// The run's fields, its statistics and (some of) its trades, for people.
void print_run(const store::StoredRun& stored, std::size_t trades_shown, std::ostream& out) {
  const store::RunSummary& run = stored.run;
  const auto row = [&out](const char* label, const std::string& value) {
    out << "  " << std::left << std::setw(16) << label << value << '\n';
  };
  out << "run " << run.id << ": " << run.kind << " " << run.bot << " on " << run.symbol << '\n';
  row("status", run.status + (run.end_reason ? " (" + *run.end_reason + ")" : ""));
  row("started", run.started_at);
  row("ended", run.ended_at.value_or("-"));
  row("config file", stored.config_file.value_or("-"));
  row("data", stored.data_file.value_or("-"));
  row("code version", stored.code_version);
  row("initial cash", run.initial_cash.to_string());
  row("final equity", run.final_equity ? run.final_equity->to_string() : "-");
  row("return", percent(run.return_pct()));
  row("bars", optional_text(run.bars));
  row("trades", optional_text(run.trades));
  std::string equity = std::to_string(stored.equity_points) + " points";
  if (stored.first_equity && stored.last_equity)
    equity += ", " + utc_time(stored.first_equity->ts) + " .. " + utc_time(stored.last_equity->ts);
  row("equity curve", equity);

  if (run.summary.is_object()) {
    out << "statistics\n";
    std::size_t width = 0;
    for (const auto& [key, value] : run.summary.items()) width = std::max(width, key.size());
    for (const auto& [key, value] : run.summary.items())
      out << "  " << std::left << std::setw(static_cast<int>(width + 2)) << key << statistic_text(value) << '\n';
  }

  const std::int64_t total = run.trades.value_or(0);
  if (!stored.trades.empty()) {
    out << "trades\n";
    std::vector<std::vector<std::string>> rows{
        {"N", "SIDE", "ENTRY_UTC", "ENTRY_PRICE", "EXIT_UTC", "EXIT_PRICE", "QTY", "PNL", "FEES"}};
    std::size_t n = 0;
    for (const engine::RoundTrip& trade : stored.trades)
      rows.push_back({std::to_string(++n), trade.direction == Side::Buy ? "long" : "short", utc_time(trade.entry_ts),
                      trade.entry_price.to_string(), utc_time(trade.exit_ts), trade.exit_price.to_string(),
                      trade.quantity.to_string(), trade.pnl.to_string(), trade.fees.to_string()});
    print_table(rows, out);
  }
  if (static_cast<std::int64_t>(trades_shown) < total)
    out << "(" << trades_shown << " of " << total << " trades shown; --trades N shows more)\n";
}

int runs_show_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, with_store_options({"trades"}), {"json"});
  if (parsed.positionals().size() != 1) throw UsageError("runs show: expected one run id");
  const std::string& id_text = parsed.positionals().front();
  std::int64_t id = 0;
  std::size_t used = 0;
  try {
    id = std::stoll(id_text, &used);
  } catch (const std::exception&) {
    used = 0;
  }
  if (used == 0 || used != id_text.size() || id <= 0)
    throw UsageError("runs show: the run id must be a positive integer, got '" + id_text + "'");
  const bool json = parsed.flag("json");
  const std::int64_t trades_shown =
      parsed.integer("trades", json ? INT64_MAX : kDefaultTradesShown, 0, INT64_MAX);

  const StoreSession session = open_store(parsed, SchemaNeed::Current);
  const std::optional<store::StoredRun> stored =
      store::load_run(*session.connection, id, static_cast<std::size_t>(trades_shown));
  if (!stored) {
    err << "error: no run with id " << id << " (`smoops runs list` shows the stored runs)\n";
    return kExitNotFound;
  }

  if (!json) {
    print_run(*stored, stored->trades.size(), out);
    return kExitOk;
  }
  ordered_json j = run_to_json(stored->run);
  j["config_file"] = optional_json(stored->config_file);
  j["data_file"] = optional_json(stored->data_file);
  j["code_version"] = stored->code_version;
  j["config_yaml"] = stored->config_yaml;
  j["equity"] = {{"points", stored->equity_points},
                 {"first", equity_to_json(stored->first_equity)},
                 {"last", equity_to_json(stored->last_equity)}};
  ordered_json trades = ordered_json::array();
  for (const engine::RoundTrip& trade : stored->trades) trades.push_back(trade_to_json(trade));
  j["trades"] = std::move(trades);
  out << j.dump(2) << '\n';
  return kExitOk;
}

}  // namespace

int runs_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) throw UsageError("runs: expected a subcommand: list or show");
  const std::string sub = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "list") return runs_list_command(rest, out);
  if (sub == "show") return runs_show_command(rest, out, err);
  throw UsageError("runs: unknown subcommand '" + sub + "' (expected list or show)");
}

}  // namespace smoops::cli
