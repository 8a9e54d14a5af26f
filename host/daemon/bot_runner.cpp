#include "daemon/bot_runner.hpp"

#include <spdlog/spdlog.h>

#include "daemon/bus_observer.hpp"
#include "data/csv_bar_reader.hpp"
#include "data/exchange_history.hpp"
#include "engine/bot.hpp"
#include "engine/bot_logger.hpp"
#include "engine/bot_plugins.hpp"
#include "engine/clock.hpp"
#include "store/bot_journal.hpp"
#include "store/store_error.hpp"

namespace smoops::daemon {

namespace {

// How often a live bot's summary is refreshed when no event arrives.
constexpr auto kLiveSummaryEvery = std::chrono::seconds(1);

// Replayed files run on the replay's own clock: time in the engine is the data's time, the pace
// is the wall clock's (× speed). A live feed runs on the wall clock.
std::unique_ptr<engine::Clock> make_clock(const config::BotConfig& bot) {
  if (bot.data && bot.data->live_feed()) return std::make_unique<engine::WallClock>();
  return std::make_unique<engine::SimulatedClock>();
}

// The views the exchange gets of the decrypted credential; they point into its locked memory.
ApiCredentials credential_views(const std::optional<credentials::Credential>& credential) {
  if (!credential) return {};
  return ApiCredentials{credential->name, credentials::key_type_name(credential->type), credential->api_key.reveal(),
                        credential->secret.reveal()};
}

}  // namespace

// Everything the bot's thread owns.
struct BotRunner::Parts {
  Parts(const config::BotConfig& bot, const plugin::PluginRegistry& registry, bus::Publisher& publisher,
        const std::optional<BotStoreLink>& store, const std::optional<credentials::Credential>& credential)
      : plugins(engine::create_bot_plugins(bot, registry)),
        clock(make_clock(bot)),
        logger(bot.name),
        observer(bot, publisher),
        journal(store ? std::make_unique<store::BotJournal>(*store->writer, bot.name, bot.instrument.symbol,
                                                            store->run_id, store->on_outage, store->recovery.journal)
                      : nullptr),
        fanout(journal ? std::vector<engine::BotObserver*>{&observer, journal.get()}
                       : std::vector<engine::BotObserver*>{&observer}),
        engine(engine::BotParts{bot.name, bot.instrument, bot.risk, bot.initial_cash, &bot.strategy.params,
                                plugins.strategy.get(), plugins.exchange.get(), plugins.model.get(), clock.get(),
                                &logger, &fanout, journal.get(),
                                store ? store->exchange_state_dir.string() : std::string(), LogLevel::Info,
                                credential_views(credential)}) {
    observer.attach(&engine);
    logger.set_tap(&observer);
  }
  /// Hands the step's events to the publisher and the store.
  void flush() {
    observer.flush();
    if (journal) journal->flush();
  }
  /// The exchange whose bars the bot runs on when it has a live feed: its own, or a feed of its own.
  Exchange& feed_exchange() { return plugins.feed ? *plugins.feed : *plugins.exchange; }
  engine::BotPlugins plugins;
  std::unique_ptr<engine::Clock> clock;
  engine::BotLogger logger;
  BusObserver observer;
  std::unique_ptr<store::BotJournal> journal;  // paper and live bots with a store
  engine::ObserverFanout fanout;
  engine::Bot engine;  // last: destroyed first
  bool feed_connected = false;  // plugins.feed is connected: disconnect it at the end
};

BotRunner::BotRunner(config::BotConfig bot, const plugin::PluginRegistry& registry, bus::Publisher& publisher,
                     config::OpenOrderPolicy shutdown_open_orders, std::optional<BotStoreLink> store,
                     std::optional<credentials::Credential> credentials)
    : bot_(std::move(bot)),
      publisher_(publisher),
      shutdown_open_orders_(shutdown_open_orders),
      store_(std::move(store)),
      credentials_(std::move(credentials)),
      parts_(std::make_unique<Parts>(bot_, registry, publisher, store_, credentials_)) {
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
  parts_->engine.wake();
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
    parts_->engine.wake();
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

// Connects what the bot trades on and what feeds it, recovers its books and checks them against
// the venue. A live venue that will not have the bot is a VenueError: it stops the start.
void BotRunner::start_bot(Parts& parts) {
  engine::Bot& bot = parts.engine;
  if (parts.plugins.feed) {
    // A feed of its own (a paper bot on a live feed): public data only, connected first so that
    // the venue's instrument filters are known before the simulated exchange opens.
    ExchangeSession session;
    session.events = &bot.exchange_events();
    session.log = &parts.logger;
    session.instrument = bot_.instrument;
    session.market_data_only = true;
    try {
      parts.plugins.feed->connect(session);
    } catch (const std::exception& e) {
      throw engine::VenueError("bot " + bot_.name + ": its feed " + bot_.data->feed.plugin + " did not connect: " + e.what());
    }
    parts.feed_connected = true;
    adopt_venue_instrument(parts, *parts.plugins.feed);
  }
  if (store_) {
    recover(parts);
  } else {
    bot.start();
  }
  if (bot_.mode == config::Mode::Live && bot.state() != engine::BotState::Running)
    throw engine::VenueError("bot " + bot_.name + " (mode live) did not start: " + bot.halt_reason());
  if (bot_.mode == config::Mode::Live) {
    adopt_venue_instrument(parts, *parts.plugins.exchange);
    log_live_start(parts);
  }
  if (bot_.data->live_feed()) subscribe_and_warm_up(parts);
}

// The venue's filters fill what the YAML left out; one the YAML sets must be the venue's.
void BotRunner::adopt_venue_instrument(Parts& parts, Exchange& venue) {
  std::vector<Instrument> listed;
  try {
    listed = venue.instruments();
  } catch (const std::exception& e) {
    throw engine::VenueError("bot " + bot_.name + ": the venue's instruments could not be read: " + e.what());
  }
  const auto it = std::find_if(listed.begin(), listed.end(),
                               [&](const Instrument& i) { return i.symbol == bot_.instrument.symbol; });
  if (it == listed.end())
    throw engine::VenueError("bot " + bot_.name + ": the venue does not list " + bot_.instrument.symbol + " (" +
                     bot_.file.string() + ", instrument.symbol)");
  Instrument merged = bot_.instrument;
  const config::InstrumentGiven& given = bot_.instrument_given;
  std::string disagreements;
  const auto check = [&](bool set, const char* key, std::string ours, std::string theirs) {
    if (set && ours != theirs)
      disagreements += std::string(disagreements.empty() ? "" : "; ") + "instrument." + key + " is " + ours +
                       " in the YAML, " + theirs + " on the venue";
  };
  check(given.tick_size, "tick_size", merged.tick_size.to_string(), it->tick_size.to_string());
  check(given.lot_size, "lot_size", merged.lot_size.to_string(), it->lot_size.to_string());
  check(given.min_notional, "min_notional", merged.min_notional.to_string(), it->min_notional.to_string());
  if (!disagreements.empty())
    throw engine::VenueError("bot " + bot_.name + " (" + bot_.file.string() + "): " + disagreements +
                     "; fix the YAML or leave the filter out to take the venue's");
  merged.tick_size = it->tick_size;
  merged.lot_size = it->lot_size;
  merged.min_notional = it->min_notional;
  if (!it->base_asset.empty()) merged.base_asset = it->base_asset;
  if (!it->quote_asset.empty()) merged.quote_asset = it->quote_asset;
  parts.engine.set_instrument(merged);
}

// What a live bot trades with, in the log before its first order: the operator's last look.
void BotRunner::log_live_start(Parts& parts) {
  const Instrument& instrument = parts.engine.instrument();
  std::string balances;
  try {
    for (const Balance& balance : parts.plugins.exchange->balances())
      if (balance.asset == instrument.base_asset || balance.asset == instrument.quote_asset || !balance.total.is_zero())
        balances += (balances.empty() ? "" : ", ") + balance.asset + " " + balance.total.to_string() + " (" +
                    balance.available.to_string() + " available)";
  } catch (const std::exception& e) {
    throw engine::VenueError("bot " + bot_.name + ": the account's balances could not be read: " + e.what());
  }
  const config::RiskLimits& risk = bot_.risk;
  const auto limit = [](const auto& value) { return value ? value->to_string() : std::string("none"); };
  spdlog::warn(
      "bot {}: LIVE on {} with credentials '{}': {} (tick {}, lot {}, min notional {}); balances: {}; limits: max "
      "order notional {}, max position {}, max open orders {}, max daily loss {}, kill switch {}",
      bot_.name, bot_.exchange.plugin, credentials_ ? credentials_->name : std::string("(none)"), instrument.symbol,
      instrument.tick_size.to_string(), instrument.lot_size.to_string(), instrument.min_notional.to_string(),
      balances.empty() ? std::string("none") : balances, limit(risk.max_order_notional), limit(risk.max_position),
      risk.max_open_orders ? std::to_string(*risk.max_open_orders) : std::string("none"), limit(risk.max_daily_loss),
      risk.kill_switch ? "on" : "off");
}

// Subscribes before reading the history, so that no bar can close unseen between the two (a bar
// in both is dropped by the engine as stale); then the strategy warms up on the latest bars.
void BotRunner::subscribe_and_warm_up(Parts& parts) {
  engine::Bot& bot = parts.engine;
  Exchange& feed = parts.feed_exchange();
  Subscription subscription;
  subscription.symbol = bot_.instrument.symbol;
  subscription.bars = true;
  subscription.trades = bot_.data->trades;
  subscription.bar_interval = bot_.data->interval;
  try {
    feed.subscribe(subscription);
  } catch (const std::exception& e) {
    throw engine::VenueError("bot " + bot_.name + ": the feed's subscription to " + subscription.symbol + " " +
                     subscription.bar_interval + " failed: " + e.what());
  }
  const std::size_t wanted = bot.warmup_bars();
  if (wanted == 0) return;
  std::vector<Bar> history;
  try {
    history = data::latest_bars(feed, subscription.symbol, subscription.bar_interval, wanted);
  } catch (const std::exception& e) {
    throw engine::VenueError("bot " + bot_.name + ": the " + std::to_string(wanted) +
                     " bars to warm its strategy up on could not be read from the feed: " + e.what());
  }
  bot.warm_up(history);
  spdlog::info("bot {}: warmed up on the latest {} closed bars (the strategy asked for {})", bot_.name,
               history.size(), wanted);
}

// Replays the data file (as fast as it goes, or paced by data.speed for a paper bot). After a
// restart the bars processed before it are skipped, and the strategy warms up on the last of them.
std::string BotRunner::run_file(Parts& parts) {
  engine::Bot& bot = parts.engine;
  data::CsvBarReader reader(bot_.data->csv);
  // Bars up to this time were processed before a restart (INT64_MIN: none were).
  const std::int64_t resume_after = store_ && store_->recovery.last_bar ? store_->recovery.last_bar->nanos : INT64_MIN;
  const std::size_t warmup = resume_after == INT64_MIN ? 0 : bot.warmup_bars();
  std::deque<Bar> skipped_tail;  // the last `warmup` bars skipped
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
    if (!reader.next(bar)) return "end of data";
    if (bar.ts.nanos <= resume_after) {
      ++skipped;  // processed before the restart
      if (warmup > 0) {
        skipped_tail.push_back(bar);
        if (skipped_tail.size() > warmup) skipped_tail.pop_front();
      }
      continue;
    }
    if (skipped > 0) {
      const std::vector<Bar> warmup_bars(skipped_tail.begin(), skipped_tail.end());
      bot.warm_up(warmup_bars);
      spdlog::info(
          "bot {}: resuming the data after the last bar processed before the restart ({} bars skipped, the strategy "
          "warmed up on the last {})",
          bot_.name, skipped, warmup_bars.size());
      skipped = 0;
      skipped_tail.clear();
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
    after_step(parts);
    if (paced || ++since_summary % 4096 == 0) update_summary(parts, false, {});
  }
  return "stopped";
}

// Waits for what the feed's and the exchange's I/O threads queue, and fires the strategy's timers
// on the wall clock, until a stop.
std::string BotRunner::run_live_feed(Parts& parts) {
  engine::Bot& bot = parts.engine;
  while (!stop_requested_) {
    if (commands_pending_) drain_commands(parts);
    auto deadline = std::chrono::steady_clock::now() + kLiveSummaryEvery;
    if (const std::optional<Timestamp> timer = bot.next_timer_at()) {
      const auto until_timer = std::chrono::nanoseconds(std::max<std::int64_t>(0, (*timer - parts.clock->now()).nanos));
      deadline = std::min(deadline, std::chrono::steady_clock::now() + until_timer);
    }
    bot.wait_for_events(deadline);
    if (stop_requested_) break;
    bot.process_queued_events();
    bot.fire_due_timers();
    after_step(parts);
    update_summary(parts, false, {});
  }
  return "stopped";
}

// After each step: its events to the bus and the store; a halt when the store is down and the
// bot's policy says so.
void BotRunner::after_step(Parts& parts) {
  parts.flush();
  if (store_ && store_->on_outage == config::OutagePolicy::Halt && !store_->writer->database_up())
    parts.engine.halt("database unavailable (store.on_outage: halt)");
}

void BotRunner::run() {
  Parts& parts = *parts_;
  engine::Bot& bot = parts.engine;
  std::string end_reason;
  bool signaled_start = false;
  try {
    start_bot(parts);
    parts.flush();
    update_summary(parts, false, {});
    started_.set_value();
    signaled_start = true;
    end_reason = bot_.data->live_feed() ? run_live_feed(parts) : run_file(parts);
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
  if (parts.feed_connected) {
    try {
      parts.plugins.feed->disconnect();
    } catch (const std::exception& e) {
      spdlog::error("bot {}: its feed threw in disconnect: {}", bot_.name, e.what());
    }
  }
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
