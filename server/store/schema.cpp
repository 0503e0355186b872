#include "store/schema.hpp"

#include <sys/statvfs.h>

#include <cstring>
#include <filesystem>
#include <string_view>
#include <system_error>
#include <vector>

#include "search/tags.hpp"
#include "store/delivery_schema.hpp"
#include "store/json_columns.hpp"
#include "store/search_text.hpp"

namespace mailjar::store {

namespace {

// ---- version 1: the messages and everything hanging off them --------------------------------
// Small, listing-relevant columns first and big text last, so list queries never touch the
// overflow pages that hold bodies.
constexpr const char* k_schema_v1 = R"sql(
CREATE TABLE messages (
  id INTEGER PRIMARY KEY,
  uid TEXT NOT NULL UNIQUE,
  received_ms INTEGER NOT NULL,
  size INTEGER NOT NULL,
  is_read INTEGER NOT NULL DEFAULT 0,
  attachments INTEGER NOT NULL DEFAULT 0,
  inlines INTEGER NOT NULL DEFAULT 0,
  message_id TEXT NOT NULL DEFAULT '',
  subject TEXT NOT NULL DEFAULT '',
  date_ms INTEGER,
  from_name TEXT,
  from_addr TEXT,
  to_json TEXT NOT NULL DEFAULT '[]',
  cc_json TEXT NOT NULL DEFAULT '[]',
  bcc_json TEXT NOT NULL DEFAULT '[]',
  reply_to_json TEXT NOT NULL DEFAULT '[]',
  return_path TEXT NOT NULL DEFAULT '',
  snippet TEXT NOT NULL DEFAULT '',
  mail_from TEXT NOT NULL DEFAULT '',
  rcpt_to_json TEXT NOT NULL DEFAULT '[]',
  client_addr TEXT NOT NULL DEFAULT '',
  helo TEXT NOT NULL DEFAULT '',
  tls TEXT NOT NULL DEFAULT '',
  auth_user TEXT NOT NULL DEFAULT '',
  smtputf8 INTEGER NOT NULL DEFAULT 0,
  body_type TEXT NOT NULL DEFAULT '',
  warnings_json TEXT NOT NULL DEFAULT '[]',
  headers_json TEXT NOT NULL DEFAULT '[]',
  text TEXT NOT NULL DEFAULT '',
  html TEXT NOT NULL DEFAULT '',
  html_text TEXT NOT NULL DEFAULT ''
);
-- Newest first is ORDER BY received_ms DESC, id DESC: the rowid is the index's last column.
CREATE INDEX messages_by_received ON messages(received_ms);
CREATE INDEX messages_by_read ON messages(is_read, received_ms);

-- Exact bytes as received; rowid = messages.id.
CREATE TABLE raw (
  id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  data BLOB NOT NULL
);

-- Every leaf part. Content is addressed in raw (raw_offset/raw_length, still encoded) when
-- in_raw = 1, else kept decoded in `content`.
CREATE TABLE parts (
  id INTEGER PRIMARY KEY,
  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  seq INTEGER NOT NULL,
  part_id TEXT NOT NULL,
  role TEXT NOT NULL,
  content_type TEXT NOT NULL DEFAULT '',
  charset TEXT NOT NULL DEFAULT '',
  disposition TEXT NOT NULL DEFAULT '',
  file_name TEXT NOT NULL DEFAULT '',
  content_id TEXT NOT NULL DEFAULT '',
  transfer_encoding TEXT NOT NULL DEFAULT '',
  in_raw INTEGER NOT NULL DEFAULT 0,
  raw_offset INTEGER NOT NULL DEFAULT 0,
  raw_length INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  md5 TEXT NOT NULL DEFAULT '',
  sha1 TEXT NOT NULL DEFAULT '',
  sha256 TEXT NOT NULL DEFAULT '',
  content BLOB
);
CREATE INDEX parts_by_message ON parts(message, seq);

CREATE TABLE tags (
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE COLLATE NOCASE
);
CREATE TABLE message_tags (
  message INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
  tag INTEGER NOT NULL REFERENCES tags(id) ON DELETE CASCADE,
  PRIMARY KEY (message, tag)
) WITHOUT ROWID;
CREATE INDEX message_tags_by_tag ON message_tags(tag, message);
)sql";

status migrate_to_v1(sqlite3* db) { return exec(db, k_schema_v1); }

// ---- version 2: full-text search --------------------------------------------------------------
// External-content FTS5 over messages: the index holds no copy of the text. Columns are named
// as the messages columns they index.
constexpr const char* k_schema_v2_columns = R"sql(
ALTER TABLE messages ADD COLUMN from_search TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN to_search TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN cc_search TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN bcc_search TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN reply_to_search TEXT NOT NULL DEFAULT '';
ALTER TABLE messages ADD COLUMN file_names TEXT NOT NULL DEFAULT '';
)sql";

constexpr const char* k_schema_v2_fts = R"sql(
CREATE VIRTUAL TABLE messages_fts USING fts5(
  subject, from_search, to_search, cc_search, bcc_search, reply_to_search, text, html_text, file_names,
  content = 'messages', content_rowid = 'id',
  tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts(messages_fts) VALUES ('rebuild');
)sql";

status backfill_search_columns(sqlite3* db) {
  statement rows(db,
                 "SELECT id, rcpt_to_json, from_name, from_addr, to_json, cc_json, bcc_json, reply_to_json "
                 "FROM messages",
                 false);
  statement names(db, "SELECT file_name FROM parts WHERE message = ? ORDER BY seq", false);
  statement update(db,
                   "UPDATE messages SET from_search = ?, to_search = ?, cc_search = ?, bcc_search = ?, "
                   "reply_to_search = ?, file_names = ? WHERE id = ?",
                   false);
  for (auto* s : {&rows, &names, &update}) {
    if (!s->valid()) return error{"migration 2: " + s->error()};
  }
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    const std::int64_t id = rows.column_int(0);
    mime::parsed_message p;
    if (!rows.column_is_null(3)) p.from = address{rows.column_text(2), rows.column_text(3)};
    p.to = addresses_from_json(rows.column_text(4));
    p.cc = addresses_from_json(rows.column_text(5));
    p.bcc = addresses_from_json(rows.column_text(6));
    p.reply_to = addresses_from_json(rows.column_text(7));
    names.bind(1, id);
    while (names.step() == SQLITE_ROW) p.parts.push_back(mime::part{.file_name = names.column_text(0)});
    names.reset();
    const search_columns c = build_search_columns(strings_from_json(rows.column_text(1)), p);
    int i = 0;
    for (const auto* s : {&c.from, &c.to, &c.cc, &c.bcc, &c.reply_to, &c.file_names}) update.bind(++i, *s);
    update.bind(++i, id);
    const int urc = update.step();
    update.reset();
    if (urc != SQLITE_DONE) return error{db_error(db, "migration 2: backfill")};
  }
  if (rc != SQLITE_DONE) return error{db_error(db, "migration 2: reading messages")};
  return ok_status();
}

status migrate_to_v2(sqlite3* db) {
  if (auto st = exec(db, k_schema_v2_columns); !st) return st;
  if (auto st = backfill_search_columns(db); !st) return st;
  return exec(db, k_schema_v2_fts);
}

// ---- version 3: the API's list, search and counts -----------------------------------------
// message_index is a narrow row per message holding everything lists, filters and counts read
// (received time, read flag, sizes, folded field values), so none of them touches the wide
// messages rows. From version 3 on its is_read is THE read flag (messages.is_read is no longer
// written). mailbox_counts keeps the mailbox totals exact through triggers, so list pages never
// count rows. Ordering moves to message_index; the messages indexes become unused and go.
constexpr const char* k_schema_v3_tables = R"sql(
CREATE TABLE message_index (
  id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
  received_ms INTEGER NOT NULL,
  is_read INTEGER NOT NULL DEFAULT 0,
  size INTEGER NOT NULL DEFAULT 0,
  attachments INTEGER NOT NULL DEFAULT 0,
  inlines INTEGER NOT NULL DEFAULT 0,
  subject_f TEXT NOT NULL DEFAULT '',
  from_f TEXT NOT NULL DEFAULT '',
  to_f TEXT NOT NULL DEFAULT '',
  cc_f TEXT NOT NULL DEFAULT '',
  bcc_f TEXT NOT NULL DEFAULT '',
  reply_to_f TEXT NOT NULL DEFAULT '',
  message_id_f TEXT NOT NULL DEFAULT ''
);
CREATE TABLE mailbox_counts (
  id INTEGER PRIMARY KEY CHECK (id = 1),
  messages INTEGER NOT NULL,
  unread INTEGER NOT NULL
);
)sql";

constexpr const char* k_schema_v3_indexes = R"sql(
-- Newest first is ORDER BY received_ms DESC, id DESC. The flag and size columns ride along so
-- a page walk filtered by them never visits the table.
CREATE INDEX message_index_by_received ON message_index(received_ms, id, is_read, attachments, inlines, size);
-- The unread and the read messages, each on their own (is:unread pages, exact unread counts).
CREATE INDEX message_index_unread ON message_index(received_ms) WHERE is_read = 0;
CREATE INDEX message_index_read ON message_index(id) WHERE is_read = 1;
DROP INDEX messages_by_received;
DROP INDEX messages_by_read;
INSERT INTO mailbox_counts (id, messages, unread)
  SELECT 1, count(*), ifnull(sum(is_read = 0), 0) FROM message_index;
CREATE TRIGGER message_index_added AFTER INSERT ON message_index BEGIN
  UPDATE mailbox_counts SET messages = messages + 1, unread = unread + (new.is_read = 0) WHERE id = 1;
END;
CREATE TRIGGER message_index_removed AFTER DELETE ON message_index BEGIN
  UPDATE mailbox_counts SET messages = messages - 1, unread = unread - (old.is_read = 0) WHERE id = 1;
END;
CREATE TRIGGER message_index_read AFTER UPDATE OF is_read ON message_index
  WHEN old.is_read IS NOT new.is_read BEGIN
  UPDATE mailbox_counts SET unread = unread + (new.is_read = 0) - (old.is_read = 0) WHERE id = 1;
END;
)sql";

// Folded values and plus-address tags for rows written before version 3.
status backfill_message_index(sqlite3* db) {
  statement rows(
      db,
      "SELECT id, received_ms, size, is_read, attachments, inlines, subject, message_id, from_name, "
      "from_addr, to_json, cc_json, bcc_json, reply_to_json, rcpt_to_json FROM messages",
      false);
  statement insert(
      db,
      "INSERT INTO message_index (id, received_ms, is_read, size, attachments, inlines, subject_f, "
      "from_f, to_f, cc_f, bcc_f, reply_to_f, message_id_f) "
      "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
      false);
  statement find_tag(db, "SELECT id FROM tags WHERE name = ?", false);
  statement add_tag(db, "INSERT INTO tags (name) VALUES (?)", false);
  statement link(db, "INSERT OR IGNORE INTO message_tags (message, tag) VALUES (?, ?)", false);
  for (auto* s : {&rows, &insert, &find_tag, &add_tag, &link}) {
    if (!s->valid()) return error{"migration 3: " + s->error()};
  }
  int rc;
  while ((rc = rows.step()) == SQLITE_ROW) {
    const std::int64_t id = rows.column_int(0);
    mime::parsed_message p;
    p.subject = rows.column_text(6);
    p.message_id = rows.column_text(7);
    if (!rows.column_is_null(9)) p.from = address{rows.column_text(8), rows.column_text(9)};
    p.to = addresses_from_json(rows.column_text(10));
    p.cc = addresses_from_json(rows.column_text(11));
    p.bcc = addresses_from_json(rows.column_text(12));
    p.reply_to = addresses_from_json(rows.column_text(13));
    const std::vector<std::string> rcpt = strings_from_json(rows.column_text(14));
    const folded_columns f = build_folded_columns(rcpt, p);
    insert.bind(1, id);
    insert.bind(2, rows.column_int(1));                             // received_ms
    insert.bind(3, std::int64_t{rows.column_int(3) != 0 ? 1 : 0});  // is_read
    insert.bind(4, rows.column_int(2));                             // size
    insert.bind(5, rows.column_int(4));                             // attachments
    insert.bind(6, rows.column_int(5));                             // inlines
    int i = 6;
    for (const auto* v : {&f.subject, &f.from, &f.to, &f.cc, &f.bcc, &f.reply_to, &f.message_id})
      insert.bind(++i, *v);
    const int irc = insert.step();
    insert.reset();
    if (irc != SQLITE_DONE) return error{db_error(db, "migration 3: message index")};

    for (const auto& tag : search::message_tags(p, rcpt)) {  // X-Tags are already stored
      std::int64_t tag_id = 0;
      find_tag.bind(1, tag);
      if (find_tag.step() == SQLITE_ROW) tag_id = find_tag.column_int(0);
      find_tag.reset();
      if (tag_id == 0) {
        add_tag.bind(1, tag);
        const int arc = add_tag.step();
        add_tag.reset();
        if (arc != SQLITE_DONE) return error{db_error(db, "migration 3: tag")};
        tag_id = sqlite3_last_insert_rowid(db);
      }
      link.bind(1, id);
      link.bind(2, tag_id);
      const int lrc = link.step();
      link.reset();
      if (lrc != SQLITE_DONE) return error{db_error(db, "migration 3: message tag")};
    }
  }
  if (rc != SQLITE_DONE) return error{db_error(db, "migration 3: reading messages")};
  return ok_status();
}

status migrate_to_v3(sqlite3* db) {
  if (auto st = exec(db, k_schema_v3_tables); !st) return st;
  if (auto st = backfill_message_index(db); !st) return st;
  return exec(db, k_schema_v3_indexes);
}

struct migration {
  int version;
  status (*apply)(sqlite3*);
};

constexpr migration k_migrations[] = {
    {1, migrate_to_v1},
    {2, migrate_to_v2},
    {3, migrate_to_v3},
    {4, migrate_to_v4},  // store/delivery_schema.cpp: the release engine's tables
};
static_assert(std::size(k_migrations) == latest_schema_version);

result<std::int64_t> pragma_int(sqlite3* db, const char* sql) {
  statement s(db, sql, false);
  if (!s.valid()) return error{s.error()};
  const int rc = s.step();
  if (rc == SQLITE_ROW) return s.column_int(0);
  // With the system error behind an I/O failure: a full disk shows up here as "disk I/O error"
  // (the -shm file cannot be sized), which says nothing without "(No space left on device)".
  std::string why = sqlite3_errmsg(db);
  const int primary = sqlite3_extended_errcode(db) & 0xff;
  const int sys = sqlite3_system_errno(db);
  if ((primary == SQLITE_IOERR || primary == SQLITE_FULL || primary == SQLITE_CANTOPEN) && sys != 0)
    why += std::string(" (") + std::strerror(sys) + ")";
  return error{why};
}

// Anything but an empty database or one of ours is refused before we write to it.
status check_foreign(sqlite3* db, int version) {
  auto app = pragma_int(db, "PRAGMA application_id");
  if (!app) return error{app.error_message()};
  if (*app != 0 && *app != mailjar_application_id) {
    return error{"it belongs to another application (application_id " + std::to_string(*app) + ")"};
  }
  if (version == 0 && *app == 0) {
    auto tables = pragma_int(db, "SELECT count(*) FROM sqlite_schema");
    if (!tables) return error{tables.error_message()};
    if (*tables != 0) return error{"it is an SQLite database with tables that are not mailjar's"};
  }
  return ok_status();
}

status apply_one(sqlite3* db, const migration& m) {
  if (auto st = exec(db, "BEGIN IMMEDIATE"); !st) return st;
  status st = m.apply(db);
  if (st) {
    const std::string set_version = "PRAGMA user_version = " + std::to_string(m.version) +
                                    "; PRAGMA application_id = " + std::to_string(mailjar_application_id);
    st = exec(db, set_version.c_str());
  }
  if (st) st = exec(db, "COMMIT");
  if (!st) {
    if (sqlite3_get_autocommit(db) == 0) exec(db, "ROLLBACK");
    return error{"migration to schema version " + std::to_string(m.version) +
                 " failed: " + st.error_message()};
  }
  return ok_status();
}

}  // namespace

result<int> schema_version(sqlite3* db) {
  auto v = pragma_int(db, "PRAGMA user_version");
  if (!v) return error{v.error_message()};
  return static_cast<int>(*v);
}

result<int> check_compatible(sqlite3* db) {
  auto current = schema_version(db);
  if (!current) return error{current.error_message()};
  if (*current > latest_schema_version) {
    return error{"its schema version " + std::to_string(*current) + " is newer than this build supports (" +
                 std::to_string(latest_schema_version) + "); use a newer mailjar or another database"};
  }
  if (auto st = check_foreign(db, *current); !st) return error{st.error_message()};
  return current;
}

status migrate(sqlite3* db, int target_version) {
  auto current = check_compatible(db);
  if (!current) return error{current.error_message()};
  for (const auto& m : k_migrations) {
    if (m.version <= *current || m.version > target_version) continue;
    if (auto st = apply_one(db, m); !st) return st;
  }
  return ok_status();
}

namespace {

// The directory of `path` is on a file system mounted read-only.
bool on_read_only_file_system(const std::string& path) {
  struct statvfs fs {};
  const auto dir = std::filesystem::path(path).parent_path();
  return ::statvfs(dir.empty() ? "." : dir.c_str(), &fs) == 0 && (fs.f_flag & ST_RDONLY) != 0;
}

}  // namespace

result<db_ptr> open_writer_db(const std::string& path, const writer_settings& settings, int target_version) {
  if (path.empty()) return error{"no database path given"};
  const std::string label = "database '" + path + "'";
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) return error{"cannot open " + label + ": it is a directory"};

  auto opened = open_connection(path, false, settings.busy_timeout_ms);
  if (!opened) {
    // SQLite falls back to a read-only open, whose errno ("No such file or directory") hides why.
    if (on_read_only_file_system(path))
      return error{"cannot open " + label + ": it is on a read-only file system"};
    return error{opened.error_message()};
  }
  db_ptr db = std::move(*opened);
  auto fail = [&](const std::string& why) { return error{"cannot use " + label + ": " + why}; };

  // Nothing is written before we know the file is ours (or empty): the first read of the
  // header is where a file that is not SQLite shows up, then foreign and newer databases.
  if (auto ours = check_compatible(db.get()); !ours) return fail(ours.error_message());
  if (sqlite3_db_readonly(db.get(), "main") == 1) {
    if (on_read_only_file_system(path)) return fail("it is on a read-only file system");
    return fail("it is read-only (check file permissions)");
  }

  // Takes effect only when the file is new. 16 KiB pages pack several ~2 KB message rows per
  // page and cut overflow chains for raw blobs: about twice the ingest rate of 4 KiB pages.
  (void)exec(db.get(), "PRAGMA page_size = 16384");
  {
    statement wal(db.get(), "PRAGMA journal_mode = WAL", false);
    if (!wal.valid()) return fail(wal.error());
    const int rc = wal.step();
    if (rc != SQLITE_ROW) return fail(sqlite3_errmsg(db.get()));
    if (wal.column_text(0) != "wal")
      return fail("cannot switch to WAL mode (journal_mode " + wal.column_text(0) + ")");
  }

  const std::string pragmas =
      std::string("PRAGMA synchronous = ") + (settings.sync_full ? "FULL" : "NORMAL") +
      "; PRAGMA foreign_keys = ON; PRAGMA temp_store = MEMORY;" +
      " PRAGMA journal_size_limit = 67108864; PRAGMA cache_size = -" + std::to_string(settings.cache_kib);
  if (auto st = exec(db.get(), pragmas.c_str()); !st) return fail(st.error_message());
  if (auto st = migrate(db.get(), target_version); !st) return fail(st.error_message());
  return db;
}

status migrate_file(const std::string& path, int target_version) {
  auto db = open_writer_db(path, writer_settings{}, target_version);
  if (!db) return error{db.error_message()};
  return ok_status();
}

}  // namespace mailjar::store
