// The simulated exchange's own durable record (its journal under the session's state folder): what
// it writes and when, and what a new exchange on the same folder (a restarted daemon) restores.

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <iterator>
#include <map>
#include <optional>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest-spi.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "sim_exchange.hpp"
#include "support/temp_dir.hpp"
#include "support/venue_record.hpp"
#include "unit/sim_test_helpers.hpp"

namespace smoops::sim {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::json;

// Keeps the warnings a plugin logs.
class CapturedLog : public Logger {
 public:
  void log(LogLevel level, std::string_view message) override {
    if (level == LogLevel::Warn) warnings.emplace_back(message);
  }
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> warnings;
};

ExchangeSession session_for(ExchangeEvents& events, Logger& log, const fs::path& state_dir,
                            const char* initial_cash = "10000") {
  ExchangeSession session;
  session.events = &events;
  session.log = &log;
  session.instrument = btc_usdt();
  session.initial_cash = Money::parse_or_throw(initial_cash);
  session.state_dir = state_dir.string();
  return session;
}

// One life of the venue on a state folder: what one daemon process sees until it stops.
template <class Events = RecordedEvents>
struct Venue {
  explicit Venue(const fs::path& state_dir, SimConfig sim_config = config(), const char* initial_cash = "10000")
      : exchange(sim_config) {
    exchange.connect(session_for(events, log, state_dir, initial_cash));
  }
  void submit(const OrderSpec& spec) { exchange.submit(order(spec)); }

  Events events;
  CapturedLog log;
  SimExchange exchange;
};

fs::path journal_file(const fs::path& state_dir) { return state_dir / kJournalFileName; }

std::string read_text(const fs::path& file) {
  std::ifstream in(file, std::ios::binary);
  return {std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
}

// The journal as a reader outside the exchange sees it: one JSON object per line.
std::vector<Json> journal(const fs::path& state_dir) {
  std::istringstream in(read_text(journal_file(state_dir)));
  std::vector<Json> records;
  for (std::string line; std::getline(in, line);) records.push_back(Json::parse(line));
  return records;
}

std::vector<std::string> record_types(const fs::path& state_dir) {
  std::vector<std::string> types;
  for (const Json& record : journal(state_dir)) types.push_back(record.at("type"));
  return types;
}

// What connect() of a new exchange on `state_dir` throws, or "" when it connects.
std::string connect_error(const fs::path& state_dir) {
  RecordedEvents events;
  CapturedLog log;
  SimExchange exchange(config());
  try {
    exchange.connect(session_for(events, log, state_dir));
  } catch (const std::runtime_error& error) {
    return error.what();
  }
  return {};
}

std::string describe(const std::vector<Balance>& balances) {
  std::string text;
  for (const Balance& balance : balances)
    text += balance.asset + " " + balance.total.to_string() + " (" + balance.available.to_string() + ") ";
  return text;
}

std::vector<std::string> ids_of(const std::vector<Order>& orders) {
  std::vector<std::string> ids;
  for (const Order& order : orders) ids.push_back(order.client_order_id + "/" + order.exchange_order_id);
  return ids;
}

// On every event, notes which record the journal ended with at that moment.
class JournalWatchingEvents : public RecordedEvents {
 public:
  void on_order_update(const OrderUpdate& update) override {
    RecordedEvents::on_order_update(update);
    note_last_record();
  }
  void on_fill(const Fill& fill) override {
    RecordedEvents::on_fill(fill);
    note_last_record();
  }
  void note_last_record() {
    const Json last = journal(state_dir).back();
    last_records.push_back(last.value("type", "") + " " + last.value("client_order_id", "") + " " +
                           last.value("trade_id", last.value("status", "")));
  }

  fs::path state_dir;
  std::vector<std::string> last_records;
};

TEST(SimJournal, RecordsEachEventDurablyBeforeReportingIt) {
  test::TempDir dir;
  JournalWatchingEvents events;
  events.state_dir = dir.path();
  CapturedLog log;
  SimExchange exchange(config());
  exchange.connect(session_for(events, log, dir.path()));
  exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
  exchange.submit(order({.id = "b1"}));
  exchange.submit(order({.id = "l1", .type = OrderType::Limit, .limit = "90"}));
  exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
  exchange.cancel(order({.id = "l1"}));
  EXPECT_EQ(events.take_lines(), (Lines{"b1 accepted", "l1 accepted", "b1 fill buy 1 @ 100 fee 0 taker",
                                        "l1 canceled (canceled on request)"}));
  EXPECT_EQ(events.last_records,
            (Lines{"order b1 accepted", "order l1 accepted", "fill b1 sim-t1", "status l1 canceled"}));
}

// The journal is the exchange's own record, in the format docs/sim-exchange.md documents: what an
// end-to-end test compares the bot's database with.
TEST(SimJournal, IsOneJsonObjectPerLineInTheDocumentedFormat) {
  test::TempDir dir;
  {
    Venue venue(dir.path(), config("0.001"), "1000");
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .quantity = "2"});
    venue.exchange.on_market_bar(bar(1, "100", "101", "99", "100.5"));
    venue.submit({.id = "l1", .side = Side::Sell, .type = OrderType::Limit, .quantity = "0.5", .limit = "120"});
    venue.exchange.cancel(order({.id = "l1"}));
  }
  EXPECT_EQ(record_types(dir.path()), (Lines{"account", "order", "bar", "fill", "order", "status"}));
  const std::vector<Json> records = journal(dir.path());
  EXPECT_EQ(records[0], Json::parse(R"({"type":"account","symbol":"BTC/USDT","base_asset":"BTC",
                                        "quote_asset":"USDT","initial_cash":"1000"})"));
  EXPECT_EQ(records[1], Json::parse(R"({"type":"order","ts":0,"client_order_id":"b1","exchange_order_id":"sim-o1",
      "symbol":"BTC/USDT","side":"buy","order_type":"market","time_in_force":"gtc","quantity":"2",
      "limit_price":"0","stop_price":"0","status":"accepted","reason":"","created_ts":0,"tag":""})"));
  EXPECT_EQ(records[2], Json::parse(R"({"type":"bar","ts":60000000000,"close":"100.5"})"));
  // 1000 − 200 − 0.2 fee = 799.8
  EXPECT_EQ(records[3], Json::parse(R"({"type":"fill","ts":60000000000,"client_order_id":"b1","trade_id":"sim-t1",
      "side":"buy","price":"100","quantity":"2","fee":"0.2","liquidity":"taker","quote_balance":"799.8",
      "base_balance":"2"})"));
  EXPECT_EQ(records[5], Json::parse(R"({"type":"status","ts":60000000000,"client_order_id":"l1",
      "exchange_order_id":"sim-o2","status":"canceled","reason":"canceled on request"})"));
}

TEST(SimJournal, ARestartRestoresWorkingOrdersBalancesAndCountersWithoutRepeatingIds) {
  test::TempDir dir;
  std::string balances_before;
  {
    Venue venue(dir.path(), config("0.001"));
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .quantity = "2"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    venue.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
    venue.submit({.id = "s1", .side = Side::Sell, .type = OrderType::StopMarket, .stop = "95"});
    venue.exchange.on_market_bar(bar(2, "100", "101", "99", "100"));
    balances_before = describe(venue.exchange.balances());
  }
  // The bot's configured cash only opens a new account; this one exists.
  Venue venue(dir.path(), config("0.001"), "5");
  EXPECT_EQ(ids_of(venue.exchange.open_orders()), (Lines{"l1/sim-o2", "s1/sim-o3"}));
  EXPECT_EQ(describe(venue.exchange.balances()), balances_before);
  EXPECT_EQ(balances_before, "USDT 9799.8 (9709.8) BTC 2 (1) ");
  venue.submit({.id = "b2"});
  EXPECT_EQ(venue.events.updates.back().exchange_order_id, "sim-o4");
  venue.exchange.on_market_bar(bar(3, "100", "100", "100", "100"));
  ASSERT_EQ(venue.events.fills.size(), 1u);
  EXPECT_EQ(venue.events.fills[0].trade_id, "sim-t2");
}

TEST(SimJournal, ARestartKeepsAnOrderThatMetTheBookRestingThere) {
  test::TempDir dir;
  {
    Venue venue(dir.path(), config("0.002", "0.001"));
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "s1", .side = Side::Sell, .type = OrderType::Limit, .limit = "105"});
    venue.exchange.on_market_bar(bar(1, "100", "104", "99", "103"));
  }
  Venue venue(dir.path(), config("0.002", "0.001"));
  // A resting order that the open gaps through is the maker; one arriving there would take.
  venue.exchange.on_market_bar(bar(2, "106", "107", "105.5", "106"));
  EXPECT_EQ(venue.events.take_lines(), Lines{"s1 fill sell 1 @ 106 fee 0.106 maker"});
}

TEST(SimJournal, ARestartKeepsAStopThatTriggeredTriggered) {
  test::TempDir dir;
  {
    Venue venue(dir.path());
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .type = OrderType::StopLimit, .limit = "103", .stop = "105"});
    venue.exchange.on_market_bar(bar(1, "104", "107", "104", "106"));
    EXPECT_EQ(venue.events.take_lines(), (Lines{"b1 accepted", "b1 triggered"}));
  }
  Venue venue(dir.path());
  // Below the stop again: only a triggered stop-limit rests as a limit order and fills.
  venue.exchange.on_market_bar(bar(2, "102", "104", "101", "103"));
  EXPECT_EQ(venue.events.take_lines(), Lines{"b1 fill buy 1 @ 102 fee 0 maker"});
}

// The answers the host reconciles with after a restart, checked before and after one.
void expect_venue_answers(SimExchange& exchange) {
  const std::optional<Order> filled = exchange.query_order("b1");
  ASSERT_TRUE(filled.has_value());
  EXPECT_EQ(filled->status, OrderStatus::Filled);
  EXPECT_EQ(filled->exchange_order_id, "sim-o1");
  EXPECT_EQ(filled->filled_quantity, Quantity::from_units(3));
  EXPECT_EQ(filled->filled_notional, Money::from_units(2 * 100 + 101));
  const std::vector<Fill> fills = exchange.order_fills("b1");
  ASSERT_EQ(fills.size(), 2u);
  EXPECT_EQ(fills[0].trade_id, "sim-t1");
  EXPECT_EQ(fills[0].quantity, Quantity::from_units(2));
  EXPECT_EQ(fills[0].price, Price::from_units(100));
  EXPECT_EQ(fills[1].trade_id, "sim-t2");
  EXPECT_EQ(fills[1].quantity, Quantity::from_units(1));
  EXPECT_EQ(fills[1].ts, Timestamp::from_millis(2 * 60'000));

  const std::optional<Order> canceled = exchange.query_order("l1");
  ASSERT_TRUE(canceled.has_value());
  EXPECT_EQ(canceled->status, OrderStatus::Canceled);
  EXPECT_EQ(canceled->reason, "canceled on request");
  EXPECT_TRUE(exchange.order_fills("l1").empty());

  const std::optional<Order> rejected = exchange.query_order("x1");
  ASSERT_TRUE(rejected.has_value());
  EXPECT_EQ(rejected->status, OrderStatus::Rejected);
  EXPECT_EQ(rejected->reason, "quantity must be positive, got 0");
  EXPECT_EQ(rejected->exchange_order_id, "");

  const std::optional<Order> working = exchange.query_order("w1");
  ASSERT_TRUE(working.has_value());
  EXPECT_EQ(working->status, OrderStatus::Accepted);
  EXPECT_EQ(working->exchange_order_id, "sim-o3");
  EXPECT_EQ(working->limit_price, Price::from_units(80));
  EXPECT_TRUE(working->filled_quantity.is_zero());

  EXPECT_FALSE(exchange.query_order("never-sent").has_value());
  EXPECT_TRUE(exchange.order_fills("never-sent").empty());
}

TEST(SimJournal, AnswersQueriesAboutWorkingEndedAndUnknownOrdersFromItsRecord) {
  test::TempDir dir;
  SimConfig capped = config();
  capped.max_volume_share = Ratio::parse_or_throw("0.1");
  {
    Venue venue(dir.path(), capped);
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .quantity = "3"});
    venue.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
    venue.submit({.id = "x1", .quantity = "0"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100", "20"));
    venue.exchange.on_market_bar(bar(2, "101", "101", "101", "101", "20"));
    venue.exchange.cancel(order({.id = "l1"}));
    venue.submit({.id = "w1", .type = OrderType::Limit, .limit = "80"});
    expect_venue_answers(venue.exchange);
  }
  Venue venue(dir.path(), capped);
  expect_venue_answers(venue.exchange);
  // An id the venue has seen names that order for good: sending it again trades nothing.
  venue.submit({.id = "b1"});
  EXPECT_EQ(venue.events.take_lines(), Lines{"b1 rejected (duplicate client order id b1)"});
  venue.exchange.on_market_bar(bar(3, "100", "100", "100", "100", "20"));
  EXPECT_TRUE(venue.events.fills.empty());
  EXPECT_EQ(venue.exchange.query_order("b1")->filled_quantity, Quantity::from_units(3));
}

TEST(SimJournal, BarsAtOrBeforeTheLastMatchedOneAreNotMatchedAgainAfterARestart) {
  test::TempDir dir;
  {
    Venue venue(dir.path());
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1"});
    venue.submit({.id = "l1", .type = OrderType::Limit, .limit = "95"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    EXPECT_EQ(venue.events.fills.size(), 1u);
  }
  Venue venue(dir.path());
  // Replayed bars (made to reach l1's limit, so that matching them would show).
  venue.exchange.on_market_bar(bar(0, "94", "94", "94", "94"));
  venue.exchange.on_market_bar(bar(1, "94", "94", "94", "94"));
  EXPECT_TRUE(venue.events.take_lines().empty());
  EXPECT_EQ(ids_of(venue.exchange.open_orders()), Lines{"l1/sim-o2"});
  venue.exchange.on_market_bar(bar(2, "96", "97", "94", "95"));
  EXPECT_EQ(venue.events.take_lines(), Lines{"l1 fill buy 1 @ 95 fee 0 maker"});
}

// Stands for the daemon being killed while it handles the first fill of a bar.
class DyingOnFill : public RecordedEvents {
 public:
  void on_fill(const Fill& fill) override {
    RecordedEvents::on_fill(fill);
    throw std::runtime_error("killed");
  }
};

TEST(SimJournal, ACrashInTheMiddleOfABarEndsThatBarForTheVenue) {
  test::TempDir dir;
  {
    Venue<DyingOnFill> venue(dir.path());
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1"});
    venue.submit({.id = "i1", .time_in_force = TimeInForce::IOC});
    EXPECT_THROW(venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100")), std::runtime_error);
  }
  Venue venue(dir.path());
  EXPECT_EQ(venue.exchange.query_order("b1")->status, OrderStatus::Filled);
  // i1 had its bar; it never gets a second one.
  venue.exchange.on_market_bar(bar(2, "101", "101", "101", "101"));
  EXPECT_EQ(venue.events.take_lines(), Lines{"i1 expired (immediate-or-cancel: the unfilled remainder expired)"});
  EXPECT_TRUE(venue.exchange.order_fills("i1").empty());
}

TEST(SimJournal, IgnoresATornLastLineWithAWarningAndAppendsAfterTheLastCompleteOne) {
  test::TempDir dir;
  {
    Venue venue(dir.path());
    venue.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
  }
  // The daemon died while writing the cancel: the venue never canceled.
  std::ofstream(journal_file(dir.path()), std::ios::app) << R"({"type":"status","ts":0,"client_order_id":"l1",)";
  {
    Venue venue(dir.path());
    ASSERT_EQ(venue.log.warnings.size(), 1u);
    EXPECT_NE(venue.log.warnings[0].find(journal_file(dir.path()).string() + ":3: ignoring a torn last line"),
              std::string::npos)
        << venue.log.warnings[0];
    EXPECT_EQ(ids_of(venue.exchange.open_orders()), Lines{"l1/sim-o1"});
    venue.exchange.cancel(order({.id = "l1"}));
  }
  EXPECT_EQ(record_types(dir.path()), (Lines{"account", "order", "status"}));
  Venue venue(dir.path());
  EXPECT_TRUE(venue.log.warnings.empty());
  EXPECT_EQ(venue.exchange.query_order("l1")->status, OrderStatus::Canceled);
}

TEST(SimJournal, RefusesACorruptLineBeforeTheEndNamingFileAndLine) {
  test::TempDir dir;
  {
    Venue venue(dir.path());
    venue.submit({.id = "l1", .type = OrderType::Limit, .limit = "90"});
  }
  const std::string file = journal_file(dir.path()).string();
  const std::string good = read_text(file);
  const std::string account_line = good.substr(0, good.find('\n') + 1);

  std::ofstream(file, std::ios::trunc) << account_line << "not json\n" << good.substr(account_line.size());
  EXPECT_EQ(connect_error(dir.path()).rfind("sim exchange: " + file + ":2: not valid JSON", 0), 0u)
      << connect_error(dir.path());

  std::ofstream(file, std::ios::trunc) << good << R"({"type":"status","ts":0,"client_order_id":"x9",)"
                                       << R"("exchange_order_id":"","status":"canceled","reason":""})" << "\n";
  EXPECT_EQ(connect_error(dir.path()), "sim exchange: " + file + ":3: order x9 was never received");

  std::ofstream(file, std::ios::trunc) << good << R"({"type":"bar","ts":0})" << "\n";
  EXPECT_EQ(connect_error(dir.path()), "sim exchange: " + file + ":3: missing field 'close'");

  // A second order line for an id is a duplicate the venue rejected, or damage.
  const std::string order_line = good.substr(account_line.size());
  std::ofstream(file, std::ios::trunc) << good << order_line;
  EXPECT_EQ(connect_error(dir.path()),
            "sim exchange: " + file + ":3: order l1 was received again and not rejected as a duplicate");
}

TEST(SimJournal, RefusesTheAccountOfAnotherInstrument) {
  test::TempDir dir;
  dir.write(kJournalFileName, R"({"type":"account","symbol":"ETH/USDT","base_asset":"ETH","quote_asset":"USDT",)"
                              R"("initial_cash":"100"})"
                              "\n");
  EXPECT_EQ(connect_error(dir.path()),
            "sim exchange: " + journal_file(dir.path()).string() +
                ":1: this is the account of ETH/USDT, in ETH and USDT, but the bot trades BTC/USDT, in BTC and "
                "USDT; move the file away to open a new account");
}

TEST(SimJournal, WithoutAStateFolderWritesNothing) {
  test::TempDir dir;
  const fs::path previous = fs::current_path();
  fs::current_path(dir.path());
  {
    Venue venue(fs::path{});
    venue.submit({.id = "b1"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    venue.submit({.id = "b2"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    // Without a record the same bar time matches again, as it always has.
    EXPECT_EQ(venue.events.fills.size(), 2u);
    EXPECT_FALSE(venue.exchange.query_order("b1").has_value());  // ended orders are not kept
  }
  fs::current_path(previous);
  EXPECT_TRUE(fs::is_empty(dir.path()));
}

// With a state folder the venue remembers every order it received, so a client order id is never
// accepted twice, even after the first order ended and across a restart; each duplicate submit is
// in its record, and reading the record back changes nothing.
TEST(SimJournal, RejectsAClientOrderIdItReceivedBeforeEvenAfterARestart) {
  test::TempDir dir;
  {
    Venue<> venue(dir.path());
    venue.submit({.id = "b1"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .quantity = "5"});
    EXPECT_EQ(venue.exchange.query_order("b1")->quantity, Quantity::from_units(1));
  }
  {
    Venue<> restarted(dir.path());
    restarted.submit({.id = "b1", .quantity = "5"});
    restarted.exchange.on_market_bar(bar(2, "100", "100", "100", "100"));
    EXPECT_TRUE(restarted.events.fills.empty());
    EXPECT_EQ(restarted.exchange.query_order("b1")->status, OrderStatus::Filled);
  }
  EXPECT_EQ(record_types(dir.path()), (Lines{"account", "order", "bar", "fill", "order", "order"}));
  Venue<> again(dir.path());
  EXPECT_EQ(again.exchange.query_order("b1")->status, OrderStatus::Filled);
  EXPECT_EQ(again.exchange.query_order("b1")->quantity, Quantity::from_units(1));
  EXPECT_EQ(again.exchange.order_fills("b1").size(), 1u);
  EXPECT_TRUE(again.exchange.open_orders().empty());
  again.submit({.id = "b2"});
  EXPECT_EQ(again.events.updates.back().exchange_order_id, "sim-o2");  // a duplicate takes no id
}

// The venue's record holds every submit it received, a second one of the same id included: the
// end-to-end tests' "each order received once" check (support/venue_record.hpp) reads it, and
// fails where a host sent an order twice.
TEST(SimJournal, RecordsASecondSubmitOfAnIdSoAReaderCountsTheDoubleSend) {
  test::TempDir dir;
  {
    Venue venue(dir.path());
    venue.exchange.on_market_bar(bar(0, "100", "100", "100", "100"));
    venue.submit({.id = "b1"});
    venue.submit({.id = "b2"});
    venue.exchange.on_market_bar(bar(1, "100", "100", "100", "100"));
    venue.submit({.id = "b1", .quantity = "3"});  // sent again after it filled
    EXPECT_EQ(venue.events.take_lines().back(), "b1 rejected (duplicate client order id b1)");
  }
  EXPECT_EQ(journal(dir.path()).back(), Json::parse(R"({"type":"order","ts":60000000000,"client_order_id":"b1",
      "exchange_order_id":"","symbol":"BTC/USDT","side":"buy","order_type":"market","time_in_force":"gtc",
      "quantity":"3","limit_price":"0","stop_price":"0","status":"rejected",
      "reason":"duplicate client order id b1","created_ts":0,"tag":""})"));

  const test::VenueRecord venue = test::read_venue(journal_file(dir.path()));
  EXPECT_EQ(venue.orders_received, (std::map<std::string, int>{{"b1", 2}, {"b2", 1}}));
  EXPECT_EQ(venue.final_status.at("b1"), "filled");  // the duplicate changed nothing
  EXPECT_EQ(venue.quantity.at("b1"), 100'000'000);
  EXPECT_EQ(venue.fills.size(), 2u);
  EXPECT_NONFATAL_FAILURE(test::expect_each_order_received_once(venue), "the exchange received order b1 2 times");
}

}  // namespace
}  // namespace smoops::sim
