// The bot's loop, driven directly with a scripted strategy and the SDK kit's ScriptedExchange: order
// ids, denials, event delivery without re-entrancy, guards against bad exchange reports, halting
// (plugin faults, daily loss, kill switch), timers and the open-order list, events from other
// threads, and warm-up.

#include <gtest/gtest.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "smoops/testing/scripted_exchange.hpp"

namespace smoops::engine {
namespace {

Price px(const char* text) { return Price::parse_or_throw(text); }
Quantity qty(const char* text) { return Quantity::parse_or_throw(text); }
Money money(const char* text) { return Money::parse_or_throw(text); }

constexpr std::int64_t kHourMs = 3'600'000;
constexpr std::int64_t kDayMs = 24 * kHourMs;
// 2024-01-01T00:00:00Z: the start of a UTC day.
constexpr std::int64_t kDay0Ms = 1'704'067'200'000;

Bar bar_at(std::int64_t ts_ms, const char* close) {
  Bar b;
  b.ts = Timestamp::from_millis(ts_ms);
  b.open = b.high = b.low = b.close = px(close);
  b.volume = qty("1");
  return b;
}

OrderRequest market(Side side, const char* quantity) {
  OrderRequest r;
  r.side = side;
  r.type = OrderType::Market;
  r.quantity = qty(quantity);
  return r;
}

OrderRequest limit(Side side, const char* quantity, const char* price) {
  OrderRequest r = market(side, quantity);
  r.type = OrderType::Limit;
  r.limit_price = px(price);
  return r;
}

// A strategy whose reactions the test sets; it writes down every event it sees, in order, and
// notices if the engine ever calls it while one of its callbacks is still running.
class ScriptedStrategy final : public Strategy {
 public:
  std::function<void(Context&)> start;
  std::function<void(Context&, const Bar&)> bar;
  std::function<void(Context&, const Fill&)> fill;
  std::function<void(Context&, TimerId)> timer;
  std::vector<std::string> events;
  bool reentered = false;
  std::set<std::thread::id> threads;  // every thread a callback ran on

  void on_start(Context& ctx) override {
    Guard guard(*this);
    if (start) start(ctx);
  }
  void on_bar(Context& ctx, const Bar& b) override {
    Guard guard(*this);
    events.push_back("bar " + b.close.to_string());
    if (bar) bar(ctx, b);
  }
  void on_order_update(Context&, const Order& order) override {
    Guard guard(*this);
    events.push_back("update " + order.client_order_id + " " + std::string(to_string(order.status)));
  }
  void on_fill(Context& ctx, const Fill& f, const Order& order) override {
    Guard guard(*this);
    events.push_back("fill " + f.trade_id + " " + f.quantity.to_string() + "@" + f.price.to_string() + " of " +
                     order.client_order_id);
    if (fill) fill(ctx, f);
  }
  void on_timer(Context& ctx, TimerId id, Timestamp at) override {
    Guard guard(*this);
    events.push_back("timer " + std::to_string(id) + " at " + std::to_string(at.millis()) + " now " +
                     std::to_string(ctx.now().millis()));
    if (timer) timer(ctx, id);
  }

  std::size_t count(std::string_view prefix) const {
    std::size_t n = 0;
    for (const auto& e : events) n += e.starts_with(prefix) ? 1 : 0;
    return n;
  }

 private:
  struct Guard {
    explicit Guard(ScriptedStrategy& s) : self(s) {
      self.threads.insert(std::this_thread::get_id());
      if (self.inside_) self.reentered = true;
      self.inside_ = true;
    }
    ~Guard() { self.inside_ = false; }
    ScriptedStrategy& self;
  };
  bool inside_ = false;
};

using testing::ScriptedExchange;  // by default it acknowledges every order and confirms every cancel, at once

void report(ExchangeEvents& events, const std::string& id, OrderStatus status) {
  ScriptedExchange::report(events, id, status);
}

Fill fill_of(const std::string& id, const std::string& trade_id, Side side, const char* price, const char* quantity,
             const char* fee = "0") {
  Fill f;
  f.client_order_id = id;
  f.trade_id = trade_id;
  f.side = side;
  f.price = px(price);
  f.quantity = qty(quantity);
  f.fee = money(fee);
  return f;
}

void fill(ExchangeEvents& events, const std::string& id, const std::string& trade_id, Side side, const char* price,
          const char* quantity, const char* fee = "0") {
  events.on_fill(fill_of(id, trade_id, side, price, quantity, fee));
}

class BotTest : public ::testing::Test {
 protected:
  BotTest() {
    auto sink = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_text);
    spdlog_logger = std::make_shared<spdlog::logger>("bot-test", sink);
    spdlog_logger->set_level(spdlog::level::trace);
    logger = std::make_unique<BotLogger>("t", spdlog_logger);
  }

  // Builds and starts the bot with the current risk limits.
  Bot& start_bot() { return start_bot_with(strategy); }
  Bot& start_bot_restored(const RecoveredState& books) { return start_bot_with(strategy, &books); }
  Bot& start_bot_with(Strategy& bot_strategy, const RecoveredState* books = nullptr) {
    BotParts parts;
    parts.name = "t";
    parts.instrument.symbol = "BTC/USDT";
    parts.instrument.base_asset = "BTC";
    parts.instrument.quote_asset = "USDT";
    parts.instrument.tick_size = px("0.01");
    parts.instrument.lot_size = qty("0.001");
    parts.risk = risk;
    parts.initial_cash = money("10000");
    parts.strategy_params = &params;
    parts.strategy = &bot_strategy;
    parts.exchange = &exchange;
    parts.clock = &clock;
    parts.logger = logger.get();
    parts.observer = observer_for_next_bot;
    bot = std::make_unique<Bot>(std::move(parts));
    if (books) bot->restore(*books);
    bot->start();
    return *bot;
  }

  std::vector<std::string> open_order_ids() const {
    std::vector<std::string> ids;
    for (const Order* o : bot->open_orders()) ids.push_back(o->client_order_id);
    return ids;
  }

  bool logged(const std::string& text) const { return log_text.str().find(text) != std::string::npos; }

  std::ostringstream log_text;
  std::shared_ptr<spdlog::logger> spdlog_logger;
  std::unique_ptr<BotLogger> logger;
  Params params = Params::map({}, "strategy.params");
  config::RiskLimits risk;
  ScriptedStrategy strategy;
  ScriptedExchange exchange;
  SimulatedClock clock;
  BotObserver* observer_for_next_bot = nullptr;
  std::unique_ptr<Bot> bot;  // last: destroyed before the parts it points to
};

TEST_F(BotTest, ClientOrderIdsAreTheBotNameAndASequence) {
  std::vector<SubmitResult> results;
  strategy.bar = [&](Context& ctx, const Bar&) {
    results.push_back(ctx.submit(market(Side::Buy, "0.01")));
    results.push_back(ctx.submit(market(Side::Buy, "0")));  // denied, but still numbered
    results.push_back(ctx.submit(market(Side::Buy, "0.01")));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].client_order_id, "t-1");
  EXPECT_EQ(results[1].client_order_id, "t-2");
  EXPECT_EQ(results[2].client_order_id, "t-3");
  EXPECT_TRUE(results[0].accepted);
  EXPECT_FALSE(results[1].accepted);
  EXPECT_TRUE(results[2].accepted);
  EXPECT_EQ(exchange.submitted_ids(), (std::vector<std::string>{"t-1", "t-3"}));
}

TEST_F(BotTest, ADeniedOrderReturnsTheReasonAndNeverReachesTheExchange) {
  SubmitResult result;
  strategy.bar = [&](Context& ctx, const Bar&) { result = ctx.submit(market(Side::Buy, "0")); };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.reason, "quantity must be positive, got 0");
  EXPECT_TRUE(exchange.submitted.empty());
  const Order* order = b.order("t-1");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->status, OrderStatus::Denied);
  EXPECT_EQ(order->reason, "quantity must be positive, got 0");
  EXPECT_TRUE(b.open_orders().empty());
}

TEST_F(BotTest, ExchangeEventsRaisedInsideSubmitReachTheStrategyAfterItsCallbackReturns) {
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "1", "0.1");
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    const SubmitResult r = ctx.submit(market(Side::Buy, "1"));
    strategy.events.push_back("submit returned, order " + std::string(to_string(ctx.order(r.client_order_id)->status)) +
                              ", position " + ctx.position().quantity.to_string());
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_EQ(strategy.events, (std::vector<std::string>{
                                 "bar 100",
                                 "submit returned, order submitted, position 0",
                                 "update t-1 accepted",
                                 "fill x1 1@100 of t-1",
                                 "update t-1 filled",
                             }));
  EXPECT_FALSE(strategy.reentered);
  // cash 10000 − 100 − 0.1 = 9899.9
  EXPECT_EQ(b.position().quantity, qty("1"));
  EXPECT_EQ(b.cash(), money("9899.9"));
}

TEST_F(BotTest, AFillWithADuplicateTradeIdIsBookedOnce) {
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (strategy.count("bar") == 1) ctx.submit(limit(Side::Buy, "1", "100"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "101"));
  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    fill(events, "t-1", "x1", Side::Buy, "100", "0.4");
    fill(events, "t-1", "x1", Side::Buy, "100", "0.4");
  };
  b.process_bar(bar_at(kDay0Ms + 60'000, "100"));
  const Order* order = b.order("t-1");
  ASSERT_NE(order, nullptr);
  EXPECT_EQ(order->filled_quantity, qty("0.4"));
  EXPECT_EQ(order->status, OrderStatus::PartiallyFilled);
  EXPECT_EQ(b.position().quantity, qty("0.4"));
  EXPECT_EQ(b.cash(), money("9960"));  // 10000 − 0.4 × 100
  EXPECT_EQ(strategy.count("fill"), 1u);
  EXPECT_TRUE(logged("fill x1 already booked"));
}

TEST_F(BotTest, AFillLargerThanTheRemainingQuantityIsIgnored) {
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (strategy.count("bar") == 1) ctx.submit(limit(Side::Buy, "1", "100"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "101"));
  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    fill(events, "t-1", "x1", Side::Buy, "100", "1.5");
  };
  b.process_bar(bar_at(kDay0Ms + 60'000, "100"));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Accepted);
  EXPECT_TRUE(b.order("t-1")->filled_quantity.is_zero());
  EXPECT_TRUE(b.position().quantity.is_zero());
  EXPECT_EQ(b.cash(), money("10000"));
  EXPECT_EQ(strategy.count("fill"), 0u);
  // A fill of the right size still books.
  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    fill(events, "t-1", "x2", Side::Buy, "100", "1");
  };
  b.process_bar(bar_at(kDay0Ms + 120'000, "100"));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Filled);
  EXPECT_EQ(b.position().quantity, qty("1"));
}

TEST_F(BotTest, AnAcceptAfterAFillIsIgnoredAndTheOrderStaysFilled) {
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "1");
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (strategy.count("bar") == 1) ctx.submit(market(Side::Buy, "1"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  ASSERT_EQ(b.order("t-1")->status, OrderStatus::Filled);
  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    report(events, "t-1", OrderStatus::Accepted);
  };
  b.process_bar(bar_at(kDay0Ms + 60'000, "100"));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Filled);
  EXPECT_EQ(strategy.count("update t-1 accepted"), 1u);  // only the genuine one, before the fill
  EXPECT_EQ(b.position().quantity, qty("1"));
  EXPECT_TRUE(logged("illegal transition filled -> accepted"));
}

TEST_F(BotTest, AStrategyThatThrowsHaltsTheBotAndSeesNoMoreBars) {
  strategy.start = [](Context& ctx) { ctx.submit(limit(Side::Buy, "1", "99")); };
  strategy.bar = [](Context&, const Bar&) { throw std::runtime_error("boom"); };
  Bot& b = start_bot();
  ASSERT_EQ(b.open_orders().size(), 1u);
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_EQ(b.state(), BotState::Halted);
  EXPECT_TRUE(b.faulted());
  EXPECT_EQ(b.halt_reason(), "strategy threw in on_bar: boom");
  // Halting cancels the working order.
  EXPECT_EQ(exchange.canceled_ids(), (std::vector<std::string>{"t-1"}));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Canceled);
  EXPECT_TRUE(b.open_orders().empty());
  b.process_bar(bar_at(kDay0Ms + 60'000, "101"));
  EXPECT_EQ(strategy.count("bar"), 1u);
}

TEST_F(BotTest, AStrategyThatThrowsInOnFillIsNamedInTheReason) {
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "1");
  };
  strategy.bar = [](Context& ctx, const Bar&) { ctx.submit(market(Side::Buy, "1")); };
  strategy.fill = [](Context&, const Fill&) { throw std::logic_error("bad fill"); };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_EQ(b.state(), BotState::Halted);
  EXPECT_TRUE(b.faulted());
  EXPECT_EQ(b.halt_reason(), "strategy threw in on_fill: bad fill");
  EXPECT_EQ(b.position().quantity, qty("1"));  // the fill itself was booked
}

TEST_F(BotTest, MaxDailyLossHaltsWhenEquityFallsMoreThanTheLimit) {
  risk.max_daily_loss = money("100");
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "10");
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (strategy.count("bar") == 1) ctx.submit(market(Side::Buy, "10"));
  };
  Bot& b = start_bot();
  // Day starts at 10000; after buying 10 @ 100 equity is still 9000 + 1000 = 10000.
  b.process_bar(bar_at(kDay0Ms, "100"));
  // 10 × 90 = 900 → equity 9900, lost exactly 100: not more than the limit.
  b.process_bar(bar_at(kDay0Ms + kHourMs, "90"));
  EXPECT_EQ(b.state(), BotState::Running);
  // 10 × 89.99 = 899.9 → equity 9899.9, lost 100.1 > 100.
  b.process_bar(bar_at(kDay0Ms + 2 * kHourMs, "89.99"));
  EXPECT_EQ(b.state(), BotState::Halted);
  EXPECT_FALSE(b.faulted());
  EXPECT_EQ(b.halt_reason(), "max daily loss reached: lost 100.1 since the UTC day's start, limit 100");
  EXPECT_EQ(strategy.count("bar"), 2u);  // the bar that breached the limit never reached it
  const SubmitResult after = b.submit(market(Side::Sell, "10"));
  EXPECT_FALSE(after.accepted);
}

TEST_F(BotTest, DailyLossCountsFromTheStartOfTheUtcDay) {
  risk.max_daily_loss = money("100");
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "10");
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (strategy.count("bar") == 1) ctx.submit(market(Side::Buy, "10"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));               // equity 10000
  b.process_bar(bar_at(kDay0Ms + 23 * kHourMs, "92"));  // 9920: lost 80 today
  // Next UTC day starts from 9920; at 84 equity is 9840: lost 80 today (160 in all) → running.
  b.process_bar(bar_at(kDay0Ms + kDayMs, "84"));
  EXPECT_EQ(b.state(), BotState::Running);
  // At 81.99 equity is 9819.9: lost 100.1 since 9920 → halted.
  b.process_bar(bar_at(kDay0Ms + kDayMs + kHourMs, "81.99"));
  EXPECT_EQ(b.state(), BotState::Halted);
  EXPECT_EQ(b.halt_reason(), "max daily loss reached: lost 100.1 since the UTC day's start, limit 100");
}

TEST_F(BotTest, KillSwitchDeniesEveryOrder) {
  risk.kill_switch = true;
  SubmitResult result;
  strategy.bar = [&](Context& ctx, const Bar&) { result = ctx.submit(market(Side::Buy, "1")); };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_FALSE(result.accepted);
  EXPECT_EQ(result.reason, "kill switch is on");
  EXPECT_TRUE(exchange.submitted.empty());
  EXPECT_EQ(b.state(), BotState::Running);
}

TEST_F(BotTest, TimersFireInTimeOrderBeforeTheBarAtOrAfterTheirTime) {
  TimerId once_150 = 0, every_100 = 0, once_300 = 0;
  strategy.start = [&](Context& ctx) {
    once_150 = ctx.set_timer(Timestamp::from_millis(150'000));
    every_100 = ctx.set_timer(Timestamp::from_millis(50'000), Duration::from_seconds(100));
    once_300 = ctx.set_timer(Timestamp::from_millis(300'000));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(100'000, "1"));
  b.process_bar(bar_at(200'000, "2"));
  b.process_bar(bar_at(300'000, "3"));
  auto timer = [](TimerId id, int seconds) {
    const std::string ms = std::to_string(seconds * 1000);
    return "timer " + std::to_string(id) + " at " + ms + " now " + ms;  // now() is the timer's time
  };
  // The repeating timer fires at 50, 150, 250; at 150 the one-shot set first (lower id) fires
  // first; the timer at exactly 300 fires before the bar at 300.
  EXPECT_EQ(strategy.events, (std::vector<std::string>{
                                 timer(every_100, 50),
                                 "bar 1",
                                 timer(once_150, 150),
                                 timer(every_100, 150),
                                 "bar 2",
                                 timer(every_100, 250),
                                 timer(once_300, 300),
                                 "bar 3",
                             }));
}

TEST_F(BotTest, ARepeatingTimerCatchesUpEveryMissedPeriod) {
  strategy.start = [&](Context& ctx) { ctx.set_timer(Timestamp::from_millis(10'000), Duration::from_seconds(10)); };
  Bot& b = start_bot();
  b.process_bar(bar_at(35'000, "1"));
  // Due at 10, 20 and 30 s, all before the bar at 35 s; the next is at 40 s.
  EXPECT_EQ(strategy.count("timer"), 3u);
  EXPECT_EQ(strategy.events.back(), "bar 1");
}

TEST_F(BotTest, ACanceledTimerStopsFiring) {
  TimerId every_100 = 0;
  strategy.start = [&](Context& ctx) {
    every_100 = ctx.set_timer(Timestamp::from_millis(50'000), Duration::from_seconds(100));
  };
  strategy.bar = [&](Context& ctx, const Bar& bar) {
    if (bar.ts == Timestamp::from_millis(200'000)) ctx.cancel_timer(every_100);
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(100'000, "1"));
  b.process_bar(bar_at(200'000, "2"));
  b.process_bar(bar_at(300'000, "3"));
  EXPECT_EQ(strategy.count("timer"), 2u);  // at 50 and 150 only
}

TEST_F(BotTest, OpenOrdersAreOldestFirstAndShrinkWhenOrdersEnd) {
  bool cancel_result = false, second_cancel_result = true, unknown_cancel_result = true;
  strategy.bar = [&](Context& ctx, const Bar&) {
    const std::size_t n = strategy.count("bar");
    if (n == 1) {
      ctx.submit(limit(Side::Buy, "1", "99"));
      ctx.submit(limit(Side::Buy, "0", "99"));  // denied: never listed
      ctx.submit(limit(Side::Buy, "1", "98"));
      ctx.submit(limit(Side::Buy, "1", "97"));
    } else if (n == 3) {
      cancel_result = ctx.cancel("t-1");
      second_cancel_result = ctx.cancel("t-1");  // already pending cancel
      unknown_cancel_result = ctx.cancel("t-99");
    }
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_EQ(open_order_ids(), (std::vector<std::string>{"t-1", "t-3", "t-4"}));

  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    fill(events, "t-3", "x1", Side::Buy, "98", "1");
  };
  b.process_bar(bar_at(kDay0Ms + 60'000, "98"));
  EXPECT_EQ(b.order("t-3")->status, OrderStatus::Filled);
  EXPECT_EQ(open_order_ids(), (std::vector<std::string>{"t-1", "t-4"}));

  exchange.on_market_bar = nullptr;
  b.process_bar(bar_at(kDay0Ms + 120'000, "98"));
  EXPECT_TRUE(cancel_result);
  EXPECT_FALSE(second_cancel_result);
  EXPECT_FALSE(unknown_cancel_result);
  EXPECT_EQ(exchange.canceled_ids(), (std::vector<std::string>{"t-1"}));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Canceled);
  EXPECT_EQ(open_order_ids(), (std::vector<std::string>{"t-4"}));
}

TEST_F(BotTest, ABotWithoutItsRequiredPartsIsRefused) {
  BotParts parts;
  parts.name = "t";
  parts.strategy_params = &params;
  parts.exchange = &exchange;
  parts.clock = &clock;
  parts.logger = logger.get();
  EXPECT_THROW(Bot{parts}, std::invalid_argument);  // no strategy
}

TEST_F(BotTest, AnEngineErrorHaltsTheBotWithTheBarsTimeInsteadOfEndingTheProcess) {
  // A fill whose notional does not fit in 64 bits of 1e-8 units overflows the cash balance.
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
  };
  exchange.on_market_bar = [](ExchangeEvents& events, const Bar&) {
    fill(events, "t-1", "x1", Side::Buy, "90000000000", "2");  // 1.8e11 > 9.2e10
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (ctx.open_orders().empty()) ctx.submit(limit(Side::Buy, "2", "100"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_NO_THROW(b.process_bar(bar_at(kDay0Ms + kHourMs, "100")));
  EXPECT_EQ(b.state(), BotState::Halted);
  EXPECT_TRUE(b.faulted());
  EXPECT_EQ(b.halt_reason().rfind("engine error on the bar at " + std::to_string(kDay0Ms + kHourMs) + " ms: ", 0), 0u)
      << b.halt_reason();
}

TEST_F(BotTest, ARefusedCancelPutsAnOrderWithFillsBackToPartiallyFilled) {
  exchange.on_submit = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
    fill(events, order.client_order_id, "x1", Side::Buy, "100", "0.4");
  };
  // The venue refuses the cancel: the order is still working, as "accepted".
  exchange.on_cancel = [](ExchangeEvents& events, const Order& order) {
    report(events, order.client_order_id, OrderStatus::Accepted);
  };
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (ctx.open_orders().empty()) {
      ctx.submit(limit(Side::Buy, "1", "100"));
    } else {
      ctx.cancel("t-1");
    }
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  ASSERT_EQ(b.order("t-1")->status, OrderStatus::PartiallyFilled);
  b.process_bar(bar_at(kDay0Ms + kHourMs, "100"));
  EXPECT_EQ(exchange.canceled_ids(), (std::vector<std::string>{"t-1"}));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::PartiallyFilled);
  EXPECT_EQ(b.order("t-1")->filled_quantity, qty("0.4"));
  EXPECT_EQ(open_order_ids(), (std::vector<std::string>{"t-1"}));
}

TEST_F(BotTest, EndedOrdersBeyondTheKeptHistoryAreForgottenButOpenOnesNever) {
  // One resting order that never ends, then many that are denied (they end at once).
  exchange.on_submit = [](ExchangeEvents&, const Order&) {};
  bool first_bar = true;
  strategy.bar = [&](Context& ctx, const Bar&) {
    if (!first_bar) return;
    first_bar = false;
    ctx.submit(limit(Side::Buy, "0.01", "1"));
    for (std::size_t i = 0; i < Bot::kEndedOrdersKept + 10; ++i) ctx.submit(market(Side::Buy, "0"));
  };
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms, "100"));
  // Nothing is forgotten while the callback that ended the orders may still hold them...
  EXPECT_NE(b.order("t-2"), nullptr);
  // ...only before the next market event.
  b.process_bar(bar_at(kDay0Ms + kHourMs, "100"));
  const std::size_t last = Bot::kEndedOrdersKept + 11;  // t-1 rests; t-2 .. t-<last> were denied
  EXPECT_NE(b.order("t-1"), nullptr);
  EXPECT_EQ(b.order("t-2"), nullptr);
  EXPECT_EQ(b.order("t-11"), nullptr);
  EXPECT_NE(b.order("t-12"), nullptr);
  EXPECT_NE(b.order("t-" + std::to_string(last)), nullptr);
  EXPECT_EQ(open_order_ids(), (std::vector<std::string>{"t-1"}));
}

// Events from other threads (a live connector's I/O): queued, and applied on the bot's thread
// only when the bot takes them.

TEST_F(BotTest, EventsFromAnotherThreadReachTheStrategyOnTheBotsThreadWhenTheBotTakesThem) {
  exchange.on_submit = [](ExchangeEvents&, const Order&) {};  // the answer comes from the venue's thread
  strategy.start = [](Context& ctx) { ctx.submit(limit(Side::Buy, "1", "100")); };
  Bot& b = start_bot();
  ASSERT_EQ(b.order("t-1")->status, OrderStatus::Submitted);
  std::thread venue([&] {
    ExchangeEvents& events = b.exchange_events();
    report(events, "t-1", OrderStatus::Accepted);
    events.on_fill(fill_of("t-1", "x1", Side::Buy, "100", "1"));
    events.on_bar(bar_at(kDay0Ms, "101"));
  });
  venue.join();
  // Nothing was applied on the venue's thread.
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Submitted);
  EXPECT_TRUE(b.position().quantity.is_zero());
  EXPECT_EQ(strategy.count("bar"), 0u);
  EXPECT_TRUE(b.wait_for_events(std::chrono::steady_clock::now() + std::chrono::seconds(60)));

  EXPECT_EQ(b.process_queued_events(), 3u);
  EXPECT_EQ(strategy.events, (std::vector<std::string>{
                                 "update t-1 accepted",
                                 "fill x1 1@100 of t-1",
                                 "update t-1 filled",
                                 "bar 101",
                             }));
  EXPECT_EQ(strategy.threads, (std::set<std::thread::id>{std::this_thread::get_id()}));
  EXPECT_FALSE(strategy.reentered);
  EXPECT_EQ(b.position().quantity, qty("1"));
  EXPECT_EQ(b.process_queued_events(), 0u);
  const EventQueueStats stats = b.event_queue_stats();
  EXPECT_EQ(stats.pushed, 3u);
  EXPECT_EQ(stats.max_depth, 3u);
  EXPECT_EQ(stats.producer_waits, 0u);
}

TEST_F(BotTest, EventsReportedOnTheBotsThreadBypassTheQueue) {
  Bot& b = start_bot();  // the scripted exchange acknowledges inside submit, on this thread
  strategy.bar = [&](Context& ctx, const Bar&) { ctx.submit(market(Side::Buy, "1")); };
  b.process_bar(bar_at(kDay0Ms, "100"));
  EXPECT_EQ(b.order("t-1")->status, OrderStatus::Accepted);
  EXPECT_EQ(b.event_queue_stats().pushed, 0u);
}

TEST_F(BotTest, AQueuedBarNoNewerThanTheLastBarIsDroppedAndCounted) {
  Bot& b = start_bot();
  b.process_bar(bar_at(kDay0Ms + 60'000, "100"));
  std::thread feed([&] {
    ExchangeEvents& events = b.exchange_events();
    events.on_bar(bar_at(kDay0Ms, "90"));           // older
    events.on_bar(bar_at(kDay0Ms + 60'000, "91"));  // the same bar again
    events.on_bar(bar_at(kDay0Ms + 120'000, "102"));
    events.on_bar(bar_at(kDay0Ms + 120'000, "103"));  // a repeat of a queued one
  });
  feed.join();
  EXPECT_EQ(b.process_queued_events(), 4u);
  EXPECT_EQ(strategy.events, (std::vector<std::string>{"bar 100", "bar 102"}));
  EXPECT_EQ(b.event_queue_stats().stale_bars_dropped, 3u);
}

TEST_F(BotTest, EventsReportedAfterStopAreIgnored) {
  Bot& b = start_bot();
  b.stop();
  std::thread late([&] { b.exchange_events().on_bar(bar_at(kDay0Ms, "100")); });
  late.join();  // returns: a stopped bot's queue never makes a producer wait
  EXPECT_EQ(b.process_queued_events(), 0u);
  EXPECT_EQ(b.event_queue_stats().pushed, 0u);
}

TEST_F(BotTest, AnErrorFromAnotherThreadIsLoggedOnTheBotsThread) {
  Bot& b = start_bot();
  std::thread venue([&] { b.exchange_events().on_error("stream lost"); });
  venue.join();
  EXPECT_FALSE(logged("exchange: stream lost"));
  b.process_queued_events();
  EXPECT_TRUE(logged("exchange: stream lost"));
}

TEST_F(BotTest, WakeEndsAWaitForEvents) {
  Bot& b = start_bot();
  std::thread daemon([&] { b.wake(); });
  EXPECT_FALSE(b.wait_for_events(std::chrono::steady_clock::now() + std::chrono::hours(1)));
  daemon.join();
}

// Timers of a bot on a clock that moves by itself (the wall clock live; here a clock the test moves).

TEST_F(BotTest, FireDueTimersFiresEveryTimerDueAtTheClocksNow) {
  TimerId once = 0, every_10 = 0;
  strategy.start = [&](Context& ctx) {
    once = ctx.set_timer(Timestamp::from_millis(15'000));
    every_10 = ctx.set_timer(Timestamp::from_millis(10'000), Duration::from_seconds(10));
  };
  Bot& b = start_bot();
  EXPECT_EQ(b.next_timer_at(), Timestamp::from_millis(10'000));
  clock.advance_to(Timestamp::from_millis(9'999));
  b.fire_due_timers();
  EXPECT_EQ(strategy.count("timer"), 0u);
  clock.advance_to(Timestamp::from_millis(21'000));
  b.fire_due_timers();
  // In time order, each with the time it was due at; now() is the clock's (it does not go back).
  EXPECT_EQ(strategy.events, (std::vector<std::string>{
                                 "timer " + std::to_string(every_10) + " at 10000 now 21000",
                                 "timer " + std::to_string(once) + " at 15000 now 21000",
                                 "timer " + std::to_string(every_10) + " at 20000 now 21000",
                             }));
  EXPECT_EQ(b.next_timer_at(), Timestamp::from_millis(30'000));
  b.fire_due_timers();  // nothing more is due at 21 s
  EXPECT_EQ(strategy.count("timer"), 3u);
}

TEST_F(BotTest, ABotWithoutTimersHasNoNextTimer) {
  Bot& b = start_bot();
  EXPECT_EQ(b.next_timer_at(), std::nullopt);
}

// Warm-up: the bars before the start, fed to the strategy with every order denied.

// Records what reaches the observer (the bus and the store under smoopsd).
struct CountingObserver final : BotObserver {
  void on_order(const Order& order) override { orders.push_back(order.client_order_id); }
  void on_bar_processed(const Bar&, const Portfolio&) override { ++bars; }
  void on_signal(const Signal&, Timestamp) override { ++signals; }
  std::vector<std::string> orders;
  std::size_t bars = 0;
  std::size_t signals = 0;
};

TEST_F(BotTest, WarmUpFeedsTheStrategyOnlyAndDeniesOrdersWithoutUsingAnOrderNumber) {
  CountingObserver observer;
  observer_for_next_bot = &observer;
  std::vector<SubmitResult> results;
  std::vector<bool> warming;
  strategy.start = [&](Context& ctx) { ctx.set_timer(Timestamp::from_millis(kDay0Ms)); };
  strategy.bar = [&](Context& ctx, const Bar&) {
    warming.push_back(ctx.warming_up());
    results.push_back(ctx.submit(market(Side::Buy, "1")));
    ctx.signal(Signal{"up", 0.9, "buy", qty("1"), "test", {}});
  };
  int matched = 0;
  exchange.on_market_bar = [&](ExchangeEvents&, const Bar&) { ++matched; };
  Bot& b = start_bot();
  const std::vector<Bar> past{bar_at(kDay0Ms, "100"), bar_at(kDay0Ms + 60'000, "110")};
  b.warm_up(past);
  EXPECT_FALSE(b.warming_up());
  EXPECT_EQ(warming, (std::vector<bool>{true, true}));
  ASSERT_EQ(results.size(), 2u);
  for (const SubmitResult& r : results) {
    EXPECT_FALSE(r.accepted);
    EXPECT_EQ(r.reason, "warm-up");
    EXPECT_EQ(r.client_order_id, "");
  }
  EXPECT_EQ(b.next_client_order_id(), "t-1");  // no number was used
  EXPECT_TRUE(exchange.submitted.empty());
  EXPECT_EQ(matched, 0);                        // no simulated matching
  EXPECT_EQ(strategy.count("timer"), 0u);       // the timer due at the first bar did not fire
  EXPECT_EQ(clock.now(), Timestamp::from_millis(kDay0Ms + 60'000));
  EXPECT_EQ(b.portfolio().mark_price(), px("110"));
  EXPECT_TRUE(observer.orders.empty());
  EXPECT_EQ(observer.bars, 0u);
  EXPECT_EQ(observer.signals, 0u);
  // The signals, at debug only.
  EXPECT_TRUE(logged("[debug] [bot t] signal up 0.9: buy 1 (test)"));
  EXPECT_FALSE(logged("[info] [bot t] signal"));

  // Live again: the first order is t-1, the timer fires before the first live bar.
  b.process_bar(bar_at(kDay0Ms + 120'000, "120"));
  ASSERT_EQ(results.size(), 3u);
  EXPECT_TRUE(results[2].accepted);
  EXPECT_EQ(results[2].client_order_id, "t-1");
  EXPECT_EQ(strategy.count("timer"), 1u);
  EXPECT_EQ(matched, 1);
  EXPECT_EQ(observer.orders, (std::vector<std::string>{"t-1", "t-1"}));  // submitted, accepted
  EXPECT_EQ(observer.bars, 1u);
  EXPECT_EQ(observer.signals, 1u);
}

TEST_F(BotTest, AWarmUpLossNeverHaltsTheBot) {
  risk.max_daily_loss = money("100");
  // A restarted bot, long 10 bought at 100.
  RecoveredState books;
  books.cash = money("9000");
  books.position.quantity = qty("10");
  books.position.average_entry_price = px("100");
  books.position.cost_basis = money("1000");
  Bot& b = start_bot_restored(books);
  const std::vector<Bar> past{bar_at(kDay0Ms, "100"), bar_at(kDay0Ms + kHourMs, "50")};
  b.warm_up(past);
  EXPECT_EQ(b.state(), BotState::Running);
  EXPECT_EQ(b.equity(), money("9500"));  // marked at 50: lost 500 in the day, but in the past
}

TEST_F(BotTest, ALiveBarNoNewerThanTheLastWarmUpBarIsDropped) {
  Bot& b = start_bot();
  const std::vector<Bar> past{bar_at(kDay0Ms, "100"), bar_at(kDay0Ms + 60'000, "101")};
  b.warm_up(past);
  std::thread feed([&] {
    b.exchange_events().on_bar(bar_at(kDay0Ms + 60'000, "101"));  // the last warm-up bar again
    b.exchange_events().on_bar(bar_at(kDay0Ms + 120'000, "102"));
  });
  feed.join();
  b.process_queued_events();
  EXPECT_EQ(strategy.events, (std::vector<std::string>{"bar 100", "bar 101", "bar 102"}));
  EXPECT_EQ(b.event_queue_stats().stale_bars_dropped, 1u);
}

// Asks for 42 bars; throws when its params hold `throw`.
struct WarmUpAsker final : Strategy {
  std::size_t warmup_bars(const Context& ctx) const override {
    if (ctx.params().has("throw")) throw std::runtime_error("no history");
    return 42;
  }
};

TEST_F(BotTest, WarmupBarsAsksTheStrategyAndAThrowHaltsTheBot) {
  WarmUpAsker asker;
  Bot& b = start_bot_with(asker);
  EXPECT_EQ(b.warmup_bars(), 42u);
  params.add("throw", Params::scalar("1", {}, "strategy.params.throw"));
  Bot& c = start_bot_with(asker);
  EXPECT_EQ(c.warmup_bars(), 0u);
  EXPECT_EQ(c.state(), BotState::Halted);
  EXPECT_EQ(c.halt_reason(), "strategy threw in warmup_bars: no history");
}

}  // namespace
}  // namespace smoops::engine
