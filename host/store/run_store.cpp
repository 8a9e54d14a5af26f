#include "store/run_store.hpp"

#include <array>
#include <tuple>

#include <pqxx/stream_to>

#include "store/store_error.hpp"

namespace smoops::store {
namespace {

/// Microseconds since the epoch: PostgreSQL's timestamptz resolution.
std::int64_t epoch_micros(std::chrono::system_clock::time_point time) {
  return std::chrono::duration_cast<std::chrono::microseconds>(time.time_since_epoch()).count();
}

std::string direction_name(Side direction) { return direction == Side::Buy ? "long" : "short"; }

/// The runs columns list_runs and load_run read, in the order read_run_summary expects.
constexpr const char* kRunColumns =
    "id, kind, bot, symbol, "
    "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "to_char(ended_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), "
    "status, end_reason, initial_cash::text, final_equity::text, bars, trades, summary::text";
constexpr int kRunColumnCount = 13;

template <class T>
std::optional<T> optional_field(const pqxx::field& field) {
  if (field.is_null()) return std::nullopt;
  return field.as<T>();
}

RunSummary read_run_summary(const pqxx::row& row) {
  RunSummary run;
  run.id = row[0].as<std::int64_t>();
  run.kind = row[1].as<std::string>();
  run.bot = row[2].as<std::string>();
  run.symbol = row[3].as<std::string>();
  run.started_at = row[4].as<std::string>();
  run.ended_at = optional_field<std::string>(row[5]);
  run.status = row[6].as<std::string>();
  run.end_reason = optional_field<std::string>(row[7]);
  run.initial_cash = Money::parse_or_throw(row[8].c_str());
  if (!row[9].is_null()) run.final_equity = Money::parse_or_throw(row[9].c_str());
  run.bars = optional_field<std::int64_t>(row[10]);
  run.trades = optional_field<std::int64_t>(row[11]);
  if (!row[12].is_null()) run.summary = nlohmann::json::parse(row[12].c_str());
  return run;
}

EquityRow read_equity_row(const pqxx::row& row) {
  return {Timestamp{row[0].as<std::int64_t>()}, Money::parse_or_throw(row[1].c_str()),
          Money::parse_or_throw(row[2].c_str()), Quantity::parse_or_throw(row[3].c_str())};
}

void insert_trades(pqxx::work& work, std::int64_t run_id, const std::vector<engine::RoundTrip>& trades) {
  static const std::array<std::string, 10> columns{"run_id", "n", "direction", "entry_ts", "entry_price",
                                                   "exit_ts", "exit_price", "quantity", "pnl", "fees"};
  pqxx::stream_to stream(work, "backtest_trades", columns);
  std::int64_t n = 0;
  for (const engine::RoundTrip& trade : trades)
    stream << std::make_tuple(run_id, ++n, direction_name(trade.direction), trade.entry_ts.nanos,
                              trade.entry_price.to_string(), trade.exit_ts.nanos, trade.exit_price.to_string(),
                              trade.quantity.to_string(), trade.pnl.to_string(), trade.fees.to_string());
  stream.complete();
}

void insert_equity(pqxx::work& work, std::int64_t run_id, const std::vector<EquityRow>& equity) {
  static const std::array<std::string, 5> columns{"run_id", "ts", "equity", "cash", "position"};
  pqxx::stream_to stream(work, "equity", columns);
  for (const EquityRow& row : equity)
    stream << std::make_tuple(run_id, row.ts.nanos, row.equity.to_string(), row.cash.to_string(),
                              row.position.to_string());
  stream.complete();
}

std::int64_t insert_run(pqxx::work& work, const BacktestRunRecord& record) {
  const pqxx::row row = work.exec_params1(
      "INSERT INTO runs (kind, bot, symbol, started_at, ended_at, status, end_reason, config_file, config_yaml, "
      "                  code_version, data_file, initial_cash, final_equity, bars, trades, summary) "
      "VALUES ('backtest', $1, $2, "
      "        timestamptz 'epoch' + $3::bigint * interval '1 microsecond', "
      "        timestamptz 'epoch' + $4::bigint * interval '1 microsecond', "
      "        $5, NULLIF($6, ''), $7, $8, $9, $10, $11::numeric, $12::numeric, $13, $14, $15::jsonb) "
      "RETURNING id",
      record.bot, record.symbol, epoch_micros(record.started_at), epoch_micros(record.ended_at),
      std::string(record.failed ? "failed" : "finished"), record.end_reason, record.config_file, record.config_yaml,
      record.code_version, record.data_file, record.initial_cash.to_string(), record.final_equity.to_string(),
      record.bars, static_cast<std::int64_t>(record.trades.size()), record.summary.dump());
  return row[0].as<std::int64_t>();
}

std::vector<RunSummary> select_runs(pqxx::connection& connection, const RunFilter& filter) {
  pqxx::read_transaction work(connection);
  const pqxx::result rows = work.exec_params(std::string("SELECT ") + kRunColumns +
                                                 " FROM runs"
                                                 " WHERE ($1::text IS NULL OR bot = $1)"
                                                 "   AND ($2::text IS NULL OR kind = $2)"
                                                 " ORDER BY id DESC LIMIT $3",
                                             filter.bot, filter.kind, static_cast<std::int64_t>(filter.limit));
  std::vector<RunSummary> runs;
  runs.reserve(rows.size());
  for (const pqxx::row& row : rows) runs.push_back(read_run_summary(row));
  return runs;
}

std::optional<StoredRun> select_run(pqxx::connection& connection, std::int64_t id, std::size_t trade_limit) {
  pqxx::read_transaction work(connection);
  const pqxx::result found = work.exec_params(std::string("SELECT ") + kRunColumns +
                                                  ", config_file, config_yaml, code_version, data_file"
                                                  " FROM runs WHERE id = $1",
                                              id);
  if (found.empty()) return std::nullopt;
  const pqxx::row row = found[0];
  StoredRun stored;
  stored.run = read_run_summary(row);
  stored.config_file = optional_field<std::string>(row[kRunColumnCount]);
  stored.config_yaml = row[kRunColumnCount + 1].as<std::string>();
  stored.code_version = row[kRunColumnCount + 2].as<std::string>();
  stored.data_file = optional_field<std::string>(row[kRunColumnCount + 3]);

  // LIMIT NULL is no limit.
  std::optional<std::int64_t> limit;
  if (trade_limit < static_cast<std::size_t>(INT64_MAX)) limit = static_cast<std::int64_t>(trade_limit);
  for (const pqxx::row& trade : work.exec_params(
           "SELECT direction, entry_ts, entry_price::text, exit_ts, exit_price::text, quantity::text, pnl::text, "
           "       fees::text FROM backtest_trades WHERE run_id = $1 ORDER BY n LIMIT $2",
           id, limit)) {
    engine::RoundTrip round_trip;
    round_trip.direction = trade[0].as<std::string>() == "long" ? Side::Buy : Side::Sell;
    round_trip.entry_ts = Timestamp{trade[1].as<std::int64_t>()};
    round_trip.entry_price = Price::parse_or_throw(trade[2].c_str());
    round_trip.exit_ts = Timestamp{trade[3].as<std::int64_t>()};
    round_trip.exit_price = Price::parse_or_throw(trade[4].c_str());
    round_trip.quantity = Quantity::parse_or_throw(trade[5].c_str());
    round_trip.pnl = Money::parse_or_throw(trade[6].c_str());
    round_trip.fees = Money::parse_or_throw(trade[7].c_str());
    stored.trades.push_back(round_trip);
  }

  stored.equity_points = work.exec_params1("SELECT count(*) FROM equity WHERE run_id = $1", id)[0].as<std::int64_t>();
  const std::string select_equity = "SELECT ts, equity::text, cash::text, position::text FROM equity WHERE run_id = $1";
  const pqxx::result first = work.exec_params(select_equity + " ORDER BY ts LIMIT 1", id);
  if (!first.empty()) stored.first_equity = read_equity_row(first[0]);
  const pqxx::result last = work.exec_params(select_equity + " ORDER BY ts DESC LIMIT 1", id);
  if (!last.empty()) stored.last_equity = read_equity_row(last[0]);
  return stored;
}

/// Runs `body`, turning libpqxx's exceptions into a StoreError that says what failed.
template <class Body>
auto translating_errors(const std::string& what, Body&& body) -> decltype(body()) {
  try {
    return body();
  } catch (const StoreError&) {
    throw;
  } catch (const pqxx::in_doubt_error& e) {
    throw StoreError(StoreError::Kind::Unreachable,
                     "the connection to the database was lost during the commit: could not tell whether it "
                     "succeeded (" + what + "); check `smoops runs list`: " + e.what());
  } catch (const pqxx::broken_connection& e) {
    throw StoreError(StoreError::Kind::Unreachable, "lost the connection to the database: could not " + what + ": " + e.what());
  } catch (const std::exception& e) {
    throw StoreError(StoreError::Kind::Query, "could not " + what + ": " + e.what());
  }
}

}  // namespace

std::optional<double> RunSummary::return_pct() const {
  if (!final_equity || !initial_cash.is_positive()) return std::nullopt;
  return (*final_equity - initial_cash).to_double() / initial_cash.to_double() * 100.0;
}

std::int64_t save_backtest(pqxx::connection& connection, const BacktestRunRecord& record) {
  // One transaction: a failure anywhere (a constraint, a lost connection) leaves no part of the
  // run behind, so a run row always comes with all of its trades and equity points.
  return translating_errors("store backtest " + record.bot + " (nothing was stored)", [&] {
    pqxx::work work(connection, "save_backtest");
    const std::int64_t run_id = insert_run(work, record);
    insert_trades(work, run_id, record.trades);
    insert_equity(work, run_id, record.equity);
    work.commit();
    return run_id;
  });
}

std::vector<RunSummary> list_runs(pqxx::connection& connection, const RunFilter& filter) {
  return translating_errors("list the runs", [&] { return select_runs(connection, filter); });
}

std::optional<StoredRun> load_run(pqxx::connection& connection, std::int64_t id, std::size_t trade_limit) {
  return translating_errors("read run " + std::to_string(id), [&] { return select_run(connection, id, trade_limit); });
}

}  // namespace smoops::store
