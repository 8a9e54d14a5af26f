#include "daemon/bus_observer.hpp"

#include <nlohmann/json.hpp>

#include "engine/event_json.hpp"

namespace smoops::daemon {

using nlohmann::ordered_json;

BusObserver::BusObserver(const config::BotConfig& bot, bus::Publisher& publisher)
    : name_(bot.name),
      mode_(config::to_string(bot.mode)),
      topic_prefix_("bot." + bot.name + "."),
      sample_equity_(bot.mode == config::Mode::Backtest),
      publisher_(publisher) {}

void BusObserver::send(const char* kind, std::string payload, bus::StateEffect effect, std::string key) {
  bus::BusMessage message;
  message.topic = topic_prefix_ + kind;
  message.payload = std::move(payload);
  message.effect = effect;
  message.key = effect == bus::StateEffect::None ? std::string() : key.empty() ? message.topic : std::move(key);
  pending_.push_back(std::move(message));
}

void BusObserver::flush() {
  if (!pending_.empty()) publisher_.publish_all(pending_);  // a full queue is counted by the publisher
}

void BusObserver::on_order(const Order& order) {
  ordered_json j = engine::order_json(order);
  j["bot"] = name_;
  const auto effect = is_terminal(order.status) ? bus::StateEffect::Erase : bus::StateEffect::Set;
  send("order", j.dump(), effect, topic_prefix_ + "order/" + order.client_order_id);
}

void BusObserver::on_fill(const Fill& fill, const Order&, const engine::Portfolio& portfolio) {
  ordered_json f = engine::fill_json(fill);
  f["bot"] = name_;
  send("fill", f.dump(), bus::StateEffect::None);
  ordered_json p = engine::position_json(portfolio);
  p["bot"] = name_;
  p["ts"] = fill.ts.millis();
  send("position", p.dump(), bus::StateEffect::Set);
}

void BusObserver::publish_equity(const Bar& bar, const engine::Portfolio& portfolio) {
  ordered_json j;
  j["bot"] = name_;
  j["ts"] = bar.ts.millis();
  j["equity"] = portfolio.equity().to_string();
  j["cash"] = portfolio.cash().to_string();
  j["position"] = portfolio.position().quantity.to_string();
  j["close"] = bar.close.to_string();
  j["bars"] = bars_;
  send("equity", j.dump(), bus::StateEffect::Set);
  last_equity_published_ = true;
}

void BusObserver::on_bar_processed(const Bar& bar, const engine::Portfolio& portfolio) {
  ++bars_;
  last_bar_ts_ = bar.ts;
  if (!sample_equity_ || bars_ % kBacktestEquityEvery == 1) {
    publish_equity(bar, portfolio);
  } else {
    last_equity_published_ = false;
  }
}

void BusObserver::publish_last_equity() {
  if (last_equity_published_ || !bot_) return;
  const engine::Portfolio& portfolio = bot_->portfolio();
  Bar bar;
  bar.ts = last_bar_ts_;
  bar.close = portfolio.mark_price();
  publish_equity(bar, portfolio);
}

void BusObserver::on_state(engine::BotState, std::string_view) { publish_status(); }

void BusObserver::publish_status(std::string_view note) {
  ordered_json j;
  j["bot"] = name_;
  j["mode"] = mode_;
  j["state"] = bot_ ? engine::to_string(bot_->state()) : "created";
  j["paused"] = bot_ ? bot_->paused() : false;
  j["reason"] = bot_ ? bot_->halt_reason() : "";
  j["faulted"] = bot_ ? bot_->faulted() : false;
  j["bars"] = bars_;
  j["note"] = note;
  send("status", j.dump(), bus::StateEffect::Set);
}

void BusObserver::on_log(LogLevel level, std::string_view message) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  ordered_json j;
  j["bot"] = name_;
  j["level"] = kLevels[static_cast<int>(level)];
  j["message"] = message;
  send("log", j.dump(), bus::StateEffect::None);
}

}  // namespace smoops::daemon
