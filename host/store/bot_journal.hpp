#pragma once
// A paper or live bot's link to the store: it turns the bot's events into rows for the writer
// (every order change, every fill with the position after it, an equity point and the replay
// cursor per bar) and makes each order's intent durable before the order leaves (write-ahead).
// Rows of one bot step are handed over as one group at flush(), so they are committed together.

#include <chrono>
#include <cstdint>
#include <string>
#include <unordered_map>

#include "config/daemon_config.hpp"
#include "engine/bot_observer.hpp"
#include "engine/order_journal.hpp"
#include "store/store_writer.hpp"

namespace smoops::store {

/// Where a bot's journal starts: what recovery found in the store.
struct JournalStart {
  std::uint64_t fill_count = 0;                        ///< fills the store has for the bot
  std::unordered_map<std::string, int> order_versions; ///< working orders' last stored versions
};

class BotJournal final : public engine::BotObserver, public engine::OrderJournal {
 public:
  BotJournal(StoreWriter& writer, std::string bot, std::string symbol, std::int64_t run_id,
             config::OutagePolicy on_outage, JournalStart start);

  // BotObserver
  void on_order(const Order& order) override;
  void on_fill(const Fill& fill, const Order& order, const engine::Portfolio& portfolio) override;
  void on_bar_processed(const Bar& bar, const engine::Portfolio& portfolio) override;

  // OrderJournal: commits the rows so far and the intent; during an outage follows on_outage.
  std::string write_ahead(const Order& order, const Position& position) override;

  /// Hands the rows of the current step to the writer (call after each bot event or command).
  void flush();
  /// Records the run's end.
  void end_run(std::string_view status, std::string_view reason, Money final_equity, std::uint64_t bars);

  /// How long write_ahead waits for the database before treating it as down.
  static constexpr std::chrono::milliseconds kWriteAheadTimeout{5000};

 private:
  void add_order(const Order& order, int version);

  StoreWriter& writer_;
  std::string bot_;
  std::string symbol_;
  std::int64_t run_id_;
  config::OutagePolicy on_outage_;
  std::uint64_t fill_count_;
  std::unordered_map<std::string, int> versions_;  // working orders: last version written
  std::string written_ahead_;                      // the order whose Submitted row write_ahead made
  RowGroup group_;
};

/// Whether `order` only reduces `position` (opposite side, no larger than it).
bool reduces_position(const Order& order, const Position& position);

}  // namespace smoops::store
