#include "store/store_writer.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include <spdlog/spdlog.h>

#include "store/database.hpp"

namespace smoops::store {
namespace {

constexpr std::size_t kReplayChunkGroups = 2'000;
constexpr auto kStopGrace = std::chrono::seconds(10);
constexpr const char* kIntentWhileDown =
    "the database is down and an order's intent must be on disk before the order is sent";

// A crash can leave a last line without its newline: it was never acknowledged, so it goes.
void cut_torn_tail(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const auto keep = text.rfind('\n') == std::string::npos ? 0 : text.rfind('\n') + 1;
  if (keep == text.size()) return;
  spdlog::warn("store: dropping a torn last line of {} bytes at the end of {} (a crash while it was written)",
               text.size() - keep, file.string());
  std::filesystem::resize_file(file, keep);
}

}  // namespace

StoreWriter::StoreWriter(WriterOptions options, std::unique_ptr<pqxx::connection> connection)
    : options_(std::move(options)), connection_(std::move(connection)) {
  if (options_.spill_file.empty()) throw std::invalid_argument("StoreWriter: a spill file is required");
  std::error_code ignored;
  std::filesystem::create_directories(options_.spill_file.parent_path(), ignored);
  if (std::filesystem::exists(options_.spill_file) && std::filesystem::file_size(options_.spill_file) > 0) {
    spdlog::warn("store: {} holds events an earlier run could not write; writing them first",
                 options_.spill_file.string());
    cut_torn_tail(options_.spill_file);
    spilling_ = true;
    spill_ = std::fopen(options_.spill_file.c_str(), "ab");
    if (!spill_) throw std::runtime_error("store: cannot open spill file " + options_.spill_file.string());
  }
  if (!connection_) {
    database_up_ = false;
    down_since_ = std::chrono::steady_clock::now();
  }
  thread_ = std::thread([this] { run(); });
}

StoreWriter::~StoreWriter() {
  {
    std::lock_guard lock(mutex_);
    stop_ = true;
  }
  wake_.notify_all();
  thread_.join();
  std::lock_guard lock(mutex_);
  const std::size_t left_in_memory = queue_.size();
  drain_queue_to_spill_locked();
  if (spilling_)
    spdlog::error(
        "store: stopped before the database had everything: {} holds the rest ({} groups moved there from memory now) "
        "and is written to the database at the next start",
        options_.spill_file.string(), left_in_memory);
  if (spill_) {
    sync_spill_locked();
    std::fclose(spill_);
    spill_ = nullptr;
  }
}

void StoreWriter::set_on_reconnect(std::function<void()> callback) {
  std::lock_guard lock(mutex_);
  on_reconnect_ = std::move(callback);
}

WriterStats StoreWriter::stats() const {
  std::lock_guard lock(mutex_);
  WriterStats stats = stats_;
  stats.queued_rows = queued_rows_;
  stats.database_up = database_up_;
  stats.spilling = spilling_;
  return stats;
}

void StoreWriter::push(RowGroup group) {
  if (group.empty()) return;
  {
    std::lock_guard lock(mutex_);
    enqueue_locked(std::move(group), ++next_seq_);
  }
  wake_.notify_one();
}

void StoreWriter::enqueue_locked(RowGroup group, std::uint64_t seq) {
  if (!spilling_ && queued_rows_ + group.size() > options_.buffer_rows) {
    announce_spill_locked(fmt::format("{} rows waiting for the database, limit {}", queued_rows_, options_.buffer_rows));
    drain_queue_to_spill_locked();
  }
  if (spilling_) {
    spill_locked(group);
    std::fflush(spill_);
    return;
  }
  queued_rows_ += group.size();
  queue_.push_back(Entry{seq, std::move(group)});
}

StoreWriter::Durability StoreWriter::write_ahead(RowGroup group, bool allow_spill, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t seq = ++next_seq_;
  if (!database_up_) {
    if (!allow_spill) {
      enqueue_locked(std::move(group), seq);  // the rows before the intent must not be lost
      return Durability::None;
    }
    announce_spill_locked(kIntentWhileDown);
    drain_queue_to_spill_locked();
    spill_locked(group);
    sync_spill_locked();
    return Durability::Spill;
  }
  const bool spilled = spilling_;
  if (spilled) {
    // The database is back and the spill file is being written: this group goes after it.
    spill_locked(group);
    sync_spill_locked();
  } else {
    queued_rows_ += group.size();
    queue_.push_back(Entry{seq, group});  // a copy: the writer may take it before we know the outcome
  }
  wake_.notify_one();
  committed_.wait_for(lock, timeout, [&] { return committed_seq_ >= seq || !database_up_; });
  if (committed_seq_ >= seq) return Durability::Database;
  if (!allow_spill) return Durability::None;  // it is still queued or spilled: written (then superseded) later
  // The group is in the spill file, in the queue, or in the batch the writer is writing now. In
  // that last case it is spilled too (writing it twice changes nothing), so that it is on disk
  // whatever becomes of that batch.
  const bool queued = std::any_of(queue_.begin(), queue_.end(), [&](const Entry& entry) { return entry.seq == seq; });
  announce_spill_locked(database_up_ ? fmt::format("the database did not commit an order's intent within {} ms",
                                                   timeout.count())
                                     : std::string(kIntentWhileDown));
  drain_queue_to_spill_locked();
  if (!spilled && !queued) spill_locked(group);
  sync_spill_locked();
  return Durability::Spill;
}

bool StoreWriter::flush(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mutex_);
  const std::uint64_t target = next_seq_;
  wake_.notify_one();
  return committed_.wait_for(lock, timeout, [&] { return committed_seq_ >= target && !spilling_; });
}

// Called with the lock held: says once, when spilling starts, why and where.
void StoreWriter::announce_spill_locked(const std::string& why) {
  if (spilling_) return;
  spdlog::warn("store: spilling to {} ({}); it is written to the database once the database is back",
               options_.spill_file.string(), why);
}

// Called with the lock held.
void StoreWriter::spill_locked(const RowGroup& group) {
  if (!spill_) {
    spill_ = std::fopen(options_.spill_file.c_str(), "ab");
    if (!spill_) {
      // The last resort failed too: say so loudly; the rows stay in memory.
      spdlog::critical("store: cannot open spill file {}; keeping events in memory", options_.spill_file.string());
      queued_rows_ += group.size();
      queue_.push_back(Entry{next_seq_, group});
      return;
    }
  }
  spilling_ = true;
  const std::string line = to_spill_line(group) + "\n";
  if (std::fwrite(line.data(), 1, line.size(), spill_) != line.size())
    spdlog::critical("store: short write to spill file {}", options_.spill_file.string());
  ++stats_.groups_spilled;
}

void StoreWriter::drain_queue_to_spill_locked() {
  if (queue_.empty()) return;
  for (const Entry& entry : queue_) spill_locked(entry.group);
  queue_.clear();
  queued_rows_ = 0;
  std::fflush(spill_);
}

void StoreWriter::sync_spill_locked() {
  if (!spill_) return;
  std::fflush(spill_);
  ::fdatasync(::fileno(spill_));
}

void StoreWriter::connection_lost(const std::string& why) {
  connection_.reset();
  if (database_up_.exchange(false)) {
    down_since_ = std::chrono::steady_clock::now();
    std::lock_guard lock(mutex_);
    spdlog::error(
        "store: lost the database ({}); {} rows held in memory, beyond {} they go to {}; bots follow "
        "store.on_outage",
        why, queued_rows_, options_.buffer_rows, options_.spill_file.string());
  }
  committed_.notify_all();
}

bool StoreWriter::reconnect() {
  try {
    connection_ = connect(options_.dsn);
  } catch (const std::exception& e) {
    spdlog::debug("store: reconnect failed: {}", e.what());
    return false;
  }
  ++stats_.reconnects;
  std::function<void()> callback;
  {
    std::lock_guard lock(mutex_);
    callback = on_reconnect_;
  }
  if (callback) {
    try {
      callback();
    } catch (const std::exception& e) {
      spdlog::error("store: after reconnecting: {}", e.what());
    }
  }
  const auto down_for = std::chrono::duration<double>(std::chrono::steady_clock::now() - down_since_).count();
  database_up_ = true;
  std::lock_guard lock(mutex_);
  spdlog::warn("store: database back after {:.1f} s; writing {} buffered rows{}", down_for, queued_rows_,
               spilling_ ? " and the spill file " + options_.spill_file.string() : std::string());
  return true;
}

void StoreWriter::run() {
  auto backoff = std::chrono::milliseconds(250);
  while (true) {
    if (!connection_) {
      {
        std::unique_lock lock(mutex_);
        if (stop_ && std::chrono::steady_clock::now() - down_since_ > kStopGrace) return;
        wake_.wait_for(lock, backoff, [&] { return stop_; });
      }
      if (!reconnect()) {
        backoff = std::min(backoff * 2, options_.max_backoff);
        continue;
      }
      backoff = std::chrono::milliseconds(250);
    }
    try {
      bool spilling;
      {
        std::lock_guard lock(mutex_);
        spilling = spilling_;
      }
      if (spilling) {
        replay_spill();
        continue;
      }
      std::vector<Entry> batch;
      {
        std::unique_lock lock(mutex_);
        wake_.wait(lock, [&] { return stop_ || !queue_.empty() || spilling_; });
        if (spilling_) continue;
        if (queue_.empty()) return;  // stopping with nothing left
        std::size_t rows = 0;
        while (!queue_.empty() && (batch.empty() || rows + queue_.front().group.size() <= options_.max_batch_rows)) {
          rows += queue_.front().group.size();
          batch.push_back(std::move(queue_.front()));
          queue_.pop_front();
        }
        queued_rows_ -= rows;
      }
      std::vector<const RowGroup*> groups;
      for (const Entry& entry : batch) groups.push_back(&entry.group);
      try {
        write_groups(groups);
      } catch (...) {
        // Put the batch back where it was, ahead of anything newer.
        std::lock_guard lock(mutex_);
        if (spilling_) {
          // Newer groups already went to the spill file: the batch must come before them.
          std::ifstream in(options_.spill_file, std::ios::binary);
          in.seekg(static_cast<std::streamoff>(spill_replayed_));
          std::stringstream rest;
          rest << in.rdbuf();
          const auto rewritten = options_.spill_file.string() + ".tmp";
          {
            std::ofstream out(rewritten, std::ios::binary | std::ios::trunc);
            for (const Entry& entry : batch) out << to_spill_line(entry.group) << '\n';
            out << rest.str();
          }
          if (spill_) std::fclose(spill_);
          std::filesystem::rename(rewritten, options_.spill_file);
          spill_ = std::fopen(options_.spill_file.c_str(), "ab");
          spill_replayed_ = 0;
        } else {
          for (auto it = batch.rbegin(); it != batch.rend(); ++it) {
            queued_rows_ += it->group.size();
            queue_.push_front(std::move(*it));
          }
        }
        throw;
      }
      {
        std::lock_guard lock(mutex_);
        committed_seq_ = std::max(committed_seq_, batch.back().seq);
      }
      committed_.notify_all();
    } catch (const pqxx::broken_connection& e) {
      connection_lost(e.what());
    } catch (const pqxx::in_doubt_error& e) {
      connection_lost(e.what());
    } catch (const std::exception& e) {
      // Anything else (the batch is back in the queue): start over on a new connection.
      spdlog::error("store: writer error: {}; reconnecting", e.what());
      connection_lost(e.what());
    }
  }
}

void StoreWriter::write_transaction(const std::vector<const RowGroup*>& groups) {
  std::vector<const PendingRow*> rows;
  for (const RowGroup* group : groups)
    for (const PendingRow& row : *group) rows.push_back(&row);
  pqxx::work work(*connection_);
  for (const std::string& statement : batch_statements(rows)) work.exec(statement);
  work.commit();
  std::lock_guard lock(mutex_);
  stats_.rows_written += rows.size();
  ++stats_.batches;
}

void StoreWriter::write_groups(const std::vector<const RowGroup*>& groups) {
  try {
    write_transaction(groups);
    return;
  } catch (const pqxx::broken_connection&) {
    throw;
  } catch (const pqxx::in_doubt_error&) {
    throw;
  } catch (const pqxx::sql_error& e) {
    if (groups.size() == 1) {
      reject(*groups.front(), e.what());
      return;
    }
    spdlog::error("store: the database refused a batch of {} groups ({}); writing them one by one", groups.size(),
                  e.what());
  }
  for (const RowGroup* group : groups) {
    try {
      write_transaction({group});
    } catch (const pqxx::broken_connection&) {
      throw;
    } catch (const pqxx::in_doubt_error&) {
      throw;
    } catch (const pqxx::sql_error& e) {
      reject(*group, e.what());
    }
  }
}

void StoreWriter::reject(const RowGroup& group, const std::string& why) {
  const auto file = options_.spill_file.string() + ".rejected";
  std::ofstream out(file, std::ios::binary | std::ios::app);
  std::string reason = why;
  for (char& c : reason)
    if (c == '\n') c = ' ';
  out << "# " << reason << '\n' << to_spill_line(group) << '\n';
  std::lock_guard lock(mutex_);
  ++stats_.groups_rejected;
  spdlog::error("store: the database refused {} rows ({}); kept in {}", group.size(), reason, file);
}

void StoreWriter::replay_spill() {
  std::ifstream in(options_.spill_file, std::ios::binary);
  std::uint64_t offset = spill_replayed_;
  std::vector<RowGroup> chunk;
  std::string line;
  auto write_chunk = [&] {
    if (chunk.empty()) return;
    std::vector<const RowGroup*> groups;
    for (const RowGroup& group : chunk) groups.push_back(&group);
    write_groups(groups);
    std::lock_guard lock(mutex_);
    spill_replayed_ = offset;
    chunk.clear();
  };
  while (true) {
    {
      std::lock_guard lock(mutex_);
      if (spill_) std::fflush(spill_);
    }
    in.clear();
    in.seekg(static_cast<std::streamoff>(offset));
    // Appends are whole lines under the lock; a line without its newline is still being written.
    while (std::getline(in, line) && !in.eof()) {
      offset += line.size() + 1;
      if (line.empty()) continue;
      try {
        chunk.push_back(from_spill_line(line));
      } catch (const std::exception& e) {
        reject({}, std::string(e.what()) + ": " + line);
      }
      if (chunk.size() >= kReplayChunkGroups) write_chunk();
    }
    write_chunk();
    {
      std::lock_guard lock(mutex_);
      spill_replayed_ = offset;
    }
    std::unique_lock lock(mutex_);
    if (spill_) std::fflush(spill_);
    if (std::filesystem::file_size(options_.spill_file) > spill_replayed_) continue;  // more was appended
    // Everything is in the database: stop spilling.
    if (spill_) std::fclose(spill_);
    spill_ = nullptr;
    std::filesystem::remove(options_.spill_file);
    spill_replayed_ = 0;
    spilling_ = false;
    committed_seq_ = queue_.empty() ? next_seq_ : std::max(committed_seq_, queue_.front().seq - 1);
    spdlog::info("store: the spill file is written to the database");
    lock.unlock();
    committed_.notify_all();
    return;
  }
}

}  // namespace smoops::store
