#include "daemon/bot_runner.hpp"

#include <spdlog/spdlog.h>

#include "daemon/bus_observer.hpp"
#include "data/csv_bar_reader.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "engine/bot_plugins.hpp"
#include "engine/clock.hpp"
#include "store/bot_journal.hpp"
#include "store/store_error.hpp"

namespace smoops::daemon {

// Everything the bot's thread owns. Replayed feeds run on the replay's own clock: time in the
// engine is the data's time, the pace is the wall clock's (× speed).
struct BotRunner::Parts {
  Parts(const config::BotConfig& bot, const plugin::PluginRegistry& registry, bus::Publisher& publisher,
        const std::optional<BotStoreLink>& store)
      : plugins(engine::create_bot_plugins(bot, registry)),
        logger(bot.name),
        observer(bot, publisher),
        journal(store ? std::make_unique<store::BotJournal>(*store->writer, bot.name, bot.instrument.symbol,
                                                            store->run_id, store->on_outage, store->recovery.journal)
                      : nullptr),
        fanout(journal ? std::vector<engine::BotObserver*>{&observer, journal.get()}
                       : std::vector<engine::BotObserver*>{&observer}),
        engine(engine::BotParts{bot.name, bot.instrument, bot.risk, bot.initial_cash, &bot.strategy.params,
                                plugins.strategy.get(), plugins.exchange.get(), plugins.model.get(), &clock, &logger,
                                &fanout, journal.get(), store ? store->exchange_state_dir.string() : std::string()}) {
    observer.attach(&engine);
    logger.set_tap(&observer);
  }
  /// Hands the step's events to the publisher and the store.
  void flush() {
    observer.flush();
    if (journal) journal->flush();
  }
  engine::BotPlugins plugins;
  engine::SimulatedClock clock;
  engine::BotLogger logger;
  BusObserver observer;
  std::unique_ptr<store::BotJournal> journal;  // paper and live bots with a store
  engine::ObserverFanout fanout;
  engine::Bot engine;  // last: destroyed first
};

BotRunner::BotRunner(config::BotConfig bot, const plugin::PluginRegistry& registry, bus::Publisher& publisher,
                     config::OpenOrderPolicy shutdown_open_orders, std::optional<BotStoreLink> store)
    : bot_(std::move(bot)),
      publisher_(publisher),
      shutdown_open_orders_(shutdown_open_orders),
      store_(std::move(store)),
      parts_(std::make_unique<Parts>(bot_, registry, publisher, store_)) {
  summary_.name = bot_.name;
  summary_.mode = config::to_string(bot_.mode);
}

BotRunner::~BotRunner() {
  request_stop();
  join();
}

void BotRunner::start() {
  std::future<void> started = started_.get_future();
  thread_ = std::thread([this] { run(); });
  try {
    started.get();
  } catch (...) {
    join();
    throw;
  }
}

void BotRunner::request_stop() {
  stop_requested_ = true;
  std::lock_guard lock(mutex_);
  wake_.notify_all();
}

void BotRunner::join() {
  if (thread_.joinable()) thread_.join();
}

nlohmann::json BotRunner::command(const std::string& name, std::chrono::milliseconds timeout) {
  std::future<nlohmann::json> reply;
  {
    std::lock_guard lock(mutex_);
    if (summary().finished)
      return {{"ok", false}, {"error", "bot " + bot_.name + " is not running (" + summary().reason + ")"}};
    commands_.push_back(Command{name, {}});
    reply = commands_.back().reply.get_future();
    commands_pending_ = true;
    wake_.notify_all();
  }
  if (reply.wait_for(timeout) != std::future_status::ready)
    return {{"ok", false}, {"error", "bot " + bot_.name + " did not answer within " + std::to_string(timeout.count()) + " ms"}};
  return reply.get();
}

BotSummary BotRunner::summary() const {
  std::lock_guard lock(summary_mutex_);
  return summary_;
}

void BotRunner::update_summary(const Parts& parts, bool finished, const std::string& reason) {
  const engine::Bot& bot = parts.engine;
  std::lock_guard lock(summary_mutex_);
  summary_.state = engine::to_string(bot.state());
  summary_.paused = bot.paused();
  summary_.finished = finished;
  summary_.reason = bot.halt_reason().empty() ? reason : bot.halt_reason();
  summary_.position = bot.portfolio().position().quantity.to_string();
  summary_.equity = bot.portfolio().equity().to_string();
  summary_.bars = parts.observer.bars();
}

nlohmann::json BotRunner::execute(Parts& parts, const std::string& name) {
  engine::Bot& bot = parts.engine;
  nlohmann::json reply{{"ok", true}, {"bot", bot_.name}};
  if (name == "pause") {
    bot.set_paused(true);
  } else if (name == "resume") {
    bot.set_paused(false);
  } else if (name == "flatten") {
    const std::string closing = bot.flatten();
    reply["closing_order"] = closing;
    parts.logger.warn(closing.empty() ? "flatten: orders canceled, already flat" : "flatten: closing with " + closing);
  } else {
    return {{"ok", false}, {"error", "unknown bot command '" + name + "'"}};
  }
  parts.observer.publish_status(name);
  reply["state"] = engine::to_string(bot.state());
  reply["paused"] = bot.paused();
  reply["position"] = bot.portfolio().position().quantity.to_string();
  return reply;
}

void BotRunner::drain_commands(Parts& parts) {
  std::deque<Command> pending;
  {
    std::lock_guard lock(mutex_);
    pending.swap(commands_);
    commands_pending_ = false;
  }
  for (Command& command : pending) {
    nlohmann::json reply = execute(parts, command.name);
    parts.flush();  // published and stored before the reply says it is done
    command.reply.set_value(std::move(reply));
  }
  if (!pending.empty()) update_summary(parts, false, {});
}

bool BotRunner::wait_until(std::chrono::steady_clock::time_point due, Parts& parts) {
  while (!stop_requested_) {
    {
      std::unique_lock lock(mutex_);
      wake_.wait_until(lock, due, [&] { return stop_requested_.load() || commands_pending_.load(); });
    }
    if (commands_pending_) drain_commands(parts);
    if (std::chrono::steady_clock::now() >= due) return !stop_requested_;
  }
  return false;
}

// A bot with stored books takes them over, then asks the exchange what happened meanwhile.
void BotRunner::recover(Parts& parts) {
  engine::Bot& bot = parts.engine;
  const store::BotRecovery& recovery = store_->recovery;
  if (!recovery.fresh) {
    bot.restore(recovery.state);
    spdlog::info("bot {}: recovered from the store: position {}, cash {}, {} working orders, next order #{}",
                 bot_.name, recovery.state.position.quantity.to_string(), recovery.state.cash.to_string(),
                 recovery.state.open_orders.size(), recovery.state.next_order_sequence);
  }
  bot.start();
  if (recovery.fresh) {
    check_venue_knows_no_order(parts);
    return;
  }
  check_venue_knows_last_fill(parts);
  const engine::ReconcileReport report = bot.reconcile();
  spdlog::info(
      "bot {}: reconciled with the exchange: {} orders checked, {} fills applied, {} orders never received (marked "
      "rejected), {} status updates, {} cancels resent",
      bot_.name, report.orders_checked, report.fills_applied, report.orders_failed, report.status_updates,
      report.cancels_resent);
}

// The database holds no books of this bot. The venue must not know of its trading either, or the
// two would disagree silently: the first order the bot sends gets the id "<bot>-1", and a venue
// that knows that id holds the history of books kept in another (or a lost) database. Asked of
// the exchange, not of a state folder: a real venue always has state. A venue that knows nothing
// (a simulated account opened by a start that was killed before its books were first written)
// is a fresh start.
void BotRunner::check_venue_knows_no_order(Parts& parts) {
  engine::Bot& bot = parts.engine;
  if (bot.state() != engine::BotState::Running) return;  // halted while connecting: the reason says why
  const std::string first = bot.next_client_order_id();
  const std::optional<Order> known = bot.venue_order(first);
  if (bot.state() != engine::BotState::Running) return;
  if (known)
    throw store::StoreError(
        store::StoreError::Kind::Query,
        "bot " + bot_.name + " has no books in the database, but its exchange knows its order " + first + " (" +
            std::string(to_string(known->status)) + "): the exchange's state in " +
            store_->exchange_state_dir.string() +
            " holds the trading of books this database does not have; point store.dsn at the database that holds "
            "its books, or remove that state to start the bot over");
  spdlog::info("bot {}: no books in the database and the exchange knows no order of it ({} unknown): a fresh start",
               bot_.name, first);
}

// The other way round: the database holds books with fills, so the venue must know the newest
// order they came from. One it does not know means the venue lost its state (a simulated
// exchange's folder removed) or is another account: trading on would leave the two apart, the
// database's position on one side, the venue's balances on the other.
void BotRunner::check_venue_knows_last_fill(Parts& parts) {
  engine::Bot& bot = parts.engine;
  const std::optional<std::string>& last = store_->recovery.last_filled_order;
  if (!last || bot.state() != engine::BotState::Running) return;
  const std::optional<Order> known = bot.venue_order(*last);
  if (known || bot.state() != engine::BotState::Running) return;
  throw store::StoreError(
      store::StoreError::Kind::Query,
      "bot " + bot_.name + " has books in the database with fills of its order " + *last +
          ", but its exchange does not know that order: the exchange's state (" + store_->exchange_state_dir.string() +
          ") was lost or belongs to another account; restore it, or give the bot a new name to start new books");
}

void BotRunner::run() {
  Parts& parts = *parts_;
  engine::Bot& bot = parts.engine;
  std::string end_reason;
  bool signaled_start = false;
  try {
    if (store_) {
      recover(parts);
    } else {
      bot.start();
    }
    parts.flush();
    update_summary(parts, false, {});
    started_.set_value();
    signaled_start = true;
    data::CsvBarReader reader(bot_.data->csv);
    // Bars up to this time were processed before a restart (INT64_MIN: none were).
    const std::int64_t resume_after =
        store_ && store_->recovery.last_bar ? store_->recovery.last_bar->nanos : INT64_MIN;
    std::uint64_t skipped = 0;
    const bool paced = bot_.mode == config::Mode::Paper;
    const double speed = bot_.data->speed.to_double();
    std::chrono::steady_clock::time_point wall_origin;
    Timestamp data_origin;
    bool first = true;
    std::uint64_t since_summary = 0;
    Bar bar;
    while (!stop_requested_) {
      if (commands_pending_) drain_commands(parts);
      if (!reader.next(bar)) {
        end_reason = "end of data";
        break;
      }
      if (bar.ts.nanos <= resume_after) {
        ++skipped;  // processed before the restart
        continue;
      }
      if (skipped > 0) {
        spdlog::info("bot {}: resuming the data after the last bar processed before the restart ({} bars skipped)",
                     bot_.name, skipped);
        skipped = 0;
      }
      if (paced) {
        if (first) {
          wall_origin = std::chrono::steady_clock::now();
          data_origin = bar.ts;
          first = false;
        }
        const auto offset = std::chrono::nanoseconds(
            static_cast<std::int64_t>(static_cast<double>((bar.ts - data_origin).nanos) / speed));
        if (!wait_until(wall_origin + offset, parts)) break;
      }
      bot.process_bar(bar);
      parts.flush();
      if (store_ && store_->on_outage == config::OutagePolicy::Halt && !store_->writer->database_up())
        bot.halt("database unavailable (store.on_outage: halt)");
      if (paced || ++since_summary % 4096 == 0) update_summary(parts, false, {});
    }
    if (stop_requested_) end_reason = "stopped";
  } catch (const std::exception& e) {
    end_reason = std::string("error: ") + e.what();
    if (signaled_start) {
      spdlog::error("bot {}: {}", bot_.name, e.what());
    } else {
      started_.set_exception(std::current_exception());  // start() reports it
      signaled_start = true;
    }
  }
  if (stop_requested_ && shutdown_open_orders_ == config::OpenOrderPolicy::Cancel) bot.cancel_all();
  bot.stop();
  parts.observer.publish_last_equity();
  parts.observer.publish_status(end_reason);
  if (parts.journal) {
    const bool failed = end_reason.rfind("error", 0) == 0 || bot.faulted();
    parts.journal->end_run(failed ? "failed" : "finished", bot.halt_reason().empty() ? end_reason : bot.halt_reason(),
                           bot.portfolio().equity(), parts.observer.bars());
  }
  parts.flush();
  // Commands that raced the end get an answer, not a timeout.
  {
    std::lock_guard lock(mutex_);
    update_summary(parts, true, end_reason);
    for (Command& command : commands_)
      command.reply.set_value({{"ok", false}, {"error", "bot " + bot_.name + " is not running (" + end_reason + ")"}});
    commands_.clear();
  }
  spdlog::info("bot {}: {} after {} bars", bot_.name, end_reason, parts.observer.bars());
}

}  // namespace smoops::daemon
