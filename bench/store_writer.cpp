// The store's batched writer (host/store/store_writer.hpp) against a real PostgreSQL server:
// how many fills and order events per second it persists, and how long the write-ahead of one
// live order takes (what it adds before the order may leave).
//
// On the server given by --dsn (a key=value libpq DSN; its dbname is only used to connect
// first) it creates a fresh database, migrates it with the bundled migrations, and drops it at
// the end. Rows are made the way a paper or live bot makes them: a store::BotJournal per bot
// (its own `bots` row and `runs` row), fed with the bot's events and flushed after each step.
//
// Throughput: N orders, each with its whole lifecycle in three steps as the engine reports them
// (submitted: the order row + its event; accepted: the order row + its event; filled: the order
// row + its event, the fill and the position after it), each step one RowGroup pushed to one
// StoreWriter, from 1 or 4 producer threads (one bot each). That is 8 rows per order, 4 of them
// fills or order events. Time runs from the first push until flush() returns; the database is
// then counted (fills = N, order_events = 3N, orders filled = N) so the figure is honest. A
// producer pauses while more than half of the writer's memory buffer (100,000 rows, the
// daemon's default) waits, so the writer never spills and the figure is its sustainable rate.
//
// Write-ahead latency: one bot sends M orders one after another; each time BotJournal::
// write_ahead (the call the engine makes before an order leaves) is timed, then the order's
// accepted and filled steps are pushed as the bot would. Before each order the bot's earlier rows
// are flushed, as when its orders are a bar or more apart. Without load, and with another bot
// pushing order lifecycles at a steady rate in the background (--load-rates, in orders/s; each
// order is 4 fills and order events, 8 rows). In the same loop, on a connection of its own (no
// writer thread), a bare commit of one row and a commit of the write-ahead's own statements are
// timed, to show the server's and the disk's share. A scenario stops early after --max-seconds
// (the JSON says how many write-aheads were timed).
//
// Stored backtest: store::save_backtest (what `smoops backtest --store` calls) of a run with
// --backtest-points equity rows (one per bar, 100,000 by default) and two trades, --backtest-runs
// times; each save is timed, and load_run then checks that every equity row is stored. The
// figure is equity points per second; it includes the equity table's foreign-key checks.
//
//   smoops_bench_store --dsn DSN [--out FILE] [--orders N] [--producers 1,4]
//                      [--write-aheads M] [--load-rates 0,500] [--max-seconds S]
//                      [--max-batch-rows N] [--skip-throughput] [--skip-latency]
//                      [--backtest-points N] [--backtest-runs R] [--skip-backtest]
// (--max-batch-rows: the writer's rows per transaction, 20,000 by default as in the daemon)
// (--json FILE is the same as --out FILE)

#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>
#include <pqxx/pqxx>

#include "engine/portfolio.hpp"
#include "store/bot_journal.hpp"
#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/run_store.hpp"
#include "store/store_writer.hpp"

namespace {

using namespace smoops;
using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

constexpr std::string_view kSymbol = "BTC/USDT";
constexpr std::size_t kRowsPerOrder = 8;            // 2 submitted + 2 accepted + 4 filled
constexpr std::size_t kFillsAndEventsPerOrder = 4;  // 3 order events + 1 fill
constexpr auto kFlushTimeout = std::chrono::minutes(5);

double cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

// CPU seconds (user + system) of another process, e.g. the server backend of the writer's
// connection; -1 when it cannot be read (a server on another machine).
double process_cpu_seconds(int pid) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto close = text.rfind(')');
  if (close == std::string::npos) return -1;
  std::istringstream fields(text.substr(close + 2));
  std::string field;
  double ticks = 0;
  for (int i = 3; i <= 15 && fields >> field; ++i)
    if (i == 14 || i == 15) ticks += std::stod(field);  // utime, stime
  return ticks / static_cast<double>(::sysconf(_SC_CLK_TCK));
}

// The DSN with its dbname replaced (key=value form; a later keyword wins in libpq).
std::string with_dbname(const std::string& dsn, const std::string& name) {
  if (dsn.rfind("postgres://", 0) == 0 || dsn.rfind("postgresql://", 0) == 0)
    throw std::invalid_argument("give the server as a key=value DSN (\"host=... port=... user=...\"), not a URI");
  std::istringstream words(dsn);
  std::string word, out;
  while (words >> word)
    if (word.rfind("dbname=", 0) != 0) out += word + " ";
  return out + "dbname=" + name;
}

// A database of the benchmark's own on the server, migrated, dropped at the end.
class BenchDatabase {
 public:
  explicit BenchDatabase(std::string server_dsn)
      : server_dsn_(std::move(server_dsn)),
        name_("smoops_bench_store_" + std::to_string(::getpid())),
        dsn_(with_dbname(server_dsn_, name_)) {
    admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin("CREATE DATABASE " + name_);
    try {
      auto connection = store::connect(dsn_);
      store::migrate(*connection, store::bundled_migrations(), [](const store::Migration&, std::chrono::milliseconds) {});
    } catch (...) {
      drop();
      throw;
    }
  }
  ~BenchDatabase() { drop(); }
  BenchDatabase(const BenchDatabase&) = delete;
  BenchDatabase& operator=(const BenchDatabase&) = delete;

  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  void drop() {
    try {
      admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      std::cerr << "could not drop the benchmark database " << name_ << ": " << e.what() << '\n';
    }
  }
  void admin(const std::string& sql) {
    auto connection = store::connect(server_dsn_);
    pqxx::nontransaction work(*connection);
    work.exec(sql);
  }
  std::string server_dsn_;
  std::string name_;
  std::string dsn_;
};

// A bot's `bots` row and a `runs` row for its session; returns the run's id.
std::int64_t create_bot(pqxx::connection& connection, const std::string& bot) {
  pqxx::work work(connection);
  work.exec0("INSERT INTO bots (name, mode, symbol, initial_cash) VALUES (" + work.quote(bot) + ", 'paper', " +
             work.quote(std::string(kSymbol)) + ", 1000000000)");
  const auto id = work.exec1("INSERT INTO runs (kind, bot, symbol, config_yaml, code_version, initial_cash) VALUES "
                             "('paper', " + work.quote(bot) + ", " + work.quote(std::string(kSymbol)) +
                             ", 'benchmark', 'smoops_bench_store', 1000000000) RETURNING id")[0]
                      .as<std::int64_t>();
  work.commit();
  return id;
}

// An order of bot `name` about to be sent (status Submitted): a market order, buy for odd
// sequences and sell for even ones, so that the position stays small.
Order make_order(const std::string& name, std::uint64_t sequence, Timestamp ts) {
  Order order;
  order.client_order_id = name + "-" + std::to_string(sequence);
  order.symbol = std::string(kSymbol);
  order.side = sequence % 2 == 1 ? Side::Buy : Side::Sell;
  order.type = OrderType::Market;
  order.quantity = Quantity::parse_or_throw("0.01500000");
  order.status = OrderStatus::Submitted;
  order.created_ts = order.updated_ts = ts;
  return order;
}

// One bot: a journal over the shared writer and the account its fills move, making orders the
// way the engine does (client order id "<bot>-<n>", one market order, filled at once).
class BenchBot {
 public:
  BenchBot(store::StoreWriter& writer, std::string name, std::int64_t run_id)
      : name_(std::move(name)),
        portfolio_(Money::from_units(1'000'000'000)),
        journal_(writer, name_, std::string(kSymbol), run_id, config::OutagePolicy::Halt, {}) {}

  /// The next order about to be sent (status Submitted).
  Order next_order() { return make_order(name_, ++sequence_, now()); }

  /// What a paper bot's journal sends for an order without write-ahead: its Submitted step.
  void submitted(const Order& order) {
    journal_.on_order(order);
    journal_.flush();
  }
  /// BotJournal::write_ahead: "" once the intent is committed.
  std::string write_ahead(const Order& order) { return journal_.write_ahead(order, portfolio_.position()); }

  /// The exchange's acknowledgement, then one fill for the whole order: two more steps.
  void accepted_and_filled(Order& order) {
    order.status = OrderStatus::Accepted;
    order.exchange_order_id = "x" + std::to_string(sequence_);
    order.updated_ts = now();
    journal_.on_order(order);
    journal_.flush();

    Fill fill;
    fill.client_order_id = order.client_order_id;
    fill.trade_id = "t" + std::to_string(sequence_);
    fill.side = order.side;
    fill.price = Price::from_raw(6'500'000'000'000 + static_cast<std::int64_t>(sequence_ % 1000) * 1'000'000);
    fill.quantity = order.quantity;
    fill.fee = notional(fill.price, fill.quantity).mul_div(1, 1000);
    fill.ts = now();
    portfolio_.apply_fill(fill.side, fill.price, fill.quantity, fill.fee);
    order.status = OrderStatus::Filled;
    order.filled_quantity = fill.quantity;
    order.filled_notional = notional(fill.price, fill.quantity);
    order.updated_ts = fill.ts;
    journal_.on_order(order);
    journal_.on_fill(fill, order, portfolio_);
    journal_.flush();
  }

 private:
  Timestamp now() {
    // Strictly increasing engine time, one millisecond per event.
    clock_ms_ += 1;
    return Timestamp::from_millis(1'732'537'200'000 + clock_ms_);
  }

  std::string name_;
  engine::Portfolio portfolio_;
  store::BotJournal journal_;
  std::uint64_t sequence_ = 0;
  std::int64_t clock_ms_ = 0;
};

// Pauses the caller while the writer holds more than `limit` rows in memory (so that it never
// spills in a benchmark of its sustainable rate); returns true when it had to wait.
bool wait_for_room(const store::StoreWriter& writer, std::size_t limit) {
  bool waited = false;
  while (writer.stats().queued_rows > limit) {
    waited = true;
    std::this_thread::sleep_for(200us);
  }
  return waited;
}

// A StoreWriter with `options` (the daemon's defaults unless --max-batch-rows) on the benchmark's
// database, and the process id of its connection's server backend, whose CPU time is read.
struct BenchWriter {
  std::unique_ptr<store::StoreWriter> writer;
  int backend_pid = 0;
};

BenchWriter make_writer(store::WriterOptions options, const std::string& dsn, const std::filesystem::path& work) {
  options.dsn = dsn;
  options.spill_file = work / "store-spill.jsonl";
  auto connection = store::connect(dsn);
  BenchWriter bench;
  bench.backend_pid = connection->backendpid();
  bench.writer = std::make_unique<store::StoreWriter>(options, std::move(connection));
  return bench;
}

// Empties the tables between scenarios, so that each starts from the same state, and writes
// the dirty pages out so that no checkpoint left by the previous one falls into the next.
void reset_tables(pqxx::connection& connection) {
  {
    pqxx::work work(connection);
    work.exec0("TRUNCATE order_events, fills, positions, equity, backtest_trades, orders, runs, bots");
    work.commit();
  }
  try {
    pqxx::nontransaction work(connection);
    work.exec0("CHECKPOINT");
  } catch (const pqxx::sql_error&) {
    // Not a superuser: the scenario runs with whatever checkpoint comes.
  }
}

// What the database holds after a scenario.
struct Counts {
  std::int64_t fills = 0;
  std::int64_t order_events = 0;
  std::int64_t orders_filled = 0;  // status filled at version 3: the whole lifecycle arrived
  std::int64_t positions = 0;
};

Counts count_rows(pqxx::connection& connection) {
  pqxx::read_transaction work(connection);
  const pqxx::row row = work.exec1(
      "SELECT (SELECT count(*) FROM fills), (SELECT count(*) FROM order_events), "
      "(SELECT count(*) FROM orders WHERE status = 'filled' AND version = 3), (SELECT count(*) FROM positions)");
  return {row[0].as<std::int64_t>(), row[1].as<std::int64_t>(), row[2].as<std::int64_t>(),
          row[3].as<std::int64_t>()};
}

// `orders` whole lifecycles of `bots` bots, and `other_events` order events of orders that stay
// Submitted.
nlohmann::ordered_json counts_json(const Counts& counts, std::uint64_t orders, std::uint64_t bots,
                                   std::uint64_t other_events = 0) {
  const std::uint64_t events = 3 * orders + other_events;
  const bool ok = counts.fills == static_cast<std::int64_t>(orders) &&
                  counts.order_events == static_cast<std::int64_t>(events) &&
                  counts.orders_filled == static_cast<std::int64_t>(orders) &&
                  counts.positions == static_cast<std::int64_t>(bots);
  return {{"fills", counts.fills},
          {"order_events", counts.order_events},
          {"orders_filled", counts.orders_filled},
          {"positions", counts.positions},
          {"expected", {{"fills", orders}, {"order_events", events}, {"orders_filled", orders}, {"positions", bots}}},
          {"ok", ok}};
}

nlohmann::ordered_json writer_stats_json(const store::WriterStats& stats) {
  return {{"rows_written", stats.rows_written},
          {"batches", stats.batches},
          {"rows_per_batch", stats.batches == 0 ? 0.0 : static_cast<double>(stats.rows_written) / static_cast<double>(stats.batches)},
          {"groups_spilled", stats.groups_spilled},
          {"groups_rejected", stats.groups_rejected},
          {"reconnects", stats.reconnects}};
}

// N orders' lifecycles pushed by `producers` bots as fast as the writer takes them.
nlohmann::ordered_json run_throughput(const BenchDatabase& database, pqxx::connection& control, int producers,
                                      std::uint64_t orders, const store::WriterOptions& options,
                                      const std::filesystem::path& work) {
  reset_tables(control);
  std::vector<std::string> names;
  std::vector<std::int64_t> runs;
  for (int p = 0; p < producers; ++p) {
    names.push_back("throughput-" + std::to_string(p));
    runs.push_back(create_bot(control, names.back()));
  }
  BenchWriter bench = make_writer(options, database.dsn(), work);
  store::StoreWriter& writer = *bench.writer;
  const std::size_t room = options.buffer_rows / 2;

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::atomic<std::uint64_t> waits{0};
  std::vector<std::thread> threads;
  for (int p = 0; p < producers; ++p) {
    const std::uint64_t share = orders / producers + (p < static_cast<int>(orders % producers) ? 1 : 0);
    threads.emplace_back([&, p, share] {
      BenchBot bot(writer, names[p], runs[p]);
      std::uint64_t my_waits = 0;
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) std::this_thread::yield();
      for (std::uint64_t i = 0; i < share; ++i) {
        if (i % 32 == 0 && wait_for_room(writer, room)) ++my_waits;
        Order order = bot.next_order();
        bot.submitted(order);
        bot.accepted_and_filled(order);
      }
      waits.fetch_add(my_waits);
    });
  }
  while (ready.load() < producers) std::this_thread::yield();
  const double cpu_before = cpu_seconds();
  const double backend_before = process_cpu_seconds(bench.backend_pid);
  const auto start = Clock::now();
  go.store(true, std::memory_order_release);
  for (auto& thread : threads) thread.join();
  const auto produced = Clock::now();
  const bool flushed = writer.flush(kFlushTimeout);
  const auto done = Clock::now();
  const double cpu_s = cpu_seconds() - cpu_before;
  const double backend_after = process_cpu_seconds(bench.backend_pid);
  const double backend_s = backend_before < 0 || backend_after < 0 ? -1.0 : backend_after - backend_before;
  const store::WriterStats stats = writer.stats();
  bench.writer.reset();
  const Counts counts = count_rows(control);

  const double seconds = std::chrono::duration<double>(done - start).count();
  const auto rows = static_cast<double>(orders * kRowsPerOrder);
  const auto fills_and_events = static_cast<double>(orders * kFillsAndEventsPerOrder);
  nlohmann::ordered_json result;
  result["scenario"] = "throughput";
  result["producers"] = producers;
  result["orders"] = orders;
  result["rows"] = orders * kRowsPerOrder;
  result["fills_and_order_events"] = orders * kFillsAndEventsPerOrder;
  result["flushed"] = flushed;
  result["producers_done_s"] = std::chrono::duration<double>(produced - start).count();
  result["seconds"] = seconds;
  result["rows_per_s"] = rows / seconds;
  result["fills_and_events_per_s"] = fills_and_events / seconds;
  result["orders_per_s"] = static_cast<double>(orders) / seconds;
  result["process_cpu_s"] = cpu_s;  // producers and the writer thread
  result["server_backend_cpu_s"] = backend_s;  // the writer's connection on the server (-1: unknown)
  result["fills_and_events_per_process_cpu_s"] = fills_and_events / cpu_s;
  // The server backend runs the writer's SQL on one core: its rate per CPU-second is what one
  // writer connection could reach with a core of its own.
  result["fills_and_events_per_backend_cpu_s"] = backend_s > 0 ? fills_and_events / backend_s : 0.0;
  result["producer_pauses"] = waits.load();  // times a producer waited for the writer's buffer
  result["writer"] = writer_stats_json(stats);
  result["database"] = counts_json(counts, orders, static_cast<std::uint64_t>(producers));
  return result;
}

nlohmann::ordered_json latency_json(std::vector<double> micros) {
  if (micros.empty()) return nlohmann::ordered_json::object();
  std::sort(micros.begin(), micros.end());
  const auto at = [&](double q) {
    const auto rank = static_cast<std::size_t>(q * static_cast<double>(micros.size()));
    return micros[std::min(rank, micros.size() - 1)];
  };
  double sum = 0;
  for (double m : micros) sum += m;
  return {{"count", micros.size()},
          {"median_us", at(0.5)},
          {"p90_us", at(0.9)},
          {"p99_us", at(0.99)},
          {"max_us", micros.back()},
          {"mean_us", sum / static_cast<double>(micros.size())}};
}

// The server's own share of a write-ahead, timed on a connection of its own (no writer thread):
// a bare commit of one small row, and a commit of the same statements a write-ahead's group
// makes (the order row and its Submitted event, store::batch_statements), for orders of a bot
// "direct". Run in the same loop as the write-aheads, so that all three see the same disk.
class DirectCommits {
 public:
  DirectCommits(const std::string& dsn, pqxx::connection& control)
      : connection_(store::connect(dsn)), run_id_(create_bot(control, "direct")) {}

  /// Microseconds for BEGIN, one single-row INSERT, COMMIT.
  double bare() {
    ++bare_count_;
    const auto t0 = Clock::now();
    pqxx::work work(*connection_);
    work.exec0("INSERT INTO equity (run_id, ts, equity, cash, position) VALUES (" + std::to_string(run_id_) + ", " +
               std::to_string(bare_count_) + ", 1, 1, 0)");
    work.commit();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }

  /// Microseconds to commit a write-ahead's statements directly (rendering them included).
  double write_ahead_rows() {
    ++orders_;
    const Order order = make_order("direct", orders_, Timestamp::from_millis(1'732'537'200'000 + static_cast<std::int64_t>(orders_)));
    const auto t0 = Clock::now();
    const store::RowGroup group{store::order_row("direct", run_id_, orders_, order, 1), store::order_event_row(order, 1)};
    std::vector<const store::PendingRow*> rows;
    for (const store::PendingRow& row : group) rows.push_back(&row);
    pqxx::work work(*connection_);
    for (const std::string& statement : store::batch_statements(rows)) work.exec(statement);
    work.commit();
    return std::chrono::duration<double, std::micro>(Clock::now() - t0).count();
  }

  /// Order events written (one per order: they stay Submitted).
  std::uint64_t order_events() const { return orders_; }

 private:
  std::unique_ptr<pqxx::connection> connection_;
  std::int64_t run_id_;
  std::uint64_t bare_count_ = 0;
  std::uint64_t orders_ = 0;
};

constexpr int kWarmupOrders = 20;

// M write-aheads of one bot, one after another, with another bot pushing `load_rate` orders/s
// (0: none) in the background; stops early after `max_seconds`.
nlohmann::ordered_json run_write_ahead(const BenchDatabase& database, pqxx::connection& control, int write_aheads,
                                       double load_rate, double max_seconds, const store::WriterOptions& options,
                                       const std::filesystem::path& work) {
  reset_tables(control);
  const std::int64_t live_run = create_bot(control, "live");
  const std::int64_t load_run = create_bot(control, "load");
  BenchWriter bench = make_writer(options, database.dsn(), work);
  store::StoreWriter& writer = *bench.writer;

  // The load: one order's lifecycle every 1/rate s. A step that comes late is not made up for
  // with a burst, so the load stays at most `load_rate` (what it reached is reported).
  std::atomic<bool> stop{false};
  std::atomic<std::uint64_t> load_orders{0};
  std::thread load;
  const auto load_start = Clock::now();
  if (load_rate > 0) {
    load = std::thread([&] {
      BenchBot bot(writer, "load", load_run);
      const auto period = std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(1.0 / load_rate));
      const std::size_t room = options.buffer_rows / 2;
      auto due = Clock::now();
      for (std::uint64_t i = 0; !stop.load(std::memory_order_acquire); ++i) {
        due = std::max(due + period, Clock::now());
        std::this_thread::sleep_until(due);
        if (i % 32 == 0) wait_for_room(writer, room);
        Order order = bot.next_order();
        bot.submitted(order);
        bot.accepted_and_filled(order);
        load_orders.fetch_add(1, std::memory_order_relaxed);
      }
    });
    std::this_thread::sleep_for(500ms);  // the load is running before the first write-ahead
  }
  // Stops the load also when a commit below throws (before the writer it uses goes).
  struct StopLoad {
    std::atomic<bool>& stop;
    std::thread& load;
    ~StopLoad() {
      stop.store(true, std::memory_order_release);
      if (load.joinable()) load.join();
    }
  } stop_load{stop, load};

  BenchBot bot(writer, "live", live_run);
  DirectCommits direct(database.dsn(), control);
  std::vector<double> micros, bare_micros, direct_micros;
  micros.reserve(static_cast<std::size_t>(write_aheads));
  std::uint64_t refused = 0, sent = 0;
  const auto start = Clock::now();
  const auto deadline = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(max_seconds));
  for (int i = 0; i < kWarmupOrders + write_aheads && Clock::now() < deadline; ++i) {
    const double bare = direct.bare();
    const double direct_write_ahead = direct.write_ahead_rows();
    if (i >= kWarmupOrders) {
      bare_micros.push_back(bare);
      direct_micros.push_back(direct_write_ahead);
    }
    // The bot's earlier rows are in the database, as when its orders are a bar or more apart
    // (in the background, the load goes on).
    writer.flush(kFlushTimeout);
    Order order = bot.next_order();
    const auto t0 = Clock::now();
    const std::string refusal = bot.write_ahead(order);
    const auto t1 = Clock::now();
    if (!refusal.empty()) {
      ++refused;
      continue;
    }
    ++sent;
    if (i >= kWarmupOrders) micros.push_back(std::chrono::duration<double, std::micro>(t1 - t0).count());
    bot.accepted_and_filled(order);
  }
  const double seconds = std::chrono::duration<double>(Clock::now() - start).count();
  stop.store(true, std::memory_order_release);
  if (load.joinable()) load.join();
  const double load_seconds = std::chrono::duration<double>(Clock::now() - load_start).count();
  const bool flushed = writer.flush(kFlushTimeout);
  const store::WriterStats stats = writer.stats();
  bench.writer.reset();
  const Counts counts = count_rows(control);

  nlohmann::ordered_json result;
  result["scenario"] = load_rate > 0 ? "write-ahead, background load" : "write-ahead, no load";
  result["write_aheads_asked"] = write_aheads;
  result["write_aheads_timed"] = micros.size();  // fewer than asked when max_seconds ran out
  result["warmup_orders"] = kWarmupOrders;
  result["refused"] = refused;  // write_ahead returned a refusal (the database did not commit in 5 s)
  result["load_orders_per_s_asked"] = load_rate;
  result["load_orders"] = load_orders.load();
  result["load_fills_and_events_per_s"] =
      load_rate > 0 ? static_cast<double>(load_orders.load() * kFillsAndEventsPerOrder) / load_seconds : 0.0;
  result["seconds"] = seconds;
  result["flushed"] = flushed;
  result["latency"] = latency_json(std::move(micros));  // BotJournal::write_ahead through the writer
  result["direct_commit_latency"] = latency_json(std::move(direct_micros));  // the same rows, no writer thread
  result["bare_commit_latency"] = latency_json(std::move(bare_micros));      // one single-row INSERT
  result["writer"] = writer_stats_json(stats);
  result["database"] = counts_json(counts, sent + load_orders.load(), load_rate > 0 ? 2 : 1, direct.order_events());
  return result;
}

// A stored backtest of `points` one-minute bars: the equity curve drifts, the position alternates
// between long and short, and two trades.
store::BacktestRunRecord make_backtest_record(std::uint64_t points) {
  constexpr std::int64_t kStartNanos = 1'732'537'200'000'000'000;
  constexpr std::int64_t kMinuteNanos = 60'000'000'000;
  store::BacktestRunRecord record;
  record.bot = "bench-backtest";
  record.symbol = std::string(kSymbol);
  record.config_file = "/tmp/bench-backtest.yaml";
  record.config_yaml = "name: bench-backtest\nmode: backtest\n";
  record.code_version = "smoops_bench_store";
  record.data_file = "/tmp/bench-backtest.csv";
  record.started_at = std::chrono::system_clock::now();
  record.ended_at = record.started_at;
  record.initial_cash = Money::from_units(100'000);
  record.final_equity = Money::parse_or_throw("99876.12345678");
  record.bars = static_cast<std::int64_t>(points);
  record.summary = {{"bars", points}, {"return_pct", -0.12387654321}};
  for (std::int64_t i = 0; i < 2; ++i) {
    engine::RoundTrip trade;
    trade.direction = i == 0 ? Side::Buy : Side::Sell;
    trade.entry_ts = Timestamp{kStartNanos + (4 * i + 1) * kMinuteNanos};
    trade.exit_ts = Timestamp{kStartNanos + (4 * i + 3) * kMinuteNanos};
    trade.entry_price = Price::parse_or_throw("16727.3");
    trade.exit_price = Price::parse_or_throw("16730.1");
    trade.quantity = Quantity::parse_or_throw("1");
    trade.pnl = Money::parse_or_throw("2.8");
    trade.fees = Money::parse_or_throw("0.5");
    record.trades.push_back(trade);
  }
  record.equity.reserve(points);
  for (std::uint64_t i = 0; i < points; ++i) {
    const auto n = static_cast<std::int64_t>(i);
    record.equity.push_back({Timestamp{kStartNanos + n * kMinuteNanos}, Money::from_raw(10'000'000'000'000 - n),
                             Money::from_raw(5'000'000'000'000 + n),
                             Quantity::parse_or_throw(i % 2 ? "-0.5" : "0.00000001")});
  }
  return record;
}

// `runs` saves of a backtest with `points` equity rows, each timed and checked with load_run.
nlohmann::ordered_json run_stored_backtest(pqxx::connection& control, const BenchDatabase& database,
                                           std::uint64_t points, int runs) {
  reset_tables(control);
  const store::BacktestRunRecord record = make_backtest_record(points);
  auto connection = store::connect(database.dsn());
  std::vector<double> seconds;
  bool ok = true;
  for (int run = 0; run < runs; ++run) {
    const auto start = Clock::now();
    const std::int64_t id = store::save_backtest(*connection, record);
    seconds.push_back(std::chrono::duration<double>(Clock::now() - start).count());
    const std::optional<store::StoredRun> stored = store::load_run(*connection, id, 0);
    ok = ok && stored && stored->equity_points == static_cast<std::int64_t>(points);
  }
  std::vector<double> sorted = seconds;
  std::sort(sorted.begin(), sorted.end());
  const double median = sorted[sorted.size() / 2];
  nlohmann::ordered_json result;
  result["scenario"] = "stored backtest";
  result["equity_points"] = points;
  result["trades"] = record.trades.size();
  result["saves"] = runs;
  result["seconds"] = seconds;
  result["median_s"] = median;
  result["equity_points_per_s_median"] = static_cast<double>(points) / median;
  result["equity_points_per_s_best"] = static_cast<double>(points) / sorted.front();
  result["database"] = {{"ok", ok}};
  return result;
}

std::vector<std::string> split(const std::string& list) {
  std::vector<std::string> items;
  std::stringstream in(list);
  for (std::string item; std::getline(in, item, ',');)
    if (!item.empty()) items.push_back(item);
  return items;
}

void usage() {
  std::cerr << "usage: smoops_bench_store --dsn DSN [--out FILE] [--orders N] [--producers 1,4]\n"
               "                          [--write-aheads M] [--load-rates 0,500] [--max-seconds S]\n"
               "                          [--max-batch-rows N] [--skip-throughput] [--skip-latency]\n"
               "                          [--backtest-points N] [--backtest-runs R] [--skip-backtest]\n"
               "  DSN: a key=value libpq DSN of a server where the user may create databases\n";
}

void print_latency(const std::string& label, const nlohmann::ordered_json& latency) {
  if (!latency.contains("count")) {
    std::printf("  %-54s none timed within --max-seconds\n", label.c_str());
    return;
  }
  std::printf("  %-54s median %7.0f us  p90 %7.0f us  p99 %7.0f us  max %8.0f us\n", label.c_str(),
              latency.value("median_us", 0.0), latency.value("p90_us", 0.0), latency.value("p99_us", 0.0),
              latency.value("max_us", 0.0));
}

}  // namespace

int main(int argc, char** argv) {
  std::string dsn;
  std::string out_file = "bench-store.json";
  std::uint64_t orders = 100'000;
  std::vector<int> producer_counts{1, 4};
  int write_aheads = 2'000;
  std::vector<double> load_rates{0, 500};
  double max_seconds = 120;
  store::WriterOptions writer_options;  // the daemon's defaults
  bool throughput = true, latency = true, backtest = true;
  std::uint64_t backtest_points = 100'000;
  int backtest_runs = 3;
  try {
    for (int i = 1; i < argc; ++i) {
      const std::string flag = argv[i];
      const bool has_value = i + 1 < argc;
      if (flag == "--dsn" && has_value) {
        dsn = argv[++i];
      } else if ((flag == "--out" || flag == "--json") && has_value) {
        out_file = argv[++i];
      } else if (flag == "--orders" && has_value) {
        orders = std::stoull(argv[++i]);
      } else if (flag == "--producers" && has_value) {
        producer_counts.clear();
        for (const std::string& item : split(argv[++i])) producer_counts.push_back(std::stoi(item));
      } else if (flag == "--write-aheads" && has_value) {
        write_aheads = std::stoi(argv[++i]);
      } else if (flag == "--load-rates" && has_value) {
        load_rates.clear();
        for (const std::string& item : split(argv[++i])) load_rates.push_back(std::stod(item));
      } else if (flag == "--max-batch-rows" && has_value) {
        writer_options.max_batch_rows = std::stoull(argv[++i]);
      } else if (flag == "--max-seconds" && has_value) {
        max_seconds = std::stod(argv[++i]);
      } else if (flag == "--skip-throughput") {
        throughput = false;
      } else if (flag == "--skip-latency") {
        latency = false;
      } else if (flag == "--backtest-points" && has_value) {
        backtest_points = std::stoull(argv[++i]);
      } else if (flag == "--backtest-runs" && has_value) {
        backtest_runs = std::stoi(argv[++i]);
      } else if (flag == "--skip-backtest") {
        backtest = false;
      } else {
        usage();
        return 2;
      }
    }
  } catch (const std::exception&) {
    usage();
    return 2;
  }
  if (dsn.empty() || orders == 0 || write_aheads <= 0 || writer_options.max_batch_rows == 0 || backtest_points == 0 ||
      backtest_runs <= 0) {
    usage();
    return 2;
  }
  for (int producers : producer_counts)
    if (producers <= 0) {
      usage();
      return 2;
    }

  const auto work = std::filesystem::temp_directory_path() / ("smoops-bench-store-" + std::to_string(::getpid()));
  std::filesystem::create_directories(work);
  bool all_ok = true;
  try {
    BenchDatabase database(dsn);
    auto control = store::connect(database.dsn());
    nlohmann::ordered_json results;
    results["benchmark"] =
        "store::StoreWriter: fills and order events persisted per second, write-ahead latency; "
        "store::save_backtest: equity points stored per second";
    results["server"] = store::redact_dsn(dsn);
    results["hardware_threads"] = std::thread::hardware_concurrency();
    {
      pqxx::read_transaction query(*control);
      nlohmann::ordered_json settings;
      for (const char* name : {"server_version", "fsync", "synchronous_commit", "wal_sync_method", "full_page_writes",
                               "shared_buffers", "max_wal_size"})
        settings[name] = query.exec1(std::string("SHOW ") + name)[0].as<std::string>();
      results["server_settings"] = settings;
    }
    results["writer_options"] = {{"buffer_rows", writer_options.buffer_rows},
                                 {"max_batch_rows", writer_options.max_batch_rows}};
    std::printf("store benchmark on %s (fsync %s, synchronous_commit %s), database %s\n",
                store::redact_dsn(dsn).c_str(), results["server_settings"]["fsync"].get<std::string>().c_str(),
                results["server_settings"]["synchronous_commit"].get<std::string>().c_str(), database.name().c_str());

    nlohmann::ordered_json runs = nlohmann::json::array();
    if (throughput) {
      for (int producers : producer_counts) {
        nlohmann::ordered_json run = run_throughput(database, *control, producers, orders, writer_options, work);
        const bool ok = run["database"]["ok"].get<bool>() && run["flushed"].get<bool>() &&
                        run["writer"]["groups_spilled"].get<std::uint64_t>() == 0;
        all_ok = all_ok && ok;
        std::printf(
            "  throughput, %d producer(s), %llu orders: %8.0f rows/s, %8.0f fills+events/s (%.2f s, %.0f rows/batch, "
            "process CPU %.2f s, server backend CPU %.2f s: %.0f fills+events per backend CPU-s)%s\n",
            producers, static_cast<unsigned long long>(orders), run["rows_per_s"].get<double>(),
            run["fills_and_events_per_s"].get<double>(), run["seconds"].get<double>(),
            run["writer"]["rows_per_batch"].get<double>(), run["process_cpu_s"].get<double>(),
            run["server_backend_cpu_s"].get<double>(), run["fills_and_events_per_backend_cpu_s"].get<double>(),
            ok ? "" : "  DATABASE COUNTS WRONG");
        std::fflush(stdout);
        runs.push_back(std::move(run));
      }
    }
    if (latency) {
      for (double rate : load_rates) {
        nlohmann::ordered_json run = run_write_ahead(database, *control, write_aheads, rate, max_seconds, writer_options, work);
        const bool ok = run["database"]["ok"].get<bool>() && run["refused"].get<std::uint64_t>() == 0;
        all_ok = all_ok && ok;
        char label[96];
        if (rate > 0)
          std::snprintf(label, sizeof label, "load %.0f fills+events/s",
                        run["load_fills_and_events_per_s"].get<double>());
        else
          std::snprintf(label, sizeof label, "no load");
        print_latency(std::string("write-ahead, ") + label, run["latency"]);
        print_latency(std::string("  same rows, direct commit, ") + label, run["direct_commit_latency"]);
        print_latency(std::string("  bare one-row commit, ") + label, run["bare_commit_latency"]);
        if (!ok) std::printf("  ^ DATABASE COUNTS WRONG or orders refused\n");
        std::fflush(stdout);
        runs.push_back(std::move(run));
      }
    }
    if (backtest) {
      nlohmann::ordered_json run = run_stored_backtest(*control, database, backtest_points, backtest_runs);
      const bool ok = run["database"]["ok"].get<bool>();
      all_ok = all_ok && ok;
      std::printf("  stored backtest, %llu equity points: %8.0f points/s (median of %d saves, %.3f s; best %8.0f/s)%s\n",
                  static_cast<unsigned long long>(backtest_points), run["equity_points_per_s_median"].get<double>(),
                  backtest_runs, run["median_s"].get<double>(), run["equity_points_per_s_best"].get<double>(),
                  ok ? "" : "  DATABASE COUNTS WRONG");
      std::fflush(stdout);
      runs.push_back(std::move(run));
    }
    results["runs"] = runs;
    results["ok"] = all_ok;
    std::ofstream(out_file) << results.dump(2) << '\n';
    std::printf("results: %s\n", out_file.c_str());
  } catch (const std::exception& e) {
    std::cerr << "smoops_bench_store: " << e.what() << '\n';
    std::filesystem::remove_all(work);
    return 1;
  }
  std::filesystem::remove_all(work);
  if (!all_ok) std::cerr << "smoops_bench_store: the database did not hold what was written (see the JSON)\n";
  return all_ok ? 0 : 1;
}
