// sma_cross backtests on the real series of ../shared/data, loaded through the real plugins
// (sma_cross and sim .so files via Boost.DLL), checked trade for trade against a reference
// computed here from the raw CSV text with exact integer arithmetic, independently of the host's
// reader, engine, portfolio and plugins.

#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "config/bot_config.hpp"
#include "engine/backtest.hpp"
#include "plugin/plugin_registry.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

using i128 = __int128;
constexpr std::int64_t kScale = 100'000'000;

// ---- the independent reference -------------------------------------------------------------

// "123.456" → 12345600000 (units of 1e-8); the data files never have more than 8 decimals.
std::int64_t parse_scaled(const std::string& text) {
  const auto dot = text.find('.');
  std::string whole = text.substr(0, dot);
  std::string fraction = dot == std::string::npos ? "" : text.substr(dot + 1);
  fraction.resize(8, '0');
  return std::stoll(whole) * kScale + std::stoll(fraction);
}

struct RefBar {
  std::int64_t ts_ms;
  std::int64_t open;
  std::int64_t close;
};

std::vector<RefBar> read_reference_bars(const std::filesystem::path& file) {
  std::ifstream in(file);
  std::string line;
  std::getline(in, line);  // header
  std::vector<RefBar> bars;
  while (std::getline(in, line)) {
    std::stringstream row(line);
    std::string ts, open, high, low, close;
    std::getline(row, ts, ',');
    std::getline(row, open, ',');
    std::getline(row, high, ',');
    std::getline(row, low, ',');
    std::getline(row, close, ',');
    bars.push_back({std::stoll(ts), parse_scaled(open), parse_scaled(close)});
  }
  return bars;
}

i128 divide_half_even(i128 numerator, i128 denominator) {
  i128 q = numerator / denominator;
  i128 r = numerator % denominator;
  if (r < 0) r = -r;
  if (2 * r > denominator || (2 * r == denominator && q % 2 != 0)) q += numerator < 0 ? -1 : 1;
  return q;
}

struct RefTrade {
  std::int64_t entry_ts, entry_price, exit_ts, exit_price, qty, pnl, fees;
};

/// How the two means are compared: exactly, or as naive floating-point means get it (what the
/// exact reference guards against).
enum class Means { Exact, Floating };

// sign(fast mean − slow mean) over the `fast` and `slow` closes ending at bars[i].
int mean_difference_sign(const std::vector<RefBar>& bars, std::size_t i, int fast, int slow, Means means) {
  if (means == Means::Exact) {
    i128 fast_sum = 0, slow_sum = 0;
    for (std::size_t k = i + 1 - fast; k <= i; ++k) fast_sum += bars[k].close;
    for (std::size_t k = i + 1 - slow; k <= i; ++k) slow_sum += bars[k].close;
    const i128 diff = fast_sum * slow - slow_sum * fast;
    return diff > 0 ? 1 : diff < 0 ? -1 : 0;
  }
  double fast_mean = 0, slow_mean = 0;
  for (std::size_t k = i + 1 - fast; k <= i; ++k) fast_mean += static_cast<double>(bars[k].close) / kScale;
  for (std::size_t k = i + 1 - slow; k <= i; ++k) slow_mean += static_cast<double>(bars[k].close) / kScale;
  fast_mean /= fast;
  slow_mean /= slow;
  return fast_mean > slow_mean ? 1 : fast_mean < slow_mean ? -1 : 0;
}

/// A market order sent on the close of bars[bar].
struct RefDecision {
  std::size_t bar;
  Side side;
  friend bool operator==(const RefDecision&, const RefDecision&) = default;
};

// backtrader CrossOver, long only: buy on a cross above while flat, sell on a cross below while
// long; a tie (sign 0) keeps the last nonzero sign. Only bars with a next bar (whose open fills
// the order) decide.
std::vector<RefDecision> reference_decisions(const std::vector<RefBar>& bars, int fast, int slow, Means means) {
  std::vector<RefDecision> decisions;
  int last_sign = 0;
  bool long_position = false;
  for (std::size_t i = static_cast<std::size_t>(slow) - 1; i + 1 < bars.size(); ++i) {
    const int sign = mean_difference_sign(bars, i, fast, slow, means);
    if (sign > 0 && last_sign < 0 && !long_position) {
      decisions.push_back({i, Side::Buy});
      long_position = true;
    } else if (sign < 0 && last_sign > 0 && long_position) {
      decisions.push_back({i, Side::Sell});
      long_position = false;
    }
    if (sign != 0) last_sign = sign;
  }
  return decisions;
}

// The round trips of the exact decisions: market orders fill at the next bar's open.
std::vector<RefTrade> reference_trades(const std::vector<RefBar>& bars, int fast, int slow, std::int64_t qty,
                                       std::int64_t fee_rate) {
  auto fee_of = [&](std::int64_t price) {
    const i128 notional = divide_half_even(i128(price) * qty, kScale);
    return static_cast<std::int64_t>(divide_half_even(notional * fee_rate, kScale));
  };
  std::vector<RefTrade> trades;
  RefTrade open{};
  for (const RefDecision& decision : reference_decisions(bars, fast, slow, Means::Exact)) {
    const RefBar& next = bars[decision.bar + 1];
    if (decision.side == Side::Buy) {
      open = {next.ts_ms, next.open, 0, 0, qty, 0, fee_of(next.open)};
      continue;
    }
    open.exit_ts = next.ts_ms;
    open.exit_price = next.open;
    open.fees += fee_of(next.open);
    const i128 gross = divide_half_even(i128(open.exit_price) * qty, kScale) -
                       divide_half_even(i128(open.entry_price) * qty, kScale);
    open.pnl = static_cast<std::int64_t>(gross) - open.fees;
    trades.push_back(open);
  }
  return trades;
}

// ---- the system under test --------------------------------------------------------------------

struct Market {
  const char* file;
  const char* tick;
  const char* lot;
  const char* min_notional;
  const char* quantity;
  std::size_t min_trades;  // so that a run with no trades cannot pass
};

struct Case {
  Market market;
  const char* fee_rate;
};

void PrintTo(const Case& c, std::ostream* os) { *os << c.market.file << " fee " << c.fee_rate; }

std::string case_name(const ::testing::TestParamInfo<Case>& info) {
  std::string name = std::string(info.param.market.file) + "_fee_" + info.param.fee_rate;
  for (char& c : name)
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  return name;
}

// A backtest of sma_cross (fast 10, slow 30) with the sim exchange on the market's file, through
// the real plugins.
engine::BacktestReport run_sma_cross(const Case& c) {
  test::TempDir dir;
  const auto yaml = dir.write("bot.yaml", std::string() +
      "name: ref\n"
      "mode: backtest\n"
      "instrument: {symbol: X/USD, tick_size: " + c.market.tick + ", lot_size: " + c.market.lot +
      ", min_notional: " + c.market.min_notional + "}\n"
      "strategy:\n  plugin: sma_cross\n  params: {fast: 10, slow: 30, quantity: " + c.market.quantity + "}\n"
      "exchange:\n  plugin: sim\n  params: {fee_rate: " + c.fee_rate + ", slippage_bps: 0}\n"
      "data:\n  csv: " + test::shared_data(c.market.file).string() + "\n");
  const config::BotConfig bot = config::load_bot_config(yaml);
  const plugin::PluginRegistry registry({test::plugin_build_dir()});
  return engine::run_backtest(bot, registry, {});
}

class SmaCrossBacktest : public ::testing::TestWithParam<Case> {};

TEST_P(SmaCrossBacktest, TradesMatchTheExactReferenceTradeForTrade) {
  const Case& c = GetParam();
  const engine::BacktestReport report = run_sma_cross(c);

  const auto expected = reference_trades(read_reference_bars(test::shared_data(c.market.file)), 10, 30,
                                         parse_scaled(c.market.quantity), parse_scaled(c.fee_rate));
  ASSERT_GE(expected.size(), c.market.min_trades);
  ASSERT_EQ(report.trades.size(), expected.size());
  for (std::size_t i = 0; i < expected.size(); ++i) {
    SCOPED_TRACE("trade " + std::to_string(i));
    const engine::RoundTrip& got = report.trades[i];
    EXPECT_EQ(got.entry_ts.millis(), expected[i].entry_ts);
    EXPECT_EQ(got.entry_price.raw(), expected[i].entry_price);
    EXPECT_EQ(got.exit_ts.millis(), expected[i].exit_ts);
    EXPECT_EQ(got.exit_price.raw(), expected[i].exit_price);
    EXPECT_EQ(got.quantity.raw(), expected[i].qty);
    EXPECT_EQ(got.fees.raw(), expected[i].fees);
    EXPECT_EQ(got.pnl.raw(), expected[i].pnl);
  }
  // Money adds up to the last 1e-8: closed trades plus the open position (its unrealized PnL less
  // the fee paid to open it) make the total.
  Money closed_pnl, closed_fees;
  for (const auto& t : report.trades) {
    closed_pnl += t.pnl;
    closed_fees += t.fees;
  }
  const Money open_fees = report.fees - closed_fees;
  EXPECT_EQ(report.total_pnl, closed_pnl + report.final_position.unrealized_pnl - open_fees);
}

const Market kOrcl{"bt_orcl_1d.csv", "0.000001", "1", "1", "100", 40};
const Market kNvda{"bt_nvda_1d.csv", "0.000001", "1", "1", "100", 40};
const Market kYhoo{"bt_yhoo_1d.csv", "0.000001", "1", "1", "100", 40};
const Market kBtc5m{"ft_btc_usdt_5m.csv", "0.1", "0.00001", "10", "0.5", 100};
const Market kUnittestBtc{"ft_unittest_btc_1m.csv", "0.00000001", "1", "0.0001", "1000", 100};

INSTANTIATE_TEST_SUITE_P(RealSeries, SmaCrossBacktest,
                         ::testing::Values(Case{kOrcl, "0"}, Case{kOrcl, "0.001"}, Case{kNvda, "0"},
                                           Case{kNvda, "0.001"}, Case{kYhoo, "0"}, Case{kYhoo, "0.001"},
                                           Case{kBtc5m, "0"}, Case{kBtc5m, "0.001"}, Case{kUnittestBtc, "0"},
                                           Case{kUnittestBtc, "0.001"}),
                         case_name);

// Why the averages are compared exactly: on this file, with 10/30, there is a bar where the two
// SMAs are exactly equal and naive floating-point means put the fast one below the slow one, so a
// strategy computing them that way sells on that bar, one bar early. The real sma_cross, run by
// the real engine, must hold at the tie and sell on the next bar, where the fast average really
// crosses below.
TEST(SmaCrossExactness, RealStrategyHoldsAtATieThatFloatingPointCallsACross) {
  const Case unittest_btc{kUnittestBtc, "0"};
  const std::vector<RefBar> bars = read_reference_bars(test::shared_data(kUnittestBtc.file));
  const std::vector<RefDecision> exact = reference_decisions(bars, 10, 30, Means::Exact);
  const std::vector<RefDecision> floating = reference_decisions(bars, 10, 30, Means::Floating);

  // The file has the tie: the first decision where the two arithmetics part is a floating-point
  // order on the close of a bar where the exact means are equal; the exact order comes later.
  const auto [exact_first, floating_first] =
      std::mismatch(exact.begin(), exact.end(), floating.begin(), floating.end());
  ASSERT_NE(exact_first, exact.end());
  ASSERT_NE(floating_first, floating.end());
  const std::size_t tie = floating_first->bar;
  ASSERT_EQ(mean_difference_sign(bars, tie, 10, 30, Means::Exact), 0) << "bar " << tie << " is not a tie";
  ASSERT_NE(mean_difference_sign(bars, tie, 10, 30, Means::Floating), 0);
  ASSERT_GT(exact_first->bar, tie);
  const auto decided = static_cast<std::size_t>(exact_first - exact.begin());

  // The product's orders, each made on the close of the bar whose time it carries: the exact
  // decisions, up to and including the one that floating point gets wrong, and none on the tie.
  const engine::BacktestReport report = run_sma_cross(unittest_btc);
  ASSERT_GT(report.orders.size(), decided);
  for (std::size_t i = 0; i <= decided; ++i) {
    SCOPED_TRACE("order " + std::to_string(i));
    const Order& order = report.orders[i];
    EXPECT_NE(order.created_ts.millis(), bars[tie].ts_ms) << "the strategy traded on the tie";
    EXPECT_EQ(order.created_ts.millis(), bars[exact[i].bar].ts_ms);
    EXPECT_EQ(order.side, exact[i].side);
    EXPECT_EQ(order.status, OrderStatus::Filled);
  }
}

}  // namespace
}  // namespace smoops
