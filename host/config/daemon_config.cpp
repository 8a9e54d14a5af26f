#include "config/daemon_config.hpp"

#include <algorithm>
#include <array>
#include <system_error>

#include "config/config_value.hpp"
#include "config/yaml_document.hpp"

namespace smoops::config {

namespace {

std::vector<std::filesystem::path> read_path_list(const ConfigValue& value) {
  std::vector<std::filesystem::path> paths;
  for (const ConfigValue& item : value.as_list("a list of paths")) paths.push_back(item.as_path());
  return paths;
}

void read_plugin_dirs(const ConfigValue& value, DaemonConfig& config) { config.plugin_dirs = read_path_list(value); }

void read_bots(const ConfigValue& value, DaemonConfig& config) { config.bot_files = read_path_list(value); }

void read_bots_dir(const ConfigValue& value, DaemonConfig& config) {
  config.bots_dir = value.as_path();
  config.bots_dir_mark = value.mark();
}

void read_log(const ConfigValue& value, DaemonConfig& config) {
  const ConfigMap section = value.as_map({"level", "file"});
  if (const auto level = section.find("level")) config.log.level = level->as_one_of({"trace", "debug", "info", "warn", "error"});
  if (const auto file = section.find("file")) config.log.file = file->as_path();
}

void read_bus(const ConfigValue& value, DaemonConfig& config) {
  const ConfigMap section =
      value.as_map({"publish", "snapshot", "control", "high_water_mark", "queue_capacity", "curve"});
  BusConfig& bus = config.bus;
  bus.mark = value.mark();
  if (const auto v = section.find("publish")) bus.publish = v->as_text("a ZeroMQ endpoint");
  if (const auto v = section.find("snapshot")) bus.snapshot = v->as_text("a ZeroMQ endpoint");
  if (const auto v = section.find("control")) bus.control = v->as_text("a ZeroMQ endpoint");
  if (const auto v = section.find("high_water_mark")) bus.high_water_mark = v->as_integer_at_least(1);
  if (const auto v = section.find("queue_capacity")) bus.queue_capacity = v->as_integer_at_least(16);
  if (const auto v = section.find("curve")) {
    const ConfigMap curve = v->as_map({"secret_key_file", "authorized_keys_file"});
    bus.curve = BusConfig::Curve{curve.require("secret_key_file").as_path(), curve.require("authorized_keys_file").as_path()};
  }
}

void read_store(const ConfigValue& value, DaemonConfig& config) {
  const ConfigMap section =
      value.as_map({"enabled", "dsn", "state_dir", "on_outage", "buffer_events", "connect_timeout_s"});
  StoreConfig& store = config.store;
  store.mark = value.mark();
  if (const auto v = section.find("enabled")) store.enabled = v->as_bool();
  if (const auto v = section.find("dsn")) store.dsn = v->as_text("a PostgreSQL connection string");
  if (const auto v = section.find("state_dir")) store.state_dir = v->as_path();
  if (const auto v = section.find("on_outage")) {
    const std::string policy = v->as_one_of({"reduce_only", "keep_trading", "halt"});
    store.on_outage = policy == "keep_trading" ? OutagePolicy::KeepTrading
                      : policy == "halt"       ? OutagePolicy::Halt
                                               : OutagePolicy::ReduceOnly;
  }
  if (const auto v = section.find("buffer_events")) store.buffer_events = v->as_integer_at_least(1);
  if (const auto v = section.find("connect_timeout_s")) store.connect_timeout_s = v->as_integer_at_least(0);
}

void read_shutdown(const ConfigValue& value, DaemonConfig& config) {
  const ConfigMap section = value.as_map({"open_orders"});
  if (const auto v = section.find("open_orders"))
    config.shutdown_open_orders = v->as_one_of({"cancel", "leave"}) == "leave" ? OpenOrderPolicy::Leave : OpenOrderPolicy::Cancel;
}

/// One top-level key of the daemon file and how to read it. A new section (store, bus) is one
/// more row here.
struct DaemonSection {
  std::string_view key;
  void (*read)(const ConfigValue& value, DaemonConfig& config);
};

constexpr std::array kDaemonSections{
    DaemonSection{"plugin_dirs", read_plugin_dirs},
    DaemonSection{"bots", read_bots},
    DaemonSection{"bots_dir", read_bots_dir},
    DaemonSection{"log", read_log},
    DaemonSection{"bus", read_bus},
    DaemonSection{"shutdown", read_shutdown},
    DaemonSection{"store", read_store},
};

bool is_yaml_file(const std::filesystem::directory_entry& entry) {
  const auto extension = entry.path().extension();
  return entry.is_regular_file() && (extension == ".yaml" || extension == ".yml");
}

}  // namespace

std::vector<std::filesystem::path> DaemonConfig::all_bot_files() const {
  std::vector<std::filesystem::path> files = bot_files;
  if (!bots_dir) return files;
  std::vector<std::filesystem::path> listed;
  std::error_code error;
  for (std::filesystem::directory_iterator it(*bots_dir, error), end; !error && it != end; it.increment(error))
    if (is_yaml_file(*it)) listed.push_back(it->path());
  if (error) throw ConfigError(bots_dir_mark, "bots_dir: cannot list '" + bots_dir->string() + "': " + error.message());
  std::sort(listed.begin(), listed.end());
  files.insert(files.end(), listed.begin(), listed.end());
  return files;
}

DaemonConfig parse_daemon_config(std::string_view yaml_text, const std::filesystem::path& file) {
  DaemonConfig config;
  config.file = file;
  config.bus.mark = SourceMark{file.string(), 1, 1};
  config.store.mark = config.bus.mark;
  const YAML::Node root = parse_yaml_document(yaml_text, file);
  if (root.IsNull()) return config;

  std::vector<std::string_view> known_keys;
  for (const DaemonSection& section : kDaemonSections) known_keys.push_back(section.key);
  const ConfigMap top = ConfigValue::root(root, file).as_map(known_keys);
  for (const DaemonSection& section : kDaemonSections)
    if (const auto value = top.find(section.key)) section.read(*value, config);
  return config;
}

DaemonConfig load_daemon_config(const std::filesystem::path& file) {
  return parse_daemon_config(read_config_text(file), file);
}

}  // namespace smoops::config
