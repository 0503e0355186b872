// The database schema and its numbered migrations (PRAGMA user_version), plus opening the one
// writer connection with the settings the store relies on (WAL, synchronous, foreign keys).
// Each migration is one function applied in its own IMMEDIATE transaction; a database written
// by an older build is upgraded at open, one written by a newer build is refused.
// Full-text rows are maintained by the writer code (no triggers): whoever inserts or deletes
// messages rows must insert/delete the matching messages_fts row in the same transaction.
// Thread-safety: functions act on the connection passed in; call from the thread owning it.
#pragma once

#include <cstdint>
#include <string>

#include "core/result.hpp"
#include "store/sqlite_db.hpp"

namespace mailjar::store {

// 1: messages, raw, parts, tags, message_tags and their indexes.
// 2: full-text search: per-field search columns on messages and the external-content FTS5
//    table messages_fts over them, backfilled from the stored rows.
// 3: the API: message_index (narrow row per message: read flag, sizes, folded field values;
//    the read flag lives here from now on), mailbox_counts kept by triggers, plus-address tags
//    backfilled; ordering indexes move from messages to message_index.
// 4: release: deliveries, delivery_recipients, delivery_attempts (store/delivery_schema.hpp).
inline constexpr int latest_schema_version = 4;
inline constexpr std::int32_t mailjar_application_id = 0x4D4A4152;  // "MJAR"

struct writer_settings {
  bool sync_full = false;
  int busy_timeout_ms = 5'000;
  int cache_kib = 8 * 1024;
};

// PRAGMA user_version of `db`.
result<int> schema_version(sqlite3* db);

// The schema version of `db` if this build can use it: refuses databases of a newer build and
// SQLite files of other applications. Reads only.
result<int> check_compatible(sqlite3* db);

// Refuse foreign or newer databases, then apply migrations up to `target_version`.
status migrate(sqlite3* db, int target_version = latest_schema_version);

// Open (creating) `path` for writing, configure it and migrate it to `target_version`. Errors
// are one line naming the path and the reason (directory, not a database, read-only, newer
// schema, foreign database, ...).
result<db_ptr> open_writer_db(const std::string& path, const writer_settings& settings,
                              int target_version = latest_schema_version);

// Tests and tools: bring the file at `path` to exactly `target_version` (never downgrades).
status migrate_file(const std::string& path, int target_version);

}  // namespace mailjar::store
