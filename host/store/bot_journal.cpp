#include "store/bot_journal.hpp"

#include "store/store_rows.hpp"

namespace smoops::store {

bool reduces_position(const Order& order, const Position& position) {
  const Quantity held = position.quantity;
  if (held.is_zero()) return false;
  const bool opposite = held.is_positive() ? order.side == Side::Sell : order.side == Side::Buy;
  return opposite && order.quantity <= held.abs();
}

BotJournal::BotJournal(StoreWriter& writer, std::string bot, std::string symbol, std::int64_t run_id,
                       config::OutagePolicy on_outage, JournalStart start)
    : writer_(writer),
      bot_(std::move(bot)),
      symbol_(std::move(symbol)),
      run_id_(run_id),
      on_outage_(on_outage),
      fill_count_(start.fill_count),
      versions_(std::move(start.order_versions)) {}

void BotJournal::add_order(const Order& order, int version) {
  group_.push_back(order_row(bot_, run_id_, order_sequence(order.client_order_id), order, version));
  group_.push_back(order_event_row(order, version));
}

void BotJournal::on_order(const Order& order) {
  const std::string& id = order.client_order_id;
  if (order.status == OrderStatus::Submitted && written_ahead_ == id) {
    written_ahead_.clear();  // write_ahead already stored exactly this
    return;
  }
  written_ahead_.clear();
  const int version = ++versions_[id];
  add_order(order, version);
  if (is_terminal(order.status)) versions_.erase(id);
}

void BotJournal::on_fill(const Fill& fill, const Order&, const engine::Portfolio& portfolio) {
  ++fill_count_;
  group_.push_back(fill_row(bot_, run_id_, fill));
  group_.push_back(position_row(bot_, symbol_, portfolio.position(), portfolio.cash(), fill_count_, fill.ts));
}

void BotJournal::on_bar_processed(const Bar& bar, const engine::Portfolio& portfolio) {
  group_.push_back(equity_row(run_id_, bar.ts, portfolio.equity(), portfolio.cash(), portfolio.position().quantity));
  group_.push_back(cursor_row(bot_, bar.ts));
}

std::string BotJournal::write_ahead(const Order& order, const Position& position) {
  const std::string& id = order.client_order_id;
  versions_[id] = 1;
  written_ahead_ = id;
  add_order(order, 1);
  RowGroup group = std::move(group_);
  group_.clear();
  const bool allow_spill = on_outage_ == config::OutagePolicy::KeepTrading ||
                           (on_outage_ == config::OutagePolicy::ReduceOnly && reduces_position(order, position));
  switch (writer_.write_ahead(std::move(group), allow_spill, kWriteAheadTimeout)) {
    case StoreWriter::Durability::Database:
    case StoreWriter::Durability::Spill: return {};
    case StoreWriter::Durability::None: break;
  }
  written_ahead_.clear();
  switch (on_outage_) {
    case config::OutagePolicy::Halt: return "database unavailable: order not sent (store.on_outage: halt)";
    case config::OutagePolicy::ReduceOnly:
      return "database unavailable: only orders that reduce the position are sent (store.on_outage: reduce_only)";
    case config::OutagePolicy::KeepTrading: break;
  }
  return "database unavailable and the spill file cannot be written: order not sent";
}

void BotJournal::flush() {
  if (group_.empty()) return;
  writer_.push(std::move(group_));
  group_.clear();
}

void BotJournal::end_run(std::string_view status, std::string_view reason, Money final_equity, std::uint64_t bars) {
  group_.push_back(run_end_row(run_id_, status, reason, final_equity, bars));
  flush();
}

}  // namespace smoops::store
