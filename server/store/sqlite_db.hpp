// Thin RAII over the SQLite C API for the store: an owned connection (`db`), a prepared
// statement with bind/step/column helpers (`statement`), a per-connection cache of prepared
// statements, and error text that says what failed. No policy lives here.
// Thread-safety: a `db` and everything prepared on it belong to one thread at a time
// (connections are opened with SQLITE_OPEN_NOMUTEX); nothing here is shared.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "core/result.hpp"

namespace mailjar::store {

struct db_closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using db_ptr = std::unique_ptr<sqlite3, db_closer>;

// "<what>: <sqlite message> (<system error text>)" for the last error on `db`.
std::string db_error(sqlite3* db, std::string_view what);

// Open `path`. `read_only` connections use SQLITE_OPEN_READONLY and `PRAGMA query_only`.
// Applies busy_timeout and registers the store's SQL functions (sql_functions.hpp); no
// journal-mode or schema work (see schema.hpp).
result<db_ptr> open_connection(const std::string& path, bool read_only, int busy_timeout_ms);

// Run one or more SQL statements that return no rows we need.
status exec(sqlite3* db, const char* sql);

// One prepared statement. Movable, not copyable. `reset()` clears bindings too, so a cached
// statement never keeps pointers into a caller's buffers after use.
class statement {
 public:
  statement() = default;
  statement(sqlite3* db, std::string_view sql, bool persistent);  // check `valid()`/`error()`
  statement(statement&& o) noexcept;
  statement& operator=(statement&& o) noexcept;
  statement(const statement&) = delete;
  statement& operator=(const statement&) = delete;
  ~statement();

  bool valid() const { return stmt_ != nullptr; }
  const std::string& error() const { return error_; }
  sqlite3_stmt* get() const { return stmt_; }

  // Binds are 1-based. Text and blobs are bound SQLITE_STATIC: the caller keeps them alive
  // until step() is done (every use below resets before returning).
  void bind(int i, std::int64_t v);
  void bind(int i, std::string_view text);  // as TEXT, bytes stored as given
  void bind_blob(int i, std::string_view bytes);
  void bind_zeroblob(int i, std::uint64_t n);
  void bind_null(int i);
  void bind(int i, const std::optional<std::int64_t>& v);

  int step();  // SQLITE_ROW / SQLITE_DONE / error code
  void reset();

  std::int64_t column_int(int i) const;
  bool column_is_null(int i) const;
  std::string column_text(int i) const;  // exact bytes (embedded NULs kept)

 private:
  sqlite3_stmt* stmt_ = nullptr;
  std::string error_;
};

// Resets (and clears bindings of) a statement when a scope ends, however it ends.
class reset_guard {
 public:
  explicit reset_guard(statement& s) : s_(s) {}
  ~reset_guard() { s_.reset(); }
  reset_guard(const reset_guard&) = delete;
  reset_guard& operator=(const reset_guard&) = delete;

 private:
  statement& s_;
};

// Prepared statements of one connection, keyed by the address of their SQL text: pass string
// literals (or other text that lives as long as the cache).
class statement_cache {
 public:
  explicit statement_cache(sqlite3* db) : db_(db) {}
  // nullptr when the SQL does not prepare; the reason is then in `last_error()`.
  statement* get(const char* sql);
  const std::string& last_error() const { return last_error_; }
  void clear() { cache_.clear(); }

 private:
  sqlite3* db_;
  std::unordered_map<const char*, statement> cache_;
  std::string last_error_;
};

// Run `sql` (a single statement without result rows) through the cache.
status run_cached(statement_cache& cache, sqlite3* db, const char* sql);

}  // namespace mailjar::store
