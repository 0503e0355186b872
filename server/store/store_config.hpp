// Settings of the SQLite store, each with its reason. Plain data; copied into the store at open.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>

namespace mailjar::store {

struct store_config {
  std::string path;             // database file; created (with its directory's WAL files) if missing
  bool sync_full = false;       // --db-sync: WAL + NORMAL survives a process crash; FULL also power loss
  std::size_t max_batch = 512;  // messages per group commit at most: bounds one transaction's memory/latency
  // Raw bytes per group commit at most (a batch always takes at least one message): big
  // messages commit in small groups, so the WAL and commit latency stay bounded.
  std::size_t max_batch_bytes = 64u << 20;
  std::uint64_t max_messages = 0;  // 0 = keep all; else prune the oldest beyond this
  std::int64_t max_age_ms = 0;     // 0 = keep all; else prune messages received longer ago than this

  // Pruning runs between group commits, at most this many messages (or the size of the batch
  // just written, if larger, so pruning keeps pace with ingest) per turn: ingest never stalls
  // behind one big delete.
  std::size_t prune_batch = 256;
  // How often an idle writer wakes to apply max_age_ms.
  std::int64_t idle_wake_ms = 30'000;
  // The full-text index trails ingest (message_writer::index_pending): it catches up once this
  // many messages wait, when no message arrived for index_idle_ms, before any search, and at
  // close. One transaction for many messages costs ~8-16 us each (the benchmark's 2 KB
  // messages) instead of ~30 in every small group commit.
  std::size_t index_batch = 256;
  std::int64_t index_idle_ms = 5;
  // How long a connection waits for a lock held by another process (e.g. the sqlite3 CLI).
  int busy_timeout_ms = 5'000;
  // Raw messages at least this big are written with zeroblob + incremental blob I/O, in chunks,
  // so a 25 MB message is never copied into an SQLite record buffer.
  std::size_t blob_stream_threshold = 256 * 1024;
  // Page cache of the writer connection (KiB); readers keep SQLite's default (2 MiB).
  int writer_cache_kib = 8 * 1024;
  // WAL checkpoints run on a thread of their own once the WAL holds this many pages (16 KiB
  // each), so no commit waits for one; the writer checkpoints itself only past the hard limit.
  // 0 keeps SQLite's automatic checkpoint inside COMMIT.
  int checkpoint_pages = 1000;
  int checkpoint_hard_pages = 4000;

  // Called on the store's thread after a prune transaction committed, with how many messages
  // it removed (e.g. so the app can send a `prune` event). Must be quick and must not call back
  // into the store's write methods.
  std::function<void(std::uint64_t)> on_pruned;
};

}  // namespace mailjar::store
