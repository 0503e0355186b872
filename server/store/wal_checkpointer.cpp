#include "store/wal_checkpointer.hpp"

#include <utility>

#include "log/log.hpp"
#include "log/thread_name.hpp"

namespace mailjar::store {

wal_checkpointer::wal_checkpointer(std::string path, int busy_timeout_ms, int soft_limit_pages,
                                   int hard_limit_pages)
    : path_(std::move(path)),
      busy_timeout_ms_(busy_timeout_ms),
      soft_limit_(soft_limit_pages),
      hard_limit_(hard_limit_pages),
      step_(soft_limit_pages / 4 > 0 ? soft_limit_pages / 4 : 1) {
  thread_ = std::thread([this] {
    log::name_this_thread("mj-checkpoint");
    run();
  });
}

wal_checkpointer::~wal_checkpointer() {
  // The writer outlives this object: its later commits (and its close) must not call back here.
  if (writer_ != nullptr) sqlite3_wal_hook(writer_, nullptr, nullptr);
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  wake_.notify_all();
  thread_.join();
}

void wal_checkpointer::attach(sqlite3* writer) {
  writer_ = writer;
  sqlite3_wal_hook(writer, &wal_checkpointer::hook, this);
}

checkpoint_stats wal_checkpointer::stats() const {
  std::lock_guard lock(mu_);
  return stats_;
}

int wal_checkpointer::hook(void* self, sqlite3* db, const char* schema, int wal_pages) {
  auto* me = static_cast<wal_checkpointer*>(self);
  if (wal_pages >= me->hard_limit_) {
    // The thread is behind (or blocked by readers): bound the WAL here, as SQLite would.
    int log = 0, done = 0;
    if (sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, &log, &done) == SQLITE_OK) {
      std::lock_guard lock(me->mu_);
      me->stats_.writer_runs += 1;
    }
    return SQLITE_OK;
  }
  // Under steady load the WAL never restarts by itself (the writer appends while the thread
  // copies), so wake the thread once per `step` new frames, not on every commit past the limit.
  const int last = me->last_log_.load(std::memory_order_relaxed);
  if (wal_pages >= me->soft_limit_ && (wal_pages < last || wal_pages - last >= me->step_)) {
    {
      std::lock_guard lock(me->mu_);
      if (me->due_) return SQLITE_OK;
      me->due_ = true;
    }
    me->wake_.notify_one();
  }
  return SQLITE_OK;
}

void wal_checkpointer::run() {
  db_ptr db;
  std::unique_lock lock(mu_);
  for (;;) {
    wake_.wait(lock, [&] { return due_ || stopping_; });
    if (stopping_) return;
    lock.unlock();
    if (!db) {
      auto opened = open_connection(path_, false, busy_timeout_ms_);
      // A connection opens the file lazily: one read makes it see the WAL (else -1, not WAL mode).
      status st = opened ? exec(opened->get(), "SELECT count(*) FROM sqlite_schema")
                         : status(error{opened.error_message()});
      if (st) {
        db = std::move(*opened);
      } else {
        log::line(log::level::warn, "checkpoint").kv("error", st.error_message()).emit();
      }
    }
    int log_pages = 0, copied = 0;
    const int rc =
        db ? sqlite3_wal_checkpoint_v2(db.get(), "main", SQLITE_CHECKPOINT_PASSIVE, &log_pages, &copied)
           : SQLITE_CANTOPEN;
    // BUSY: the writer is running its own (hard-limit) checkpoint; the next wake retries.
    if (rc != SQLITE_OK && (rc & 0xff) != SQLITE_BUSY && db)
      log::line(log::level::warn, "checkpoint").kv("error", sqlite3_errmsg(db.get())).emit();
    log::line(log::level::debug, "checkpoint")
        .kv("wal_pages", static_cast<long long>(log_pages))
        .kv("copied", static_cast<long long>(copied))
        .emit();
    lock.lock();
    due_ = false;
    last_log_.store(log_pages > 0 ? log_pages : 0, std::memory_order_relaxed);
    if (rc == SQLITE_OK) {
      stats_.runs += 1;
      stats_.pages += static_cast<std::uint64_t>(copied < 0 ? 0 : copied);
    }
  }
}

}  // namespace mailjar::store
