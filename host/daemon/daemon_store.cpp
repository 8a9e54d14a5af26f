#include "daemon/daemon_store.hpp"

#include <spdlog/spdlog.h>

#include "store/database.hpp"
#include "store/migrations.hpp"
#include "store/store_error.hpp"

namespace smoops::daemon {

DaemonStore::DaemonStore(const config::StoreConfig& config)
    : config_(config), state_dir_(config.state_dir ? *config.state_dir : store::default_state_dir()) {
  std::error_code error;
  std::filesystem::create_directories(state_dir_, error);
  if (error)
    throw store::StoreError(store::StoreError::Kind::Cluster,
                            "cannot create the state directory " + state_dir_.string() + ": " + error.message());
  target_ = store::resolve_store(config_.dsn, state_dir_, /*manage_cluster=*/true);  // logs where
  auto connection = store::connect_with_retry(target_.dsn, std::chrono::seconds(config_.connect_timeout_s));
  if (target_.cluster) {
    const int applied = store::migrate(*connection, store::bundled_migrations());
    if (applied > 0) spdlog::info("store: applied {} migration(s) to the private cluster", applied);
  } else {
    store::require_current_schema(*connection, store::bundled_migrations());
  }
  store::WriterOptions options;
  options.dsn = target_.dsn;
  options.buffer_rows = static_cast<std::size_t>(config_.buffer_events);
  options.spill_file = state_dir_ / "store-spill.jsonl";
  writer_ = std::make_unique<store::StoreWriter>(options, store::connect(target_.dsn));
  registry_ = std::make_unique<store::BotRegistry>(target_.dsn, std::move(connection));
  if (!writer_->flush(std::chrono::seconds(60)))
    throw store::StoreError(store::StoreError::Kind::Unreachable,
                            "store: could not write the spill file " + options.spill_file.string() +
                                " to the database within 60 s; see the log");
}

DaemonStore::~DaemonStore() {
  writer_.reset();  // writes what is queued
  registry_.reset();
  if (target_.cluster) spdlog::info("store: stopping the private PostgreSQL cluster");
}

std::filesystem::path DaemonStore::exchange_state_dir(const std::string& bot) const {
  return state_dir_ / "bots" / bot / "exchange";
}

nlohmann::json DaemonStore::status() const {
  const store::WriterStats stats = writer_->stats();
  return {{"database_up", stats.database_up}, {"queued_rows", stats.queued_rows},
          {"spilling", stats.spilling},       {"rows_written", stats.rows_written},
          {"batches", stats.batches},         {"groups_spilled", stats.groups_spilled},
          {"groups_rejected", stats.groups_rejected}, {"reconnects", stats.reconnects}};
}

}  // namespace smoops::daemon
