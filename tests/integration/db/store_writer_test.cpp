// The daemon's database writer alone (host/store/store_writer.hpp): groups are written in the
// order they came and writing one twice changes nothing; when the server is away, groups wait in
// memory, then in the spill file, and reach the database once it is back; a spill file left by an
// earlier run is written first; a group the server refuses is kept in `<spill>.rejected`.
//
// "The server is away" without stopping the suite's server: the writer's DSN names a socket
// folder of the test's own, and the test links the server's socket into it (server up) or removes
// the link (nobody listening there). A running connection is cut with pg_terminate_backend.

#include "store/store_writer.hpp"

#include <gtest/gtest.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/store_rows.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace smoops::store {
namespace {

using namespace std::chrono_literals;

constexpr const char* kBot = "wbot";
constexpr auto kWait = 15s;

/// Every log line while it lives (the writer logs from its own thread).
class LogLines : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string text() {
    std::lock_guard lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& message) override {
    text_ += "[" + std::string(spdlog::level::to_string_view(message.level).data()) + "] " +
             std::string(message.payload.data(), message.payload.size()) + "\n";
  }
  void flush_() override {}

 private:
  std::string text_;
};

class CapturedLog {
 public:
  CapturedLog() : previous_(spdlog::default_logger()), lines_(std::make_shared<LogLines>()) {
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("captured", lines_));
  }
  ~CapturedLog() { spdlog::set_default_logger(previous_); }
  std::string text() { return lines_->text(); }

 private:
  std::shared_ptr<spdlog::logger> previous_;
  std::shared_ptr<LogLines> lines_;
};

std::vector<std::string> lines_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

std::string text_of(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

/// Polls `done` every 10 ms until it holds (true) or `timeout` passes.
template <class Predicate>
bool eventually(Predicate done, std::chrono::milliseconds timeout = kWait) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(10ms);
  }
  return true;
}

Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }

/// Order "wbot-<seq>": a market buy of 0.1 in `status`, filled by `filled`.
Order make_order(int seq, OrderStatus status, const char* filled = "0") {
  Order order;
  order.client_order_id = std::string(kBot) + "-" + std::to_string(seq);
  order.symbol = "BTC/USDT";
  order.side = Side::Buy;
  order.quantity = qty("0.1");
  order.filled_quantity = qty(filled);
  if (order.filled_quantity.is_positive()) order.filled_notional = Money::parse_or_throw("10");
  order.status = status;
  order.created_ts = Timestamp{1'000};
  order.updated_ts = Timestamp{1'000 + seq};
  return order;
}

class StoreWriterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A socket folder of the test's own (short: a socket path has at most 107 bytes).
    std::string pattern = "/tmp/smoops-sock-XXXXXX";
    ASSERT_NE(::mkdtemp(pattern.data()), nullptr);
    socket_dir_ = pattern;
    server_socket_ = server_socket_dir() / ".s.PGSQL.5432";
    ASSERT_TRUE(std::filesystem::exists(server_socket_)) << server_socket_;
    server_up();

    pqxx::connection connection(database_.dsn());
    migrate(connection, bundled_migrations());
    pqxx::work work(connection);
    work.exec0("INSERT INTO bots (name, mode, symbol, initial_cash) VALUES ('wbot', 'paper', 'BTC/USDT', 1000)");
    run_id_ = work.exec1("INSERT INTO runs (kind, bot, symbol, config_yaml, code_version, initial_cash) VALUES "
                         "('paper', 'wbot', 'BTC/USDT', '', 'test', 1000) RETURNING id")[0]
                  .as<std::int64_t>();
    work.commit();
  }
  void TearDown() override {
    std::error_code ignored;
    std::filesystem::remove_all(socket_dir_, ignored);
  }

  /// The folder of the suite's server socket (the `host=` of its DSN).
  static std::filesystem::path server_socket_dir() {
    std::istringstream words(test::server_dsn());
    for (std::string word; words >> word;)
      if (word.rfind("host=", 0) == 0) return word.substr(5);
    throw std::runtime_error("the suite's DSN has no host=");
  }
  /// The test database through the test's socket folder.
  std::string writer_dsn() const {
    return "host=" + socket_dir_.string() + " port=5432 user=smoops dbname=" + database_.name();
  }
  void server_up() { std::filesystem::create_symlink(server_socket_, socket_dir_ / ".s.PGSQL.5432"); }
  void server_away() { std::filesystem::remove(socket_dir_ / ".s.PGSQL.5432"); }
  /// Ends the writer's session from the server's side, as a server restart does.
  void cut_writer_connection() {
    const std::string others =
        "FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()";
    ASSERT_EQ(query("SELECT count(pg_terminate_backend(pid)) " + others), "1") << "expected the writer's one session";
    // Gone for sure before the test goes on.
    ASSERT_TRUE(eventually([&] { return query("SELECT count(*) " + others) == "0"; }, 5s));
  }

  std::filesystem::path spill_file() const { return scratch_.path() / "spill" / "store-spill.jsonl"; }
  std::filesystem::path rejected_file() const { return spill_file().string() + ".rejected"; }

  WriterOptions options(std::size_t buffer_rows = 100'000) const {
    WriterOptions options;
    options.dsn = writer_dsn();
    options.buffer_rows = buffer_rows;
    options.spill_file = spill_file();
    options.max_backoff = 200ms;  // reconnect quickly once the server is back
    return options;
  }
  /// A writer connected to the test database.
  std::unique_ptr<StoreWriter> connected_writer(std::size_t buffer_rows = 100'000) {
    return std::make_unique<StoreWriter>(options(buffer_rows), connect(writer_dsn()));
  }
  /// A writer started while the server is away (no connection yet).
  std::unique_ptr<StoreWriter> writer_without_server(std::size_t buffer_rows = 100'000) {
    server_away();
    return std::make_unique<StoreWriter>(options(buffer_rows), nullptr);
  }

  RowGroup order_group(const Order& order, int version) const {
    return {order_row(kBot, run_id_, order_sequence(order.client_order_id), order, version),
            order_event_row(order, version)};
  }
  /// A fill of 0.1 of `order` and the position after it (the `fill_count`-th fill).
  RowGroup fill_group(const Order& order, const std::string& trade_id, std::uint64_t fill_count) const {
    Fill fill;
    fill.client_order_id = order.client_order_id;
    fill.trade_id = trade_id;
    fill.price = Price::parse_or_throw("100");
    fill.quantity = qty("0.1");
    fill.fee = Money::parse_or_throw("0.01");
    fill.ts = Timestamp{2'000 + static_cast<std::int64_t>(fill_count)};
    Position position;
    position.quantity = qty("0.1").times(static_cast<std::int64_t>(fill_count));
    return {fill_row(kBot, run_id_, fill),
            position_row(kBot, "BTC/USDT", position, Money::parse_or_throw("990"), fill_count, fill.ts)};
  }

  /// One value from the test database.
  std::string query(const std::string& sql) {
    pqxx::connection connection(database_.dsn());
    pqxx::nontransaction work(connection);
    const pqxx::result result = work.exec(sql);
    return result.empty() || result[0][0].is_null() ? std::string("(none)") : std::string(result[0][0].c_str());
  }
  int count(const std::string& table) { return std::stoi(query("SELECT count(*) FROM " + table)); }

  test::TestDatabase database_;
  test::TempDir scratch_;
  std::filesystem::path socket_dir_;
  std::filesystem::path server_socket_;
  std::int64_t run_id_ = 0;
};

TEST_F(StoreWriterTest, WritesGroupsInOrderAndTheSameGroupTwiceChangesNothing) {
  auto writer = connected_writer();
  const Order submitted = make_order(1, OrderStatus::Submitted);
  const Order accepted = make_order(1, OrderStatus::Accepted);
  const Order filled = make_order(1, OrderStatus::Filled, "0.1");
  const std::vector<RowGroup> history{order_group(submitted, 1), order_group(accepted, 2),
                                      fill_group(filled, "t-1", 1), order_group(filled, 3)};
  // A fill refers to its order: written out of order, the server would refuse it.
  for (const RowGroup& group : history) writer->push(group);
  ASSERT_TRUE(writer->flush(kWait));
  // The same history again, as a replayed spill file or a retried batch would write it, then
  // older states: the order and the position keep their latest state.
  for (const RowGroup& group : history) writer->push(group);
  writer->push(order_group(submitted, 1));
  writer->push(fill_group(filled, "t-0", 0));  // a position from before the first fill, with a fill of its own
  ASSERT_TRUE(writer->flush(kWait));

  EXPECT_EQ(count("orders"), 1);
  EXPECT_EQ(query("SELECT status || ' v' || version FROM orders"), "filled v3");
  EXPECT_EQ(count("order_events"), 3);
  EXPECT_EQ(query("SELECT string_agg(status, ',' ORDER BY version) FROM order_events"), "submitted,accepted,filled");
  EXPECT_EQ(count("fills"), 2);  // t-1 once, and t-0
  EXPECT_EQ(query("SELECT fill_count || ' ' || quantity FROM positions"), "1 0.10000000");
  EXPECT_EQ(writer->stats().groups_rejected, 0u);
  EXPECT_FALSE(std::filesystem::exists(rejected_file()));
}

TEST_F(StoreWriterTest, LaterGroupsWinEvenWhenEachIsItsOwnTransaction) {
  WriterOptions one_group_per_batch = options();
  one_group_per_batch.max_batch_rows = 1;
  StoreWriter writer(one_group_per_batch, connect(writer_dsn()));
  // A run's end has no version: only the order of the writes decides which one stays.
  for (int i = 1; i <= 50; ++i)
    writer.push({run_end_row(run_id_, i == 50 ? "finished" : "failed", "step " + std::to_string(i), Money(), static_cast<std::uint64_t>(i))});
  ASSERT_TRUE(writer.flush(kWait));
  EXPECT_EQ(query("SELECT status || ' ' || end_reason || ' ' || bars FROM runs"), "finished step 50 50");
  EXPECT_GE(writer.stats().batches, 2u);
}

TEST_F(StoreWriterTest, WriteAheadIsCommittedWhenItReturnsDatabase) {
  auto writer = connected_writer();
  const auto durability =
      writer->write_ahead(order_group(make_order(1, OrderStatus::Submitted), 1), /*allow_spill=*/false, 5s);
  EXPECT_EQ(durability, StoreWriter::Durability::Database);
  // Visible to another session at once: no flush.
  EXPECT_EQ(query("SELECT status FROM orders WHERE client_order_id = 'wbot-1'"), "submitted");
}

TEST_F(StoreWriterTest, BeyondTheBufferGroupsSpillToTheFileAndReachTheDatabaseWhenItIsBack) {
  CapturedLog log;
  auto writer = writer_without_server(/*buffer_rows=*/4);
  EXPECT_FALSE(writer->database_up());
  // Two groups of two rows fill the buffer; the third spills all three, in order.
  for (int seq = 1; seq <= 3; ++seq) writer->push(order_group(make_order(seq, OrderStatus::Submitted), 1));
  ASSERT_TRUE(std::filesystem::exists(spill_file()));
  std::vector<std::string> lines = lines_of(spill_file());
  ASSERT_EQ(lines.size(), 3u);
  for (int seq = 1; seq <= 3; ++seq)
    EXPECT_EQ(lines[seq - 1], to_spill_line(order_group(make_order(seq, OrderStatus::Submitted), 1)));
  EXPECT_TRUE(writer->stats().spilling);
  EXPECT_EQ(writer->stats().queued_rows, 0u);
  // Once spilling, everything goes to the file (behind what is there).
  writer->push(order_group(make_order(1, OrderStatus::Accepted), 2));
  EXPECT_EQ(lines_of(spill_file()).size(), 4u);
  EXPECT_NE(log.text().find("spilling to " + spill_file().string()), std::string::npos) << log.text();
  EXPECT_EQ(count("orders"), 0);

  server_up();
  ASSERT_TRUE(writer->flush(kWait)) << log.text();
  EXPECT_EQ(count("orders"), 3);
  EXPECT_EQ(query("SELECT status || ' v' || version FROM orders WHERE client_order_id = 'wbot-1'"), "accepted v2");
  EXPECT_FALSE(std::filesystem::exists(spill_file())) << "the spill file is removed once written";
  EXPECT_TRUE(writer->database_up());
  EXPECT_FALSE(writer->stats().spilling);
  EXPECT_NE(log.text().find("database back"), std::string::npos) << log.text();
  EXPECT_NE(log.text().find("the spill file is written to the database"), std::string::npos) << log.text();
}

TEST_F(StoreWriterTest, WriteAheadDuringAnOutageSpillsWhenAllowedAndIsRefusedOtherwise) {
  auto writer = writer_without_server();
  // Not allowed to spill: not durable; the group waits in memory and is written later.
  const RowGroup refused = order_group(make_order(1, OrderStatus::Submitted), 1);
  EXPECT_EQ(writer->write_ahead(refused, /*allow_spill=*/false, 200ms), StoreWriter::Durability::None);
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
  EXPECT_EQ(writer->stats().queued_rows, 2u);

  // Allowed: durable on disk (it and what waited before it) when write_ahead returns.
  const RowGroup spilled = order_group(make_order(2, OrderStatus::Submitted), 1);
  EXPECT_EQ(writer->write_ahead(spilled, /*allow_spill=*/true, 200ms), StoreWriter::Durability::Spill);
  const std::vector<std::string> lines = lines_of(spill_file());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0], to_spill_line(refused));
  EXPECT_EQ(lines[1], to_spill_line(spilled));
  EXPECT_EQ(text_of(spill_file()).back(), '\n');

  // While spilling, a write-ahead that may not spill is still not durable (but kept).
  const RowGroup refused_again = order_group(make_order(3, OrderStatus::Submitted), 1);
  EXPECT_EQ(writer->write_ahead(refused_again, /*allow_spill=*/false, 200ms), StoreWriter::Durability::None);

  server_up();
  ASSERT_TRUE(writer->flush(kWait));
  EXPECT_EQ(query("SELECT string_agg(client_order_id, ',' ORDER BY client_order_id) FROM orders"),
            "wbot-1,wbot-2,wbot-3");
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
  // Up again: a write-ahead is committed.
  EXPECT_EQ(writer->write_ahead(order_group(make_order(4, OrderStatus::Submitted), 1), false, 5s),
            StoreWriter::Durability::Database);
}

TEST_F(StoreWriterTest, AWriteAheadTheDatabaseDoesNotCommitInTimeIsOnDiskWhenItReturnsSpill) {
  CapturedLog log;
  auto writer = connected_writer();
  // Another session holds the orders table: the writer takes the intent into its batch, which
  // then waits for the table.
  pqxx::connection blocker(database_.dsn());
  pqxx::work holding(blocker);
  holding.exec0("LOCK TABLE orders IN ACCESS EXCLUSIVE MODE");

  const RowGroup intent = order_group(make_order(1, OrderStatus::Submitted), 1);
  EXPECT_EQ(writer->write_ahead(intent, /*allow_spill=*/true, 300ms), StoreWriter::Durability::Spill);
  // Spill means on disk, whatever becomes of the batch that waits.
  const std::vector<std::string> lines = lines_of(spill_file());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_EQ(lines[0], to_spill_line(intent));
  EXPECT_NE(log.text().find("spilling to " + spill_file().string() +
                            " (the database did not commit an order's intent within 300 ms)"),
            std::string::npos)
      << log.text();
  EXPECT_EQ(writer->write_ahead(order_group(make_order(2, OrderStatus::Submitted), 1), /*allow_spill=*/false, 300ms),
            StoreWriter::Durability::None);

  holding.abort();
  ASSERT_TRUE(writer->flush(kWait)) << log.text();
  EXPECT_EQ(query("SELECT string_agg(client_order_id, ',' ORDER BY client_order_id) FROM orders"), "wbot-1,wbot-2");
  EXPECT_EQ(count("order_events"), 2);
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
  EXPECT_EQ(writer->stats().groups_rejected, 0u);
}

TEST_F(StoreWriterTest, ALostConnectionIsNoticedAndEverythingIsWrittenInOrderOnceBack) {
  CapturedLog log;
  auto writer = connected_writer(/*buffer_rows=*/10);
  const Order submitted = make_order(1, OrderStatus::Submitted);
  writer->push(order_group(submitted, 1));
  ASSERT_TRUE(writer->flush(kWait));

  server_away();
  cut_writer_connection();
  // The next write finds the connection gone; the writer says so and keeps the group.
  writer->push(order_group(make_order(1, OrderStatus::Accepted), 2));
  ASSERT_TRUE(eventually([&] { return !writer->database_up(); })) << log.text();
  EXPECT_NE(log.text().find("lost the database"), std::string::npos) << log.text();
  // More than the buffer holds: the rest spills.
  writer->push(fill_group(make_order(1, OrderStatus::Filled, "0.1"), "t-1", 1));
  for (int seq = 2; seq <= 6; ++seq) writer->push(order_group(make_order(seq, OrderStatus::Submitted), 1));
  writer->push(order_group(make_order(1, OrderStatus::Filled, "0.1"), 3));
  EXPECT_TRUE(writer->stats().spilling);
  EXPECT_FALSE(writer->flush(300ms));

  server_up();
  ASSERT_TRUE(writer->flush(kWait)) << log.text();
  EXPECT_NE(log.text().find("database back"), std::string::npos) << log.text();
  EXPECT_EQ(count("orders"), 6);
  EXPECT_EQ(query("SELECT string_agg(status, ',' ORDER BY version) FROM order_events WHERE client_order_id = "
                  "'wbot-1'"),
            "submitted,accepted,filled");
  EXPECT_EQ(query("SELECT status FROM orders WHERE client_order_id = 'wbot-1'"), "filled");
  EXPECT_EQ(count("fills"), 1);
  EXPECT_EQ(query("SELECT fill_count FROM positions"), "1");
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
  EXPECT_FALSE(std::filesystem::exists(rejected_file())) << text_of(rejected_file());
  EXPECT_EQ(writer->stats().groups_rejected, 0u);
}

TEST_F(StoreWriterTest, ASpillFileLeftByAnEarlierRunIsWrittenFirstAndItsTornLastLineDropped) {
  CapturedLog log;
  std::filesystem::create_directories(spill_file().parent_path());
  const std::string torn = to_spill_line(order_group(make_order(3, OrderStatus::Submitted), 1));
  {
    std::ofstream out(spill_file(), std::ios::binary);
    out << to_spill_line(order_group(make_order(1, OrderStatus::Submitted), 1)) << '\n'
        << to_spill_line(order_group(make_order(2, OrderStatus::Submitted), 1)) << '\n'
        << torn.substr(0, torn.size() / 2);  // the crash came while this line was written
  }
  auto writer = connected_writer();
  // What this run pushes comes after what the earlier run left.
  writer->push(order_group(make_order(1, OrderStatus::Accepted), 2));
  ASSERT_TRUE(writer->flush(kWait)) << log.text();

  EXPECT_EQ(query("SELECT string_agg(client_order_id || ' ' || status, ',' ORDER BY client_order_id) FROM orders"),
            "wbot-1 accepted,wbot-2 submitted");
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
  const std::string text = log.text();
  EXPECT_NE(text.find("holds events an earlier run could not write"), std::string::npos) << text;
  EXPECT_NE(text.find("[warning] store: dropping a torn last line"), std::string::npos) << text;
  EXPECT_FALSE(std::filesystem::exists(rejected_file())) << "a torn line is dropped, not rejected";
}

TEST_F(StoreWriterTest, StoppedDuringAnOutageItLeavesWhatIsNotWrittenToTheNextStart) {
  CapturedLog log;
  auto writer = writer_without_server();
  writer->push(order_group(make_order(1, OrderStatus::Submitted), 1));
  writer->push(order_group(make_order(2, OrderStatus::Submitted), 1));
  writer.reset();  // gives the server 10 s to come back, then stops
  EXPECT_EQ(lines_of(spill_file()).size(), 2u);
  EXPECT_NE(log.text().find("[error] store: stopped before the database had everything: " + spill_file().string() +
                            " holds the rest (2 groups moved there from memory now)"),
            std::string::npos)
      << log.text();

  server_up();
  auto next = connected_writer();
  ASSERT_TRUE(next->flush(kWait)) << log.text();
  EXPECT_EQ(query("SELECT string_agg(client_order_id, ',' ORDER BY client_order_id) FROM orders"), "wbot-1,wbot-2");
  EXPECT_FALSE(std::filesystem::exists(spill_file()));
}

TEST_F(StoreWriterTest, AGroupTheServerRefusesGoesToTheRejectedFileAndTheRestOfItsBatchIsWritten) {
  CapturedLog log;
  auto writer = writer_without_server();
  // Three groups that will be one batch when the server is back; the middle one is a fill of an
  // order the database does not have (a foreign key violation).
  writer->push(order_group(make_order(1, OrderStatus::Submitted), 1));
  const RowGroup orphan = fill_group(make_order(99, OrderStatus::Filled, "0.1"), "t-orphan", 1);
  writer->push(orphan);
  writer->push(order_group(make_order(2, OrderStatus::Submitted), 1));

  server_up();
  ASSERT_TRUE(writer->flush(kWait)) << log.text();
  EXPECT_EQ(query("SELECT string_agg(client_order_id, ',' ORDER BY client_order_id) FROM orders"), "wbot-1,wbot-2");
  EXPECT_EQ(count("fills"), 0);
  EXPECT_EQ(count("positions"), 0);  // the refused group is all or nothing

  const std::vector<std::string> rejected = lines_of(rejected_file());
  ASSERT_EQ(rejected.size(), 2u) << text_of(rejected_file());
  EXPECT_EQ(rejected[0].rfind("# ", 0), 0u);
  EXPECT_NE(rejected[0].find("foreign key"), std::string::npos) << rejected[0];
  EXPECT_EQ(rejected[1], to_spill_line(orphan));
  EXPECT_EQ(writer->stats().groups_rejected, 1u);
  const std::string text = log.text();
  EXPECT_NE(text.find("[error] store: the database refused 2 rows"), std::string::npos) << text;
  EXPECT_NE(text.find("kept in " + rejected_file().string()), std::string::npos) << text;
}

}  // namespace
}  // namespace smoops::store
