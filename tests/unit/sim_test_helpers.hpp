#pragma once
// What the tests of the simulated exchange share: a recorder of its events, the instrument, and
// short ways to write bars, orders and a configuration.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "sim_config.hpp"
#include "smoops/exchange.hpp"

namespace smoops::sim {

using Lines = std::vector<std::string>;

// Records what the exchange reports, one readable line per event.
class RecordedEvents : public ExchangeEvents {
 public:
  void on_order_update(const OrderUpdate& update) override {
    std::string line = update.client_order_id + " " + std::string(to_string(update.status));
    if (!update.reason.empty()) line += " (" + update.reason + ")";
    lines.push_back(line);
    updates.push_back(update);
  }
  void on_fill(const Fill& fill) override {
    lines.push_back(fill.client_order_id + " fill " + std::string(to_string(fill.side)) + " " +
                    fill.quantity.to_string() + " @ " + fill.price.to_string() + " fee " + fill.fee.to_string() + " " +
                    std::string(to_string(fill.liquidity)));
    fills.push_back(fill);
  }
  void on_bar(const Bar&) override {}
  void on_trade(const Trade&) override {}
  void on_error(std::string_view message) override { lines.push_back("error: " + std::string(message)); }

  std::vector<std::string> take_lines() { return std::exchange(lines, {}); }

  std::vector<std::string> lines;
  std::vector<OrderUpdate> updates;
  std::vector<Fill> fills;
};

inline Instrument btc_usdt() {
  Instrument instrument;
  instrument.symbol = "BTC/USDT";
  instrument.base_asset = "BTC";
  instrument.quote_asset = "USDT";
  instrument.tick_size = Price::parse_or_throw("0.01");
  instrument.lot_size = Quantity::parse_or_throw("0.001");
  return instrument;
}

inline Bar bar(std::int64_t minute, const char* open, const char* high, const char* low, const char* close,
               const char* volume = "1000") {
  return Bar{Timestamp::from_millis(minute * 60'000), Price::parse_or_throw(open), Price::parse_or_throw(high),
             Price::parse_or_throw(low), Price::parse_or_throw(close), Quantity::parse_or_throw(volume)};
}

struct OrderSpec {
  const char* id;
  Side side = Side::Buy;
  OrderType type = OrderType::Market;
  const char* quantity = "1";
  const char* limit = "0";
  const char* stop = "0";
  TimeInForce time_in_force = TimeInForce::GTC;
};

inline Order order(const OrderSpec& spec) {
  Order o;
  o.client_order_id = spec.id;
  o.symbol = "BTC/USDT";
  o.side = spec.side;
  o.type = spec.type;
  o.time_in_force = spec.time_in_force;
  o.quantity = Quantity::parse_or_throw(spec.quantity);
  o.limit_price = Price::parse_or_throw(spec.limit);
  o.stop_price = Price::parse_or_throw(spec.stop);
  o.status = OrderStatus::Submitted;
  return o;
}

inline SimConfig config(const char* fee_rate = "0", const char* maker_fee_rate = "0",
                        const char* slippage_bps = "0") {
  SimConfig c;
  c.taker_fee_rate = Ratio::parse_or_throw(fee_rate);
  c.maker_fee_rate = Ratio::parse_or_throw(maker_fee_rate);
  c.slippage_bps = Ratio::parse_or_throw(slippage_bps);
  return c;
}

}  // namespace smoops::sim
