#include "daemon/daemon.hpp"

#include <spdlog/spdlog.h>

#include <fstream>
#include <set>
#include <sstream>
#include <zmq.hpp>

#include "bus/control_channel.hpp"
#include "bus/curve.hpp"
#include "bus/publisher.hpp"
#include "cli/plugin_search_path.hpp"
#include "daemon/bot_credentials.hpp"
#include "daemon/systemd_notify.hpp"
#include "engine/bot_validation.hpp"
#include "store/store_error.hpp"
#include "store/store_location.hpp"

namespace smoops::daemon {
namespace {

constexpr std::chrono::milliseconds kControlPoll{100};
constexpr std::chrono::milliseconds kBotCommandTimeout{2000};
constexpr std::chrono::seconds kStatusEvery{1};

// Endpoints off loopback must be authenticated: refuse to expose them otherwise.
void check_exposure(const config::BusConfig& bus) {
  for (const auto& [key, endpoint] : {std::pair{"bus.publish", bus.publish}, std::pair{"bus.snapshot", bus.snapshot},
                                      std::pair{"bus.control", bus.control}}) {
    if (!bus.curve && !bus::is_loopback_endpoint(endpoint))
      throw config::ConfigError(bus.mark, std::string(key) + ": '" + endpoint +
                                              "' is not on loopback; set bus.curve (secret_key_file, "
                                              "authorized_keys_file) so that only authorized clients connect");
  }
}


// Everything a start or a reload checks before anything changes: bus exposure, the plugins, every
// bot and its mode. Returns the registry the bots were validated against and the bots by name.
struct ValidatedDaemon {
  std::unique_ptr<plugin::PluginRegistry> registry;
  std::map<std::string, std::pair<config::BotConfig, std::string>> bots;  // name -> (config, fingerprint)
};

ValidatedDaemon validate(const config::DaemonConfig& daemon) {
  check_exposure(daemon.bus);
  ValidatedDaemon validated;
  validated.registry = std::make_unique<plugin::PluginRegistry>(cli::plugin_search_path(daemon.plugin_dirs));
  for (const auto& error : validated.registry->errors()) spdlog::warn("{}", error.what());
  for (config::BotConfig& bot : engine::validate_daemon_bots(daemon, *validated.registry)) {
    std::string fingerprint = bot_fingerprint(bot.file);
    std::string name = bot.name;
    validated.bots.emplace(std::move(name), std::pair{std::move(bot), std::move(fingerprint)});
  }
  return validated;
}

nlohmann::json summary_json(const BotSummary& s) {
  return {{"name", s.name},         {"state", s.state},   {"mode", s.mode},         {"paused", s.paused},
          {"finished", s.finished}, {"reason", s.reason}, {"position", s.position}, {"equity", s.equity},
          {"bars", s.bars}};
}

}  // namespace

std::size_t validate_daemon(const config::DaemonConfig& daemon) { return validate(daemon).bots.size(); }

std::string bot_fingerprint(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  return file.string() + '\n' + text.str();
}

Daemon::Daemon(config::DaemonConfig config, SignalFlags& signals)
    : signals_(signals), config_(std::move(config)), started_(std::chrono::steady_clock::now()) {
  ValidatedDaemon validated = validate(config_);  // a daemon that starts is one whose config is sound
  registry_ = std::move(validated.registry);
  initial_bots_ = std::move(validated.bots);
  if (config_.store.enabled) {
    store_ = std::make_unique<DaemonStore>(config_.store);
  } else {
    spdlog::warn("store.enabled is false: nothing is stored and paper bots start from scratch");
  }

  context_ = std::make_unique<zmq::context_t>(1);
  if (config_.bus.curve) {
    curve_ = std::make_unique<bus::CurveServer>();
    try {
      curve_->keys = bus::load_curve_secret_key(config_.bus.curve->secret_key_file.string());
      curve_->authorized_client_keys = bus::load_authorized_keys(config_.bus.curve->authorized_keys_file.string());
    } catch (const std::runtime_error& e) {
      throw config::ConfigError(config_.bus.mark, std::string("bus.curve: ") + e.what());
    }
    authenticator_ = std::make_unique<bus::CurveAuthenticator>(*context_, curve_->authorized_client_keys);
  }
  bus::PublisherOptions options;
  options.publish_endpoint = config_.bus.publish;
  options.snapshot_endpoint = config_.bus.snapshot;
  options.high_water_mark = static_cast<int>(config_.bus.high_water_mark);
  options.queue_capacity = static_cast<std::size_t>(config_.bus.queue_capacity);
  options.curve = curve_.get();
  publisher_ = std::make_unique<bus::Publisher>(*context_, options);
  control_ = std::make_unique<bus::ControlServer>(*context_, config_.bus.control, curve_.get());
}

Daemon::~Daemon() {
  bots_.clear();  // joins every bot before the publisher and the store go
  store_.reset();
  control_.reset();
  publisher_.reset();
  authenticator_.reset();
  context_.reset();
}

std::optional<BotStoreLink> Daemon::link_to_store(const config::BotConfig& bot, StoreLease& lease) {
  if (!store_ || bot.mode == config::Mode::Backtest) return std::nullopt;
  store::BotRegistry& registry = store_->registry();
  registry.acquire(bot);
  lease = StoreLease(&registry, bot.name);
  store_->writer().flush(std::chrono::seconds(10));  // a restarted bot recovers what it wrote last
  BotStoreLink link;
  link.writer = &store_->writer();
  link.on_outage = store_->config().on_outage;
  link.exchange_state_dir = store_->exchange_state_dir(bot.name);
  link.recovery = registry.recover(bot);
  // Whether books this database lacks exist on the exchange's side is asked of the exchange once
  // it is connected (BotRunner::check_venue_knows_no_order), not read from this folder: a start
  // killed after the exchange opened its account and before the first books were written leaves
  // the folder behind, and a real venue always has state.
  std::filesystem::create_directories(link.exchange_state_dir);
  std::string code_version = std::string("smoops ") + SMOOPS_VERSION;
  for (const auto& [kind, ref] : {std::pair{PluginKind::Strategy, &bot.strategy},
                                  std::pair{PluginKind::Exchange, &bot.exchange}})
    if (const plugin::PluginInfo* info = registry_->find(kind, ref->plugin))
      code_version += "; " + info->name + " " + info->version;
  if (bot.model)
    if (const plugin::PluginInfo* info = registry_->find(PluginKind::Model, bot.model->plugin))
      code_version += "; " + info->name + " " + info->version;
  std::ifstream in(bot.file, std::ios::binary);
  std::stringstream text;
  text << in.rdbuf();
  link.run_id = registry.begin_run(bot, text.str(), code_version);
  return link;
}

void Daemon::launch(config::BotConfig bot, std::string fingerprint) {
  StoreLease lease;
  std::optional<BotStoreLink> link = link_to_store(bot, lease);
  launch(std::move(bot), std::move(fingerprint), std::move(link), std::move(lease));
}

void Daemon::launch(config::BotConfig bot, std::string fingerprint, std::optional<BotStoreLink> link,
                    StoreLease lease) {
  const std::string name = bot.name;
  const bool stored = link.has_value();
  std::optional<credentials::Credential> credential = load_bot_credentials(
      bot, config_.store.state_dir ? *config_.store.state_dir : store::default_state_dir());
  auto runner = std::make_unique<BotRunner>(std::move(bot), *registry_, *publisher_, config_.shutdown_open_orders,
                                            std::move(link), std::move(credential));
  runner->start();
  bots_[name] = ManagedBot{std::move(fingerprint), std::move(lease), std::move(runner)};
  spdlog::info("bot {} started{}", name, stored ? " (journaled in the store)" : "");
}

void Daemon::check_store() {
  if (!store_) return;
  for (const std::string& name : store_->registry().check()) {
    const auto it = bots_.find(name);
    if (it == bots_.end()) continue;
    spdlog::error("bot {}: another daemon took it while the database was unreachable; stopping it here", name);
    it->second.runner->request_stop();
    it->second.runner->join();
  }
}

int Daemon::run() {
  // Every stored bot is taken before any starts: a bot owned elsewhere stops the start-up cleanly.
  std::map<std::string, std::pair<std::optional<BotStoreLink>, StoreLease>> links;
  for (auto& [name, entry] : initial_bots_) {
    StoreLease lease;
    std::optional<BotStoreLink> link = link_to_store(entry.first, lease);
    links.emplace(name, std::pair{std::move(link), std::move(lease)});
  }
  for (auto& [name, entry] : initial_bots_) {
    auto& [link, lease] = links.at(name);
    launch(std::move(entry.first), std::move(entry.second), std::move(link), std::move(lease));
  }
  initial_bots_.clear();
  spdlog::info("smoopsd ready: {} bots; publishing on {}, snapshots on {}, control on {}", bots_.size(),
               publisher_->publish_endpoint(), publisher_->snapshot_endpoint(), control_->endpoint());
  notify_systemd("READY=1\nSTATUS=" + std::to_string(bots_.size()) + " bots running");
  const auto watchdog = watchdog_interval();
  auto next_watchdog = std::chrono::steady_clock::now();
  auto next_status = std::chrono::steady_clock::now();
  const bus::ControlHandler handler = [this](const nlohmann::json& request) { return handle(request); };

  while (!signals_.terminate) {
    try {
      control_->serve(kControlPoll, handler);
    } catch (const zmq::error_t& e) {
      if (e.num() != EINTR) throw;  // a signal interrupted the wait: look at the flags
    }
    if (signals_.reload.exchange(false)) {
      const nlohmann::json result = reload();
      if (!result.value("ok", false)) spdlog::error("reload refused: {}", result.value("error", std::string()));
    }
    const auto now = std::chrono::steady_clock::now();
    if (watchdog && now >= next_watchdog) {
      notify_systemd("WATCHDOG=1");
      next_watchdog = now + *watchdog;
    }
    if (now >= next_status) {
      check_store();
      publish_daemon_status();
      next_status = now + kStatusEvery;
    }
  }
  shut_down();
  return 0;
}

void Daemon::shut_down() {
  spdlog::info("shutting down: stopping {} bots (open orders: {})", bots_.size(),
               config_.shutdown_open_orders == config::OpenOrderPolicy::Cancel ? "cancel" : "leave");
  notify_systemd("STOPPING=1");
  for (auto& [name, bot] : bots_) bot.runner->request_stop();
  for (auto& [name, bot] : bots_) bot.runner->join();
  publish_daemon_status();
  publisher_->flush();
  const bus::PublisherStats stats = publisher_->stats();
  spdlog::info("stopped: {} messages published, {} dropped", stats.published, stats.dropped);
}

void Daemon::publish_daemon_status() {
  const bus::PublisherStats stats = publisher_->stats();
  std::size_t running = 0;
  for (const auto& [name, bot] : bots_) running += bot.runner->summary().finished ? 0 : 1;
  nlohmann::ordered_json status;
  status["uptime_s"] = std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count();
  status["bots"] = bots_.size();
  status["running"] = running;
  status["published"] = stats.published;
  status["dropped"] = stats.dropped;
  status["snapshots"] = stats.snapshots;
  if (store_) status["store"] = store_->status();
  bus::BusMessage message{"daemon.status", status.dump(), bus::StateEffect::Set, "daemon.status"};
  publisher_->publish(std::move(message));
}

nlohmann::json Daemon::bots_json() const {
  nlohmann::json bots = nlohmann::json::array();
  for (const auto& [name, bot] : bots_) bots.push_back(summary_json(bot.runner->summary()));
  return bots;
}

nlohmann::json Daemon::handle(const nlohmann::json& request) {
  const std::string command = request.at("command").get<std::string>();
  if (command == "status") {
    const bus::PublisherStats stats = publisher_->stats();
    nlohmann::json daemon{
        {"uptime_s", std::chrono::duration<double>(std::chrono::steady_clock::now() - started_).count()},
        {"config", config_.file.string()},
        {"bots", bots_.size()},
        {"published", stats.published},
        {"dropped", stats.dropped},
        {"publish", publisher_->publish_endpoint()},
        {"snapshot", publisher_->snapshot_endpoint()},
        {"control", control_->endpoint()}};
    if (store_) daemon["store"] = store_->status();
    return {{"ok", true}, {"daemon", daemon}, {"bots", bots_json()}};
  }
  if (command == "bots") return {{"ok", true}, {"bots", bots_json()}};
  if (command == "reload") return reload();
  return bot_command(command, request.at("bot").get<std::string>());
}

nlohmann::json Daemon::bot_command(const std::string& command, const std::string& name) {
  const auto it = bots_.find(name);
  if (it == bots_.end()) {
    std::string known;
    for (const auto& [bot_name, bot] : bots_) known += (known.empty() ? "" : ", ") + bot_name;
    return {{"ok", false}, {"error", "no bot named '" + name + "' (bots: " + known + ")"}};
  }
  BotRunner& runner = *it->second.runner;
  if (command == "stop") {
    if (runner.summary().finished) return {{"ok", false}, {"error", "bot " + name + " is not running"}};
    runner.request_stop();
    runner.join();
    spdlog::info("bot {} stopped on request", name);
    return {{"ok", true}, {"bot", name}, {"state", runner.summary().state}};
  }
  if (command == "start") {
    if (!runner.summary().finished) return {{"ok", false}, {"error", "bot " + name + " is already running"}};
    config::BotConfig bot = runner.config();
    std::string fingerprint = it->second.fingerprint;
    bots_.erase(it);
    try {
      launch(std::move(bot), std::move(fingerprint));
    } catch (const std::exception& e) {
      // The store refused it (owned elsewhere, unreachable): the bot is out until a reload adds it.
      spdlog::error("bot {}: cannot start: {}", name, e.what());
      return {{"ok", false}, {"error", "bot " + name + " cannot start: " + e.what()}};
    }
    return {{"ok", true}, {"bot", name}, {"state", "running"}};
  }
  return runner.command(command, kBotCommandTimeout);
}

nlohmann::json Daemon::reload() {
  config::DaemonConfig next;
  ValidatedDaemon validated;
  try {
    next = config::load_daemon_config(config_.file);
    validated = validate(next);
  } catch (const std::exception& e) {
    // A config that fails validation is rejected as a whole; the running set keeps going.
    return {{"ok", false}, {"error", std::string(e.what())}};
  }
  if (next.bus.publish != config_.bus.publish || next.bus.snapshot != config_.bus.snapshot ||
      next.bus.control != config_.bus.control)
    spdlog::warn("reload: bus endpoints changed; they take effect after a restart");

  nlohmann::json added = nlohmann::json::array(), removed = nlohmann::json::array(),
                 restarted = nlohmann::json::array(), unchanged = nlohmann::json::array();
  auto& wanted = validated.bots;
  for (auto it = bots_.begin(); it != bots_.end();) {
    const auto found = wanted.find(it->first);
    if (found == wanted.end()) {
      removed.push_back(it->first);
      it = bots_.erase(it);  // the runner stops and joins
    } else {
      ++it;
    }
  }
  registry_ = std::move(validated.registry);  // running bots keep their plugin libraries loaded
  config_.plugin_dirs = next.plugin_dirs;
  config_.bot_files = next.bot_files;
  config_.bots_dir = next.bots_dir;
  config_.shutdown_open_orders = next.shutdown_open_orders;
  nlohmann::json failed = nlohmann::json::object();
  // A bot the store refuses (owned by another daemon, database unreachable) is left out and
  // reported; the others go on.
  auto try_launch = [&](const std::string& name, const std::pair<config::BotConfig, std::string>& entry) {
    try {
      launch(entry.first, entry.second);
      return true;
    } catch (const std::exception& e) {
      spdlog::error("reload: bot {} cannot start: {}", name, e.what());
      failed[name] = e.what();
      return false;
    }
  };
  for (auto& [name, entry] : wanted) {
    const auto running = bots_.find(name);
    if (running == bots_.end()) {
      if (try_launch(name, entry)) added.push_back(name);
    } else if (running->second.fingerprint != entry.second) {
      bots_.erase(running);
      if (try_launch(name, entry)) restarted.push_back(name);
    } else {
      unchanged.push_back(name);
    }
  }
  spdlog::info("reloaded {}: added {}, removed {}, restarted {}, unchanged {}, failed {}", config_.file.string(),
               added.dump(), removed.dump(), restarted.dump(), unchanged.dump(), failed.dump());
  return {{"ok", true},           {"added", added},         {"removed", removed},
          {"restarted", restarted}, {"unchanged", unchanged}, {"failed", failed}};
}

}  // namespace smoops::daemon
