// What the store gives back for one message: everything that was stored with it. Plain data,
// safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar::store {

struct stored_message {
  std::int64_t row_id = 0;  // internal rowid (stable; newest-first order is received_ms, row_id)
  std::string uid;          // the public ID
  envelope env;             // includes received_ms
  bool read = false;
  std::uint64_t size = 0;  // raw size in bytes
  std::uint64_t attachment_count = 0;
  std::uint64_t inline_count = 0;
  // Every parsed field as stored. `parts[i].content` is never loaded here (it may be large):
  // use sqlite_store::part_content. Header values, stored as JSON, come back with any invalid
  // UTF-8 replaced by U+FFFD; the raw message always has the exact bytes.
  mime::parsed_message parsed;
};

// Counters since open, for logs and benchmarks.
struct stats_snapshot {
  std::uint64_t stored = 0;            // messages committed
  std::uint64_t failed = 0;            // messages whose callback got ok=false
  std::uint64_t pruned = 0;            // removed by max_messages / max_age
  std::uint64_t deleted = 0;           // removed by delete_uids / delete_all
  std::uint64_t commits = 0;           // group commits that succeeded
  std::uint64_t failed_commits = 0;    // group transactions that did not commit (BEGIN/COMMIT failed)
  std::uint64_t batches = 0;           // group transactions attempted
  std::uint64_t batched_messages = 0;  // sum of batch sizes (mean batch = batched_messages / batches)
  std::uint64_t largest_batch = 0;
  std::uint64_t writer_busy_ns = 0;       // wall time spent writing batches (writer-side throughput)
  std::uint64_t writer_cpu_ns = 0;        // CPU time of the writer thread in those batches
  std::uint64_t callback_exceptions = 0;  // `done` callbacks that threw (swallowed)
  std::uint64_t queued = 0;               // messages and jobs waiting right now
};

}  // namespace mailjar::store
