// The store's read side: queries on one read-only connection (never the writer's), each in
// its own read transaction so a multi-query read sees one snapshot. reader_pool hands out
// connections so any number of threads can read at once.
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

#include "core/result.hpp"
#include "store/sqlite_db.hpp"
#include "store/stored_message.hpp"

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
  // Newest first. A query FTS5 cannot parse yields no results.
  std::vector<std::string> search_uids(std::string_view fts5_query, std::size_t limit);

  sqlite3* db() const { return db_.get(); }

 private:
  explicit message_reader(db_ptr db) : db_(std::move(db)), cache_(db_.get()) {}
  // Scoped read transaction: one snapshot for several statements.
  class snapshot;
  std::uint64_t count_of(const char* sql);
  std::optional<std::string> read_blob(std::int64_t row_id, std::uint64_t offset,
                                       std::optional<std::uint64_t> length);

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
