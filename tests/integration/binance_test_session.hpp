#pragma once
// What the binance_*_test.cpp share: a CSV for the fake server, the REAL binance plugin loaded
// through the host's plugin registry, connected to a running fake, and an events recorder that
// keeps everything the connector reports in arrival order and applies it to each order as the
// host would, so a test can check that every report is a legal transition.

#include <gtest/gtest.h>

#include <chrono>
#include <condition_variable>
#include <functional>
#include <map>
#include <mutex>
#include <string>
#include <utility>
#include <variant>
#include <vector>

#include "engine/order_state_machine.hpp"
#include "plugin/plugin_registry.hpp"
#include "smoops/testing/recording_logger.hpp"
#include "support/fake_binance_server.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops::test {

/// Bar i of the test CSV opens at kBinanceT0 + i minutes.
inline constexpr std::int64_t kBinanceT0 = 1'700'000'040'000 / 60'000 * 60'000;

/// A 1m OHLCV CSV of `count` bars: bar i opens at 60000 + 10 i, spans 60000 + 10 i +- 50 and
/// closes at 60000 + 10 i + 5; volume 2.
inline std::filesystem::path write_binance_csv(const TempDir& dir, int count = 60) {
  std::string csv = "timestamp,open,high,low,close,volume\n";
  for (int i = 0; i < count; ++i) {
    const int open = 60000 + 10 * i;
    csv += std::to_string(kBinanceT0 + i * 60'000LL) + "," + std::to_string(open) + "," + std::to_string(open + 50) +
           "," + std::to_string(open - 50) + "," + std::to_string(open + 5) + ",2\n";
  }
  return dir.write("klines.csv", csv);
}

/// One reported event.
using ReportedEvent = std::variant<OrderUpdate, Fill, Bar, Trade, std::string>;

/// Records every event in arrival order and the status each order reaches, as the host would
/// apply it; an illegal transition or a fill that does not fit is kept in `violations`.
class OrderedEvents final : public ExchangeEvents {
 public:
  struct Seen {
    std::vector<ReportedEvent> events;
    std::map<std::string, OrderStatus> status;  // by client order id (Submitted until told)
    std::vector<std::string> violations;
    std::size_t count_updates(const std::string& id, OrderStatus s) const {
      std::size_t n = 0;
      for (const auto& e : events)
        if (auto* u = std::get_if<OrderUpdate>(&e)) n += u->client_order_id == id && u->status == s;
      return n;
    }
    std::vector<Fill> fills() const {
      std::vector<Fill> out;
      for (const auto& e : events)
        if (auto* f = std::get_if<Fill>(&e)) out.push_back(*f);
      return out;
    }
    std::vector<Bar> bars() const {
      std::vector<Bar> out;
      for (const auto& e : events)
        if (auto* b = std::get_if<Bar>(&e)) out.push_back(*b);
      return out;
    }
    std::vector<std::string> errors() const {
      std::vector<std::string> out;
      for (const auto& e : events)
        if (auto* s = std::get_if<std::string>(&e)) out.push_back(*s);
      return out;
    }
    OrderStatus status_of(const std::string& id) const {
      auto it = status.find(id);
      return it == status.end() ? OrderStatus::Submitted : it->second;
    }
  };

  /// The order the host sent: its quantity bounds its fills.
  void expect_order(const std::string& id, Quantity quantity) {
    std::lock_guard lock(mutex_);
    quantities_[id] = {quantity, Quantity()};
  }
  /// The host asked for a cancel: the order is pending cancel.
  void cancel_requested(const std::string& id) {
    {
      std::lock_guard lock(mutex_);
      transition(seen_, id, OrderStatus::PendingCancel);
    }
    changed_.notify_all();
  }
  void on_order_update(const OrderUpdate& update) override {
    record(update, [&](Seen& s) { transition(s, update.client_order_id, update.status); });
  }
  void on_fill(const Fill& fill) override {
    record(fill, [&](Seen& s) {
      auto& [quantity, filled] = quantities_[fill.client_order_id];
      if (fill.quantity > quantity - filled) s.violations.push_back("fill " + fill.trade_id + " exceeds the order");
      filled += fill.quantity;
      transition(s, fill.client_order_id, filled == quantity ? OrderStatus::Filled : OrderStatus::PartiallyFilled);
    });
  }
  void on_bar(const Bar& bar) override {
    record(bar, [](Seen&) {});
  }
  void on_trade(const Trade& trade) override {
    record(trade, [](Seen&) {});
  }
  void on_error(std::string_view message) override {
    record(std::string(message), [](Seen&) {});
  }

  Seen snapshot() const {
    std::lock_guard lock(mutex_);
    return seen_;
  }
  /// Waits until `condition` holds (at most `timeout`); true when it does.
  bool wait_until(const std::function<bool(const Seen&)>& condition,
                  std::chrono::milliseconds timeout = std::chrono::seconds(15)) const {
    std::unique_lock lock(mutex_);
    return changed_.wait_for(lock, timeout, [&] { return condition(seen_); });
  }

 private:
  void transition(Seen& s, const std::string& id, OrderStatus to) {
    const OrderStatus from = s.status_of(id);
    // The host turns an acknowledgement of a pending cancel into a refused cancel: legal.
    if (!engine::is_legal_transition(from, to) && !(from == OrderStatus::PendingCancel && to == OrderStatus::Accepted))
      s.violations.push_back(id + ": " + std::string(to_string(from)) + " -> " + std::string(to_string(to)));
    s.status[id] = to;
  }
  template <class Apply>
  void record(ReportedEvent event, Apply&& apply) {
    {
      std::lock_guard lock(mutex_);
      seen_.events.push_back(std::move(event));
      apply(seen_);
    }
    changed_.notify_all();
  }

  mutable std::mutex mutex_;
  mutable std::condition_variable changed_;
  Seen seen_;
  std::map<std::string, std::pair<Quantity, Quantity>> quantities_;
};

/// The credentials a session presents (views into these strings).
struct TestCredentials {
  std::string name = "main";
  std::string key_type = "hmac";
  std::string api_key = "test-api-key";
  std::string secret = "test-secret";
};

/// The real plugin, created from build/plugins through the host's registry.
class BinancePlugin {
 public:
  /// `extra` are more exchange.params (key, value) beside the fake's three URLs.
  BinancePlugin(const FakeBinanceServer& fake, std::vector<std::pair<std::string, std::string>> extra = {})
      : registry_({plugin_build_dir()}) {
    Params params = Params::map({"bots/binance.yaml", 4, 5}, "exchange.params");
    std::vector<std::pair<std::string, std::string>> all = {
        {"base_url", fake.rest_url()}, {"stream_url", fake.stream_url()}, {"ws_api_url", fake.ws_api_url()}};
    all.insert(all.end(), extra.begin(), extra.end());
    int line = 5;
    for (const auto& [key, value] : all)
      params.add(key, Params::scalar(value, {"bots/binance.yaml", line++, 7}, "exchange.params." + key));
    exchange_ = registry_.create_exchange("binance", params);
  }
  ~BinancePlugin() {
    if (exchange_) exchange_->disconnect();
  }

  Exchange& exchange() { return *exchange_; }
  OrderedEvents events;
  testing::RecordingLogger log;

  /// Connects for BTC/USDT with `credentials` (none when nullptr).
  void connect(const TestCredentials* credentials, bool market_data_only = false) {
    ExchangeSession session;
    session.events = &events;
    session.log = &log;
    session.instrument.symbol = "BTC/USDT";
    session.market_data_only = market_data_only;
    if (credentials) session.credentials = {credentials->name, credentials->key_type, credentials->api_key, credentials->secret};
    exchange_->connect(session);
  }

  /// The message connect() throws (fails the test when it does not).
  std::string connect_error(const TestCredentials* credentials) {
    try {
      connect(credentials);
    } catch (const std::exception& e) {
      return e.what();
    }
    ADD_FAILURE() << "connect did not throw";
    return {};
  }

  /// An order as the host would send it.
  Order order(const std::string& id, Side side, OrderType type, const char* quantity, const char* limit = "0",
              TimeInForce tif = TimeInForce::GTC, const char* stop = "0") {
    Order o;
    o.client_order_id = id;
    o.symbol = "BTC/USDT";
    o.side = side;
    o.type = type;
    o.time_in_force = tif;
    o.quantity = Quantity::parse_or_throw(quantity);
    o.limit_price = Price::parse_or_throw(limit);
    o.stop_price = Price::parse_or_throw(stop);
    o.status = OrderStatus::Submitted;
    events.expect_order(id, o.quantity);
    return o;
  }

 private:
  plugin::PluginRegistry registry_;
  plugin::PluginHandle<Exchange> exchange_;
};

}  // namespace smoops::test
