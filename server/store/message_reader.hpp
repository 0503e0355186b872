// The store's read side: queries on one read-only connection (never the writer's), each in
// its own read transaction so a multi-query read sees one snapshot: one message, its raw bytes
// and parts, and the mailbox views of the API (pages of summaries with exact counts, the
// newest match, tags, totals). reader_pool hands out connections so any number of threads can
// read at once.
// Thread-safety: a message_reader is used by one thread at a time (the pool guarantees it);
// reader_pool is thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/message_summary.hpp"
#include "core/result.hpp"
#include "ports/mailbox.hpp"
#include "store/search_sql.hpp"
#include "store/sqlite_db.hpp"
#include "store/stored_message.hpp"

namespace mailjar::mime {
class transfer_decoder;
}

namespace mailjar::store {

class message_reader {
 public:
  static result<std::unique_ptr<message_reader>> open(const std::string& path, int busy_timeout_ms);

  std::optional<stored_message> get(std::string_view uid);
  std::optional<std::string> raw(std::string_view uid);
  // Decoded bytes of one part: from the raw message (decoded by its transfer encoding) or as
  // stored. nullopt when the message or part does not exist or its raw slice is out of range.
  std::optional<std::string> part_content(std::string_view uid, std::string_view part_id);
  std::uint64_t count();
  std::uint64_t unread_count();
  std::vector<std::string> newest_uids(std::size_t limit, std::size_t offset);

  // One page of summaries matching `f` (newest first) with the mailbox totals and exact match
  // counts, all from one snapshot. Summaries never read bodies. Errors: SQLite failures.
  result<message_page> page(const sql_filter& f, std::size_t start, std::size_t limit);
  // How page() answers `f`: the strategy and the EXPLAIN QUERY PLAN of each statement it may run.
  std::string describe(const sql_filter& f);
  // The newest message matching `f`, or nullopt.
  result<std::optional<std::string>> latest_uid(const sql_filter& f);
  // Tag names in use, sorted case-insensitively.
  std::vector<std::string> tags();
  // Messages, unread and tag counts (database_bytes is left 0: the store knows the files).
  result<mailbox_stats> stats();
  // Newest first. A query FTS5 cannot parse yields no results.
  std::vector<std::string> search_uids(std::string_view fts5_query, std::size_t limit);

  sqlite3* db() const { return db_.get(); }

  // A match with its order keys (paging, message_pages.cpp).
  struct match_row {
    std::int64_t id;
    std::int64_t received_ms;
    bool read;
  };

 private:
  explicit message_reader(db_ptr db) : db_(std::move(db)), cache_(db_.get()) {}
  // Scoped read transaction: one snapshot for several statements.
  class snapshot {
   public:
    explicit snapshot(message_reader& r);
    ~snapshot();
    snapshot(const snapshot&) = delete;
    snapshot& operator=(const snapshot&) = delete;
    bool ok() const { return ok_; }

   private:
    message_reader& r_;
    bool ok_ = false;
  };
  std::uint64_t count_of(const char* sql);
  struct totals {
    std::uint64_t messages = 0, unread = 0;
  };
  result<totals> mailbox_totals();
  std::optional<message_summary> summary(std::int64_t id);
  // Ids of one page by the page statement (message_index order, SQL LIMIT/OFFSET).
  result<std::vector<std::int64_t>> page_ids(const sql_filter& f, std::size_t start, std::size_t limit);

  // ---- paging strategies (message_pages.cpp) ----
  // Rowids matching a full-text query, ascending.
  result<std::vector<std::int64_t>> fts_ids(const std::string& match);
  // Ids of the read (or unread) messages, ascending.
  result<std::vector<std::int64_t>> flag_ids(bool read);
  // Matches of `f` with their order keys, in no particular order; nullopt when more than `cap`.
  result<std::optional<std::vector<match_row>>> collect(const sql_filter& f, std::size_t cap);
  // How many of the ascending id set `ids` are unread.
  result<std::uint64_t> unread_among(const std::vector<std::int64_t>& ids, const totals& mailbox);
  // Page [start, start+limit) newest first of every message not in the ascending set `excluded`.
  result<std::vector<std::int64_t>> walk_excluding(const std::vector<std::int64_t>& excluded,
                                                   std::size_t start, std::size_t limit);
  // Page [start, start+limit) newest first of the ascending id set `ids`.
  result<std::vector<std::int64_t>> order_ids(const std::vector<std::int64_t>& ids, std::size_t start,
                                              std::size_t limit, std::uint64_t mailbox_size);
  std::optional<std::string> read_blob(std::int64_t row_id, std::uint64_t offset,
                                       std::optional<std::uint64_t> length);
  std::optional<std::string> decode_blob(std::int64_t row_id, std::uint64_t offset, std::uint64_t length,
                                         mime::transfer_decoder& decoder);

  db_ptr db_;
  statement_cache cache_;
};

class reader_pool {
 public:
  reader_pool(std::string path, int busy_timeout_ms)
      : path_(std::move(path)), busy_timeout_ms_(busy_timeout_ms) {}

  // A connection for the caller's exclusive use; returned to the pool when the lease ends.
  class lease {
   public:
    lease(reader_pool* pool, std::unique_ptr<message_reader> r) : pool_(pool), r_(std::move(r)) {}
    lease(lease&&) = default;
    lease& operator=(lease&&) = delete;
    ~lease() {
      if (r_) pool_->put_back(std::move(r_));
    }
    explicit operator bool() const { return r_ != nullptr; }
    message_reader* operator->() const { return r_.get(); }

   private:
    reader_pool* pool_;
    std::unique_ptr<message_reader> r_;
  };

  // An idle connection or a new one; an empty lease if a new one cannot be opened.
  lease acquire();
  // Open one connection now (at store open) so a reader problem is reported up front.
  status warm_up();

 private:
  void put_back(std::unique_ptr<message_reader> r);

  std::string path_;
  int busy_timeout_ms_;
  std::mutex mu_;
  std::vector<std::unique_ptr<message_reader>> idle_;
};

}  // namespace mailjar::store
