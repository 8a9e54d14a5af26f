#pragma once
// The daemon's one database writer. Bots hand it groups of rows (store_rows.hpp) without ever
// waiting on the network; its thread writes them in batches, each batch one transaction, in the
// order they came. So the database always holds a prefix of every bot's history, which is what
// recovery relies on.
//
// When the database is unreachable the writer keeps groups in memory up to `buffer_rows`; beyond
// that, and for every write-ahead made during an outage, it appends them to a local spill file
// (JSON lines, fsync'ed for write-aheads) and keeps appending there until that file has been
// written to the database. It reconnects with backoff, writes the spill file, then the memory
// queue, and says so in the log. Nothing is dropped: a batch the server refuses (a bug or bad
// data) is retried group by group and any group still refused is appended, with the server's
// message, to `<spill file>.rejected` and logged as an error.

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <deque>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include <pqxx/pqxx>

#include "store/store_rows.hpp"

namespace smoops::store {

struct WriterOptions {
  std::string dsn;                               ///< for reconnecting
  std::size_t buffer_rows = 100'000;             ///< rows held in memory before spilling
  std::filesystem::path spill_file;              ///< required
  std::size_t max_batch_rows = 2'000;            ///< rows per transaction at most (docs/benchmarks.md: smaller batches plan faster)
  std::chrono::milliseconds max_backoff{4000};   ///< between reconnection attempts
};

/// Counters, for logs, the bus and benchmarks.
struct WriterStats {
  std::uint64_t rows_written = 0;     ///< rows committed (including no-op repeats)
  std::uint64_t batches = 0;          ///< transactions committed
  std::uint64_t groups_spilled = 0;   ///< groups appended to the spill file
  std::uint64_t groups_rejected = 0;  ///< groups the server refused (in the .rejected file)
  std::uint64_t reconnects = 0;
  std::uint64_t queued_rows = 0;      ///< rows waiting in memory now
  bool database_up = true;
  bool spilling = false;
};

class StoreWriter {
 public:
  /// Takes the connection made at start-up; replays a spill file left by an earlier run before
  /// anything else.
  StoreWriter(WriterOptions options, std::unique_ptr<pqxx::connection> connection);
  /// Stops: writes what is queued while the database answers (up to 10 s); what cannot be
  /// written goes to the spill file for the next start.
  ~StoreWriter();
  StoreWriter(const StoreWriter&) = delete;
  StoreWriter& operator=(const StoreWriter&) = delete;

  /// Queues a group; never blocks on the database.
  void push(RowGroup group);

  /// Where a write-ahead group ended up.
  enum class Durability { Database, Spill, None };
  /// Queues `group` and waits until it is committed (and everything queued before it). When the
  /// database is down or does not commit within `timeout`: with `allow_spill` the group is made
  /// durable in the spill file (fsync) instead; without it, None is returned and the group stays
  /// queued to be written later.
  Durability write_ahead(RowGroup group, bool allow_spill, std::chrono::milliseconds timeout);

  /// Waits until everything queued and spilled so far is in the database; false on timeout.
  bool flush(std::chrono::milliseconds timeout);
  bool database_up() const { return database_up_.load(); }
  WriterStats stats() const;
  /// Called on the writer's thread after each reconnection, before anything is written (the
  /// daemon re-takes its bots' advisory locks there).
  void set_on_reconnect(std::function<void()> callback);

 private:
  struct Entry {
    std::uint64_t seq;
    RowGroup group;
  };

  void run();
  bool reconnect();
  /// Writes `groups` in one transaction; on a server error, group by group. Throws
  /// pqxx::broken_connection when the connection is lost.
  void write_groups(const std::vector<const RowGroup*>& groups);
  void write_transaction(const std::vector<const RowGroup*>& groups);
  void reject(const RowGroup& group, const std::string& why);
  /// Writes the spill file to the database, then removes it and stops spilling.
  void replay_spill();
  void enqueue_locked(RowGroup group, std::uint64_t seq);
  void announce_spill_locked(const std::string& why);
  void spill_locked(const RowGroup& group);
  void drain_queue_to_spill_locked();
  void sync_spill_locked();
  void connection_lost(const std::string& why);

  WriterOptions options_;
  std::unique_ptr<pqxx::connection> connection_;  // writer thread only
  std::function<void()> on_reconnect_;

  mutable std::mutex mutex_;
  std::condition_variable wake_;       // the writer: work or stop
  std::condition_variable committed_;  // waiters: progress
  std::deque<Entry> queue_;
  std::size_t queued_rows_ = 0;
  std::uint64_t next_seq_ = 0;
  std::uint64_t committed_seq_ = 0;    // every group up to this one is in the database or spilled
  bool spilling_ = false;
  std::FILE* spill_ = nullptr;         // open for appending while spilling_
  std::uint64_t spill_replayed_ = 0;   // bytes of the spill file already written to the database
  bool stop_ = false;
  std::atomic<bool> database_up_{true};
  WriterStats stats_;
  std::chrono::steady_clock::time_point down_since_;
  std::thread thread_;
};

}  // namespace smoops::store
