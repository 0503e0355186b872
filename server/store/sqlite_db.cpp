#include "store/sqlite_db.hpp"

#include <cstring>

#include "store/sql_functions.hpp"

namespace mailjar::store {

std::string db_error(sqlite3* db, std::string_view what) {
  std::string out(what);
  if (db == nullptr) return out + ": out of memory";
  out += ": ";
  out += sqlite3_errmsg(db);
  const int sys = sqlite3_system_errno(db);
  if (sys != 0) {
    out += " (";
    out += std::strerror(sys);
    out += ")";
  }
  return out;
}

namespace {

// Before SQLite's first use in the process: no allocation statistics. With them on (the
// default) every sqlite3_malloc and sqlite3_free takes a process-wide mutex, about a tenth of
// the writer's CPU per ingested message; nothing here reads them. Later calls (SQLite already
// initialised, e.g. by another library) fail harmlessly and change nothing.
void configure_sqlite_once() {
  static const bool done = [] {
    (void)sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    return true;
  }();
  (void)done;
}

}  // namespace

result<db_ptr> open_connection(const std::string& path, bool read_only, int busy_timeout_ms) {
  configure_sqlite_once();
  const int flags = SQLITE_OPEN_NOMUTEX | SQLITE_OPEN_EXRESCODE |
                    (read_only ? SQLITE_OPEN_READONLY : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
  sqlite3* raw = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_ptr db(raw);
  if (rc != SQLITE_OK) return error{db_error(raw, "cannot open database '" + path + "'")};
  sqlite3_busy_timeout(raw, busy_timeout_ms);
  sqlite3_extended_result_codes(raw, 1);
  if (read_only) {
    if (auto st = exec(raw, "PRAGMA query_only = 1"); !st) return error{st.error_message()};
  }
  if (auto st = register_sql_functions(raw); !st) return error{st.error_message()};
  return db;
}

status exec(sqlite3* db, const char* sql) {
  char* msg = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    std::string text = msg != nullptr ? msg : sqlite3_errmsg(db);
    sqlite3_free(msg);
    return error{text};
  }
  return ok_status();
}

statement::statement(sqlite3* db, std::string_view sql, bool persistent) {
  const unsigned flags = persistent ? SQLITE_PREPARE_PERSISTENT : 0;
  if (sqlite3_prepare_v3(db, sql.data(), static_cast<int>(sql.size()), flags, &stmt_, nullptr) != SQLITE_OK) {
    error_ = sqlite3_errmsg(db);
    sqlite3_finalize(stmt_);
    stmt_ = nullptr;
  }
}

statement::statement(statement&& o) noexcept : stmt_(o.stmt_), error_(std::move(o.error_)) {
  o.stmt_ = nullptr;
}

statement& statement::operator=(statement&& o) noexcept {
  if (this != &o) {
    sqlite3_finalize(stmt_);
    stmt_ = o.stmt_;
    error_ = std::move(o.error_);
    o.stmt_ = nullptr;
  }
  return *this;
}

statement::~statement() { sqlite3_finalize(stmt_); }

void statement::bind(int i, std::int64_t v) { sqlite3_bind_int64(stmt_, i, v); }

void statement::bind(int i, std::string_view text) {
  // A zero-length text must still be '' rather than NULL: data() of an empty view may be null.
  sqlite3_bind_text64(stmt_, i, text.empty() ? "" : text.data(), text.size(), SQLITE_STATIC, SQLITE_UTF8);
}

void statement::bind_blob(int i, std::string_view bytes) {
  sqlite3_bind_blob64(stmt_, i, bytes.empty() ? "" : bytes.data(), bytes.size(), SQLITE_STATIC);
}

void statement::bind_zeroblob(int i, std::uint64_t n) { sqlite3_bind_zeroblob64(stmt_, i, n); }

void statement::bind_null(int i) { sqlite3_bind_null(stmt_, i); }

void statement::bind(int i, const std::optional<std::int64_t>& v) {
  if (v) {
    bind(i, *v);
  } else {
    bind_null(i);
  }
}

int statement::step() { return sqlite3_step(stmt_); }

void statement::reset() {
  if (stmt_ != nullptr) {
    sqlite3_reset(stmt_);
    sqlite3_clear_bindings(stmt_);
  }
}

std::int64_t statement::column_int(int i) const { return sqlite3_column_int64(stmt_, i); }

bool statement::column_is_null(int i) const { return sqlite3_column_type(stmt_, i) == SQLITE_NULL; }

std::string statement::column_text(int i) const {
  // Blob access returns the bytes as stored, whatever the column's declared type.
  const void* p = sqlite3_column_blob(stmt_, i);
  const int n = sqlite3_column_bytes(stmt_, i);
  if (p == nullptr || n <= 0) return {};
  return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
}

statement* statement_cache::get(const char* sql) {
  auto it = cache_.find(sql);
  if (it != cache_.end()) return &it->second;
  statement s(db_, sql, true);
  if (!s.valid()) {
    last_error_ = s.error();
    return nullptr;
  }
  return &cache_.emplace(sql, std::move(s)).first->second;
}

status run_cached(statement_cache& cache, sqlite3* db, const char* sql) {
  statement* s = cache.get(sql);
  if (s == nullptr) return error{cache.last_error()};
  reset_guard guard(*s);
  const int rc = s->step();
  if (rc != SQLITE_DONE && rc != SQLITE_ROW) return error{sqlite3_errmsg(db)};
  return ok_status();
}

}  // namespace mailjar::store
