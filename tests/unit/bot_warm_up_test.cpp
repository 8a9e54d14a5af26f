// A bot that restarts warms its strategy up on the bars before the restart and then trades exactly
// as a bot that never stopped: the same orders, with the same client order ids. The real engine
// and the real sma_cross on real bars; the exchange (the SDK kit's ScriptedExchange) fills every
// market order at the last close.

#include <gtest/gtest.h>

#include <span>
#include <string>
#include <vector>

#include "data/csv_bar_reader.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "sma_cross.hpp"
#include "smoops/testing/scripted_exchange.hpp"
#include "support/test_paths.hpp"

namespace smoops::engine {
namespace {

Params sma_params() {
  Params params = Params::map({}, "strategy.params");
  params.add("fast", Params::scalar("10", {}, "strategy.params.fast"));
  params.add("slow", Params::scalar("30", {}, "strategy.params.slow"));
  params.add("quantity", Params::scalar("0.01", {}, "strategy.params.quantity"));
  return params;
}

/// An order as it left the bot: id, side, quantity, and the bar it was sent on.
struct SentOrder {
  std::string client_order_id;
  Side side;
  Quantity quantity;
  Timestamp ts;
  bool operator==(const SentOrder&) const = default;
};

void PrintTo(const SentOrder& o, std::ostream* out) {
  *out << o.client_order_id << " " << to_string(o.side) << " " << o.quantity.to_string() << " at " << o.ts.millis();
}

/// One bot with sma_cross on an exchange that fills market orders at the last close.
class SmaBot {
 public:
  explicit SmaBot(const RecoveredState* books = nullptr) : strategy_(params_), logger_("w") {
    exchange_.on_market_bar = [this](ExchangeEvents&, const Bar& bar) { last_close_ = bar.close; };
    exchange_.on_submit = [this](ExchangeEvents& events, const Order& order) {
      testing::ScriptedExchange::report(events, order.client_order_id, OrderStatus::Accepted);
      testing::ScriptedExchange::fill(events, order, "x-" + order.client_order_id, last_close_, order.quantity);
    };
    BotParts parts;
    parts.name = "w";
    parts.instrument.symbol = "BTC/USDT";
    parts.instrument.tick_size = Price::parse_or_throw("0.1");
    parts.instrument.lot_size = Quantity::parse_or_throw("0.001");
    parts.initial_cash = Money::from_units(100'000);
    parts.strategy_params = &params_;
    parts.strategy = &strategy_;
    parts.exchange = &exchange_;
    parts.clock = &clock_;
    parts.logger = &logger_;
    bot_ = std::make_unique<Bot>(std::move(parts));
    if (books) bot_->restore(*books);
    bot_->start();
  }
  Bot& bot() { return *bot_; }
  /// Its books as the store would recover them (no working orders: every order filled at once).
  RecoveredState books() const {
    RecoveredState state;
    state.cash = bot_->cash();
    state.position = bot_->position();
    state.next_order_sequence = std::stoull(bot_->next_client_order_id().substr(2));
    return state;
  }
  std::vector<SentOrder> sent() const {
    std::vector<SentOrder> orders;
    for (const Order& o : exchange_.submitted) orders.push_back({o.client_order_id, o.side, o.quantity, o.created_ts});
    return orders;
  }

 private:
  Params params_ = sma_params();
  sma_cross::SmaCross strategy_;
  testing::ScriptedExchange exchange_;
  SimulatedClock clock_;
  BotLogger logger_;
  Price last_close_;
  std::unique_ptr<Bot> bot_;  // last: destroyed first
};

TEST(BotWarmUp, ARestartedBotWarmedUpSendsTheOrdersAndIdsOfABotThatNeverStopped) {
  const std::vector<Bar> bars = data::read_all_bars(test::shared_data("ft_btc_usdt_5m.csv"));
  SmaBot uninterrupted;
  for (const Bar& bar : bars) uninterrupted.bot().process_bar(bar);
  const std::vector<SentOrder> all = uninterrupted.sent();
  ASSERT_GT(all.size(), 50u);

  std::size_t compared = 0;
  for (const std::size_t k : {std::size_t{1000}, std::size_t{4321}, std::size_t{8765}}) {
    // The first life, up to the restart.
    SmaBot first_life;
    for (std::size_t i = 0; i < k; ++i) first_life.bot().process_bar(bars[i]);
    const RecoveredState books = first_life.books();
    ASSERT_GT(books.next_order_sequence, 1u) << "the first life sent no order";

    SmaBot second_life(&books);
    Bot& bot = second_life.bot();
    const std::size_t n = bot.warmup_bars();
    ASSERT_EQ(n, 130u);  // slow 30 + 100
    bot.warm_up(std::span(bars).subspan(k - n, n));
    EXPECT_TRUE(second_life.sent().empty());
    for (std::size_t i = k; i < bars.size(); ++i) bot.process_bar(bars[i]);

    std::vector<SentOrder> expected;
    for (const SentOrder& o : all)
      if (o.ts >= bars[k].ts) expected.push_back(o);
    ASSERT_FALSE(expected.empty());
    EXPECT_EQ(second_life.sent(), expected) << "restart before bar " << k;
    compared += expected.size();
  }
  EXPECT_GT(compared, 50u);
}

TEST(BotWarmUp, WithoutWarmUpARestartedBotMissesItsFirstDecisions) {
  // What warm-up is for: the same restart, straight into live bars, sends other orders.
  const std::vector<Bar> bars = data::read_all_bars(test::shared_data("ft_btc_usdt_5m.csv"));
  SmaBot uninterrupted;
  for (const Bar& bar : bars) uninterrupted.bot().process_bar(bar);
  const std::size_t k = 4321;
  SmaBot first_life;
  for (std::size_t i = 0; i < k; ++i) first_life.bot().process_bar(bars[i]);
  const RecoveredState books = first_life.books();
  SmaBot cold(&books);
  for (std::size_t i = k; i < bars.size(); ++i) cold.bot().process_bar(bars[i]);
  std::vector<SentOrder> expected;
  for (const SentOrder& o : uninterrupted.sent())
    if (o.ts >= bars[k].ts) expected.push_back(o);
  EXPECT_NE(cold.sent(), expected);
}

}  // namespace
}  // namespace smoops::engine
