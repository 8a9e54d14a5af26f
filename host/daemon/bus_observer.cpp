#include "daemon/bus_observer.hpp"

#include "engine/event_json.hpp"

namespace smoops::daemon {

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
  engine::JsonObjectWriter writer;
  engine::write_order(writer, order);
  writer.string("bot", name_);
  const auto effect = is_terminal(order.status) ? bus::StateEffect::Erase : bus::StateEffect::Set;
  send("order", std::move(writer).finish(), effect, topic_prefix_ + "order/" + order.client_order_id);
}

void BusObserver::on_fill(const Fill& fill, const Order&, const engine::Portfolio& portfolio) {
  engine::JsonObjectWriter fill_writer;
  engine::write_fill(fill_writer, fill);
  fill_writer.string("bot", name_);
  send("fill", std::move(fill_writer).finish(), bus::StateEffect::None);
  engine::JsonObjectWriter position_writer;
  engine::write_position(position_writer, portfolio);
  position_writer.string("bot", name_).integer("ts", fill.ts.millis());
  send("position", std::move(position_writer).finish(), bus::StateEffect::Set);
}

void BusObserver::publish_equity(const Bar& bar, const engine::Portfolio& portfolio) {
  engine::JsonObjectWriter writer;
  writer.string("bot", name_)
      .integer("ts", bar.ts.millis())
      .string("equity", portfolio.equity().to_string())
      .string("cash", portfolio.cash().to_string())
      .string("position", portfolio.position().quantity.to_string())
      .string("close", bar.close.to_string())
      .unsigned_integer("bars", bars_);
  send("equity", std::move(writer).finish(), bus::StateEffect::Set);
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
  engine::JsonObjectWriter writer;
  writer.string("bot", name_)
      .string("mode", mode_)
      .string("state", bot_ ? engine::to_string(bot_->state()) : "created")
      .boolean("paused", bot_ && bot_->paused())
      .string("reason", bot_ ? std::string_view(bot_->halt_reason()) : std::string_view())
      .boolean("faulted", bot_ && bot_->faulted())
      .unsigned_integer("bars", bars_)
      .string("note", note);
  send("status", std::move(writer).finish(), bus::StateEffect::Set);
}

void BusObserver::on_log(LogLevel level, std::string_view message) {
  static constexpr const char* kLevels[] = {"trace", "debug", "info", "warn", "error"};
  engine::JsonObjectWriter writer;
  writer.string("bot", name_).string("level", kLevels[static_cast<int>(level)]).string("message", message);
  send("log", std::move(writer).finish(), bus::StateEffect::None);
}

void BusObserver::on_signal(const Signal& signal, Timestamp ts) {
  engine::JsonObjectWriter writer;
  writer.string("bot", name_).integer("ts", ts.millis());
  engine::write_signal(writer, signal);
  send("signal", std::move(writer).finish(), bus::StateEffect::None);
}

}  // namespace smoops::daemon
