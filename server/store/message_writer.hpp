// The store's write side: owns the one writer connection and its cached statements, and knows
// how to write a group of messages in one transaction (a SAVEPOINT per message, so one bad
// message fails alone), change read flags and tags, delete messages with every trace (raw,
// parts, index row, tags, full-text row), and prune the oldest. It does no threading and no
// queueing: sqlite_store drives it from its writer thread. Not thread-safe: one thread at a time.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.hpp"
#include "ports/message_store.hpp"
#include "store/search_sql.hpp"
#include "store/search_text.hpp"
#include "store/sqlite_db.hpp"
#include "store/store_config.hpp"

namespace mailjar::store {

struct batch_result {
  std::vector<store_outcome> outcomes;  // one per input message, same order
  bool committed = false;               // false when BEGIN or COMMIT failed (every outcome !ok)
  std::uint64_t stored = 0;             // messages made durable by this batch
};

// The messages a write applies to: the listed uids (unknown ones are skipped), or every message
// matching `filter` (an empty filter matches all).
struct write_target {
  bool by_uids = true;
  std::vector<std::string> uids;
  sql_filter filter;
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

  // One transaction for all of `msgs`; a message that fails (a constraint, a trigger) fails
  // alone: the others are stored. If the transaction as a whole fails (BEGIN, full-text rows,
  // COMMIT, disk full), nothing of it is visible and every outcome is !ok.
  batch_result write_batch(const std::vector<const new_message*>& msgs);

  // Each in one transaction; each returns the uids it changed (newest first for filters).
  result<std::vector<std::string>> remove(const write_target& which);
  result<std::vector<std::string>> set_read(const write_target& which, bool read);
  // Replace the tags of each message (tags already normalised: search::normalize_tags).
  result<std::vector<std::string>> set_tags(const std::vector<std::string>& uids,
                                            const std::vector<std::string>& tags);
  // Rename a tag everywhere (merging into an existing tag of the new name) / remove it from
  // every message. Unknown tags change nothing. `to` must be a clean tag (search::clean_tag).
  result<std::vector<std::string>> rename_tag(std::string_view from, std::string_view to);
  result<std::vector<std::string>> delete_tag(std::string_view name);

  // Remove up to `limit` messages beyond `max_messages` (0 = no limit) or received before
  // `cutoff_ms` (0 = no limit), oldest first, in one transaction.
  result<prune_result> prune(std::uint64_t max_messages, std::int64_t cutoff_ms, std::size_t limit);

  // The full-text index trails ingest: write_batch adds no full-text rows; index_pending adds
  // them for every message stored since, in one transaction (per message about half what
  // indexing inside every small group commit cost). Messages with ids up to a watermark are indexed, later
  // ones not yet. A filter in remove/set_read indexes first, inside its own transaction; open() indexes what
  // a crash left behind. Readers that search must call index_pending (through the store) first.
  status index_pending();
  std::uint64_t unindexed() const {  // messages not yet indexed (at most; deletions make it less)
    return max_id_ > indexed_upto_ ? static_cast<std::uint64_t>(max_id_ - indexed_upto_) : 0;
  }

  std::uint64_t message_count() const { return count_; }
  sqlite3* db() const { return db_.get(); }

 private:
  message_writer(db_ptr db, const store_config& cfg);
  struct row_ref {
    std::int64_t id;
    std::string uid;
  };
  // One try at write_batch: with `savepoints`, each message in its own; without, the first
  // failing message rolls everything back and the answer is nullopt (try again with them).
  std::optional<batch_result> write_batch_pass(const std::vector<const new_message*>& msgs, bool savepoints);
  status insert_message(const new_message& m, const search_columns& sc, std::int64_t& row_id);
  status insert_index(std::int64_t row_id, const new_message& m);
  status insert_raw(std::int64_t row_id, const std::string& raw);
  status insert_parts(std::int64_t row_id, const new_message& m);
  status insert_tags(std::int64_t row_id, const std::vector<std::string>& tags);
  // The existing messages of a target; `extra` is ANDed to a filter's condition.
  result<std::vector<row_ref>> resolve(const write_target& which, const char* extra = nullptr,
                                       std::optional<std::int64_t> extra_bind = std::nullopt);
  result<std::vector<std::string>> tag_carriers(std::int64_t tag_id);
  result<std::optional<std::int64_t>> find_tag(std::string_view name);
  // Inside a transaction: full-text rows for messages past the watermark; in_transaction moves
  // the watermark when it commits.
  status stage_index();
  status refresh_max_id();  // after deletes
  result<std::int64_t> query_int(const char* sql);
  // Delete one message row and everything hanging off it; false when it did not exist.
  result<bool> delete_row(std::int64_t row_id);
  status delete_orphan_tags();
  status run(const char* sql);
  // Run `body` in BEGIN IMMEDIATE ... COMMIT, rolling back on any failure.
  template <class F>
  status in_transaction(F&& body);

  db_ptr db_;
  statement_cache cache_;
  std::int64_t max_id_ = 0;        // largest message id stored
  std::int64_t indexed_upto_ = 0;  // every message with an id up to this is indexed, none above
  std::optional<std::int64_t> staged_indexed_upto_;
  std::size_t blob_threshold_;
  int cache_kib_;  // the connection's page cache, restored after a streamed blob
  std::uint64_t count_ = 0;
};

}  // namespace mailjar::store
