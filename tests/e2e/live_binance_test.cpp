// A live bot in the real smoopsd trading on the fake Binance venue (tests/support/fake_binance)
// through the real binance plugin, its keys from `smoops credentials`, its bars from the venue's
// kline stream: real processes and sockets throughout.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <fstream>
#include <string>

#include "support/daemon_fixture.hpp"
#include "support/fake_binance_server.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops::test {
namespace {

constexpr const char* kApiKey = "live-test-api-key-7f3a";
constexpr const char* kSecret = "live-test-secret-91c4e2d8b6a0";

// The first `bars` bars of the real 5-minute BTC/USDT series, as a file of its own.
std::filesystem::path first_bars(const std::filesystem::path& dir, std::size_t bars) {
  std::ifstream in(shared_data("ft_btc_usdt_5m.csv"));
  const auto file = dir / "bars.csv";
  std::ofstream out(file);
  std::string line;
  for (std::size_t i = 0; i <= bars && std::getline(in, line); ++i) out << line << '\n';
  return file;
}

class LiveBinance : public ::testing::Test {
 protected:
  void SetUp() override {
    key_file_ = dir_.write("credentials.key", std::string(32, '\x5a'));
    state_dir_ = dir_.path() / "state";
    ::setenv("SMOOPS_CREDENTIALS_KEY_FILE", key_file_.c_str(), 1);
  }
  void TearDown() override { ::unsetenv("SMOOPS_CREDENTIALS_KEY_FILE"); }

  void add_credentials(const std::string& name, const std::string& key, const std::string& secret) {
    const auto input = dir_.write("input.txt", key + "\n" + secret + "\n");
    const ProcessResult added =
        run_process({"/bin/sh", "-c", "exec \"$0\" credentials add " + name + " --state-dir \"$1\" < \"$2\"",
                     (bin_dir() / "smoops").string(), state_dir_.string(), input.string()},
                    dir_.path());
    ASSERT_EQ(added.exit_code, 0) << added.err;
  }

  std::string live_bot(const FakeBinanceServer& venue, const std::string& credentials) const {
    return "name: live\nmode: live\ninstrument: {symbol: BTC/USDT}\n"
           "strategy: {plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}\n"
           "exchange:\n  plugin: binance\n  params: {base_url: " + venue.rest_url() + ", stream_url: " +
           venue.stream_url() + ", ws_api_url: " + venue.ws_api_url() + ", credentials: " + credentials + "}\n"
           "data: {feed: binance, interval: 5m}\n";
  }

  /// The fake venue on the first `bars` bars, with the test's key and secret.
  FakeBinanceOptions venue_options(std::size_t bars) const {
    FakeBinanceOptions options;
    options.klines_csv = first_bars(dir_.path(), bars);
    options.interval = "5m";
    options.api_key = kApiKey;
    options.secret = kSecret;
    return options;
  }

  /// Runs smoopsd with the one live bot until it exits at start; its exit code and stderr.
  std::pair<int, std::string> exit_of_live_start(const FakeBinanceServer& venue, const std::string& credentials) {
    DaemonUnderTest daemon;
    daemon.write_config("", daemon_store());
    daemon.write_bot("live", live_bot(venue, credentials));
    daemon.spawn();
    const std::optional<int> code = daemon.process().wait(std::chrono::seconds(30));
    return {code.value_or(-1), daemon.process().err()};
  }

  std::string daemon_store() const { return "store: {enabled: false, state_dir: " + state_dir_.string() + "}\n"; }

  TempDir dir_;
  std::filesystem::path key_file_;
  std::filesystem::path state_dir_;
};

// Closes one bar on the venue and waits until the bot has processed it, every order it sent has
// reached the venue and every fill the venue made has reached the bot, so the next bar finds both
// sides agreed: the lockstep a backtest has by construction (a market order rests on the fake until
// the next bar closes, and fills at that bar's open, as in the sim).
::testing::AssertionResult step(FakeBinanceServer& venue, DaemonUnderTest& daemon, BusRecorder& recorder,
                                std::uint64_t bar) {
  venue.advance(1);
  // A live bot publishes its equity after every bar, after the orders that bar made: once the
  // bar's equity is here, so are its orders.
  if (!recorder.until([&](const BusRecorder::Message&) { return recorder.of("live", "equity").size() >= bar; },
                      std::chrono::seconds(20)))
    return ::testing::AssertionFailure() << "bar " << bar << " was not processed: " << daemon.bots().at("live").dump()
                                         << "\n" << daemon.process().err();
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (true) {
    std::set<std::string> submitted;
    for (const auto& m : recorder.of("live", "order")) submitted.insert(m.payload.value("client_order_id", ""));
    const Json state = venue.state();
    if (state["orders"].size() == submitted.size() && recorder.of("live", "fill").size() == state["trades"].size())
      return ::testing::AssertionSuccess();
    if (std::chrono::steady_clock::now() > deadline)
      return ::testing::AssertionFailure() << "bar " << bar << ": the bot and the venue did not agree: "
                                           << submitted.size() << " orders and " << recorder.of("live", "fill").size()
                                           << " fills on the bus; venue " << state.dump() << "\n"
                                           << daemon.process().err();
    recorder.until([](const BusRecorder::Message&) { return false; }, std::chrono::milliseconds(2));
  }
}

TEST_F(LiveBinance, ALiveBotTradesWhatItsBacktestTradesOnTheSameBars) {
  constexpr std::size_t kBars = 1200;
  FakeBinanceOptions options = venue_options(kBars);
  const auto bars = options.klines_csv;
  options.balances = {"USDT=1000000", "BTC=0"};
  options.market_orders_fill_at_once = true;
  FakeBinanceServer venue(options, dir_.path());
  add_credentials("venue-main", kApiKey, kSecret);

  DaemonUnderTest daemon;
  daemon.write_config("", daemon_store());
  daemon.write_bot("live", live_bot(venue, "venue-main"));
  daemon.start();
  auto recorder = daemon.recorder();
  for (std::uint64_t bar = 1; bar <= kBars; ++bar) ASSERT_TRUE(step(venue, daemon, *recorder, bar));
  ASSERT_EQ(daemon.stop(), 0);

  // The same bars, the same strategy, the sim with the venue's fee and fill rule.
  const auto bot_file = dir_.write("backtest.yaml",
                                   "name: live\nmode: backtest\n"
                                   "instrument: {symbol: BTC/USDT, tick_size: 0.01, lot_size: 0.00001, min_notional: 5}\n"
                                   "strategy: {plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}\n"
                                   "exchange: {plugin: sim, params: {fee_rate: 0.001}}\n"
                                   "data: {csv: " + bars.string() + "}\n");
  const Json report = run_backtest(bot_file, dir_.path());
  const Json state = venue.state();
  const Json& venue_trades = state["trades"];
  ASSERT_GE(report["trades"].size(), 5u) << "too few trades to compare";
  ASSERT_GE(venue_trades.size(), 2 * report["trades"].size())
      << "venue: " << venue_trades.back().dump() << "\nbacktest: " << report["trades"].back().dump();
  for (std::size_t i = 0; i < report["trades"].size(); ++i) {
    const Json& round_trip = report["trades"][i];
    const Json& entry = venue_trades[2 * i];
    const Json& exit = venue_trades[2 * i + 1];
    SCOPED_TRACE("round trip " + std::to_string(i));
    EXPECT_TRUE(entry["isBuyer"].get<bool>());
    EXPECT_FALSE(exit["isBuyer"].get<bool>());
    EXPECT_EQ(fixed_e8(entry["price"]), fixed_e8(round_trip["entry_price"]));
    EXPECT_EQ(fixed_e8(exit["price"]), fixed_e8(round_trip["exit_price"]));
    EXPECT_EQ(fixed_e8(entry["qty"]), fixed_e8(round_trip["qty"]));
    EXPECT_EQ(entry["time"].get<std::int64_t>(), round_trip["entry_ts"].get<std::int64_t>());
    EXPECT_EQ(exit["time"].get<std::int64_t>(), round_trip["exit_ts"].get<std::int64_t>());
    EXPECT_EQ(fixed_e8(entry["commission"]) + fixed_e8(exit["commission"]), fixed_e8(round_trip["fees"]));
  }
  // No order was sent twice.
  for (const Json& order : state["orders"]) EXPECT_EQ(order["submissions"], 1) << order.dump();
  // The secret appears in no output: the daemon's stderr, the bus.
  EXPECT_EQ(daemon.process().err().find(kSecret), std::string::npos);
  EXPECT_EQ(daemon.process().err().find(kApiKey), std::string::npos);
  for (const auto& m : recorder->messages()) EXPECT_EQ(m.payload.dump().find(kSecret), std::string::npos);
}

TEST_F(LiveBinance, ALiveBotWhoseKeysTheVenueRefusesDoesNotStart) {
  FakeBinanceServer venue(venue_options(50), dir_.path());
  add_credentials("wrong", kApiKey, "not-the-secret-0000");
  const auto [code, err] = exit_of_live_start(venue, "wrong");
  EXPECT_EQ(code, 16) << err;
  EXPECT_NE(err.find("refused the API key of credentials 'wrong'"), std::string::npos) << err;
  EXPECT_EQ(err.find("not-the-secret-0000"), std::string::npos);
}

TEST_F(LiveBinance, ALiveBotWithoutItsKeyFileDoesNotStart) {
  FakeBinanceServer venue(venue_options(50), dir_.path());
  add_credentials("main", kApiKey, kSecret);
  ::unsetenv("SMOOPS_CREDENTIALS_KEY_FILE");
  const auto [code, err] = exit_of_live_start(venue, "main");
  EXPECT_EQ(code, 15) << err;
  EXPECT_NE(err.find("smoopsd has no key to unlock them"), std::string::npos) << err;
}

TEST_F(LiveBinance, FetchDataWritesTheVenuesBarsAndResumesWithoutDuplicates) {
  FakeBinanceOptions options = venue_options(3000);
  const auto bars = options.klines_csv;
  options.start_bar = 2500;  // 2500 closed bars of history
  FakeBinanceServer venue(options, dir_.path());
  const auto out = dir_.path() / "fetched.csv";
  const auto fetch = [&](const std::string& to) {
    return run_process({(bin_dir() / "smoops").string(), "fetch-data", "--exchange", "binance", "--symbol", "BTC/USDT",
                        "--interval", "5m", "--from", "0", "--to", to, "--out", out.string(), "--param",
                        "base_url=" + venue.rest_url(), "--param", "stream_url=" + venue.stream_url(), "--param",
                        "ws_api_url=" + venue.ws_api_url(), "--plugin-dir", plugin_build_dir().string()},
                       dir_.path());
  };
  std::ifstream source(bars);
  std::vector<std::string> lines;
  for (std::string line; std::getline(source, line);) lines.push_back(line);
  const std::string ts_1200 = lines[1200].substr(0, lines[1200].find(','));  // the 1200th bar (after the header)
  const ProcessResult first = fetch(ts_1200);
  ASSERT_EQ(first.exit_code, 0) << first.err;
  EXPECT_NE(first.out.find("wrote 1200 bars"), std::string::npos) << first.out;
  std::ofstream(out, std::ios::binary | std::ios::app) << "1673";  // a row cut short by a kill
  const ProcessResult second = fetch(std::to_string(std::stoll(lines[2500].substr(0, 13)) + 1));
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("wrote 1300 bars"), std::string::npos) << second.out;
  // The file is the venue's 2500 closed bars, each once, exactly as the source rows.
  std::ifstream fetched(out);
  std::vector<std::string> got;
  for (std::string line; std::getline(fetched, line);) got.push_back(line);
  ASSERT_EQ(got.size(), 2501u);
  for (std::size_t i = 1; i < got.size(); ++i) {
    ASSERT_EQ(got[i].substr(0, got[i].find(',')), lines[i].substr(0, lines[i].find(','))) << "row " << i;
  }
  const ProcessResult bad = run_process({(bin_dir() / "smoops").string(), "fetch-data", "--exchange", "binance",
                                         "--symbol", "BTC/USDT", "--interval", "7m", "--from", "0", "--out",
                                         out.string()},
                                        dir_.path());
  EXPECT_EQ(bad.exit_code, 2);
}

}  // namespace
}  // namespace smoops::test
