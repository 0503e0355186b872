// The store's write side: owns the one writer connection and its cached statements, and knows
// how to write a group of messages in one transaction (a SAVEPOINT per message, so one bad
// message fails alone), delete messages with every trace (raw, parts, tags, full-text row),
// and prune the oldest. It does no threading and no queueing: sqlite_store drives it from its
// writer thread. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/result.hpp"
#include "ports/message_store.hpp"
#include "store/search_text.hpp"
#include "store/sqlite_db.hpp"
#include "store/store_config.hpp"

namespace mailjar::store {

struct batch_result {
  std::vector<store_outcome> outcomes;  // one per input message, same order
  bool committed = false;               // false when BEGIN or COMMIT failed (every outcome !ok)
  std::uint64_t stored = 0;             // messages made durable by this batch
};

struct prune_result {
  std::uint64_t removed = 0;
  bool more = false;  // limits still exceeded: call again
};

class message_writer {
 public:
  static result<std::unique_ptr<message_writer>> open(const store_config& cfg);
  ~message_writer();  // runs PRAGMA optimize (refreshes planner statistics) before closing
  message_writer(const message_writer&) = delete;
  message_writer& operator=(const message_writer&) = delete;

  // One transaction for all of `msgs`; each message inside its own savepoint. If the
  // transaction as a whole fails (BEGIN, full-text rows, COMMIT), nothing of it is visible
  // and every outcome is !ok.
  batch_result write_batch(const std::vector<const new_message*>& msgs);

  // Each in one transaction. Return how many messages were removed.
  result<std::uint64_t> delete_uids(const std::vector<std::string>& uids);
  result<std::uint64_t> delete_all();
  // Set the read flag; returns how many messages changed.
  result<std::uint64_t> set_read(const std::vector<std::string>& uids, bool read);

  // Remove up to `limit` messages beyond `max_messages` (0 = no limit) or received before
  // `cutoff_ms` (0 = no limit), oldest first, in one transaction.
  result<prune_result> prune(std::uint64_t max_messages, std::int64_t cutoff_ms, std::size_t limit);

  std::uint64_t message_count() const { return count_; }
  sqlite3* db() const { return db_.get(); }

 private:
  message_writer(db_ptr db, const store_config& cfg);
  status insert_message(const new_message& m, const search_columns& sc, std::int64_t& row_id);
  status insert_raw(std::int64_t row_id, const std::string& raw);
  status insert_parts(std::int64_t row_id, const new_message& m);
  status insert_tags(std::int64_t row_id, const new_message& m);
  status insert_fts(std::int64_t row_id, const new_message& m, const search_columns& sc);
  // Delete one message row and everything hanging off it; false when it did not exist.
  result<bool> delete_row(std::int64_t row_id);
  status delete_orphan_tags();
  status run(const char* sql);
  // Run `body` in BEGIN IMMEDIATE ... COMMIT, rolling back on any failure.
  template <class F>
  status in_transaction(F&& body);

  db_ptr db_;
  statement_cache cache_;
  std::size_t blob_threshold_;
  std::uint64_t count_ = 0;
};

}  // namespace mailjar::store
