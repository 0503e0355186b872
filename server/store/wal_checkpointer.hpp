// Moves WAL checkpoints off the writer thread. SQLite's automatic checkpoint runs inside the
// COMMIT that crosses the threshold, so every waiting SMTP client's 250 waits for the copy of
// the WAL into the database file and its fsync. Instead, attach() installs a WAL hook on the
// writer connection (which turns the automatic checkpoint off) that only wakes this object's own
// thread; that thread runs PASSIVE checkpoints on its own connection, concurrently with later
// commits (WAL mode lets a checkpoint and a writer proceed together), at most once per quarter of
// the soft limit of new frames (under steady load the WAL only restarts after a checkpoint that
// caught up with the writer, so it keeps growing). If the WAL grows past
// `hard_limit_pages` (readers pinning old frames), the hook lets the writer run one itself.
//
// Thread-safety: attach() once, from the writer's thread, before commits; on_commit() is the
// hook (writer thread); everything else is internal. The destructor stops and joins the thread
// and removes the hook; the writer connection may outlive it (its final checkpoint happens at
// its close, as SQLite does it).
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <string>
#include <thread>

#include "store/sqlite_db.hpp"

namespace mailjar::store {

struct checkpoint_stats {
  std::uint64_t runs = 0;         // PASSIVE checkpoints the thread ran
  std::uint64_t pages = 0;        // frames it copied back
  std::uint64_t writer_runs = 0;  // emergency checkpoints the writer ran (WAL past the hard limit)
};

class wal_checkpointer {
 public:
  // `soft_limit_pages`: WAL size that wakes the thread; `hard_limit_pages`: size at which the
  // writer checkpoints itself (bounded disk use even when the thread cannot keep up).
  wal_checkpointer(std::string path, int busy_timeout_ms, int soft_limit_pages, int hard_limit_pages);
  ~wal_checkpointer();
  wal_checkpointer(const wal_checkpointer&) = delete;
  wal_checkpointer& operator=(const wal_checkpointer&) = delete;

  void attach(sqlite3* writer);
  checkpoint_stats stats() const;

 private:
  static int hook(void* self, sqlite3* db, const char* schema, int wal_pages);
  void run();

  const std::string path_;
  const int busy_timeout_ms_;
  const int soft_limit_;
  const int hard_limit_;
  const int step_;                // new frames between two runs of the thread
  std::atomic<int> last_log_{0};  // WAL frames when the thread last ran
  sqlite3* writer_ = nullptr;

  mutable std::mutex mu_;
  std::condition_variable wake_;
  bool due_ = false;
  bool stopping_ = false;
  checkpoint_stats stats_;
  std::thread thread_;
};

}  // namespace mailjar::store
