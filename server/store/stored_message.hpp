// What the store gives back for one message: everything that was stored with it. Plain data,
// safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/stored_message.hpp"

namespace mailjar::store {

// Defined in core so the ports can name it; the store fills it.
using mailjar::stored_message;

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
  std::uint64_t checkpoints = 0;          // WAL checkpoints run off the writer thread
  std::uint64_t writer_checkpoints = 0;   // run by the writer because the WAL hit its hard limit
  std::uint64_t index_runs = 0;           // transactions that caught the full-text index up
  std::uint64_t index_failures = 0;       // such transactions that failed (retried later)
  std::uint64_t unindexed = 0;            // messages stored but not yet in the full-text index
};

}  // namespace mailjar::store
