#include "store/message_writer.hpp"

#include <algorithm>
#include <chrono>

#include "search/tags.hpp"
#include "store/json_columns.hpp"
#include "store/schema.hpp"
#include "store/search_text.hpp"

namespace mailjar::store {

namespace {

constexpr const char* k_begin = "BEGIN IMMEDIATE";
constexpr const char* k_commit = "COMMIT";
constexpr const char* k_rollback = "ROLLBACK";
constexpr const char* k_savepoint = "SAVEPOINT msg";
constexpr const char* k_release = "RELEASE msg";
constexpr const char* k_rollback_to = "ROLLBACK TO msg";

constexpr const char* k_insert_message =
    "INSERT INTO messages (uid, received_ms, size, attachments, inlines, message_id, subject, date_ms, "
    "from_name, from_addr, to_json, cc_json, bcc_json, reply_to_json, return_path, snippet, mail_from, "
    "rcpt_to_json, client_addr, helo, tls, auth_user, smtputf8, body_type, warnings_json, headers_json, "
    "text, "
    "html, html_text, from_search, to_search, cc_search, bcc_search, reply_to_search, file_names) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, "
    "?, ?, ?)";
constexpr const char* k_insert_raw = "INSERT INTO raw (id, data) VALUES (?, ?)";
constexpr const char* k_insert_part =
    "INSERT INTO parts (message, seq, part_id, role, content_type, charset, disposition, file_name, "
    "content_id, transfer_encoding, in_raw, raw_offset, raw_length, size, md5, sha1, sha256, content) "
    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* k_find_tag = "SELECT id FROM tags WHERE name = ?";
constexpr const char* k_insert_tag = "INSERT INTO tags (name) VALUES (?)";
constexpr const char* k_insert_message_tag =
    "INSERT OR IGNORE INTO message_tags (message, tag) VALUES (?, ?)";
// Full-text rows for every message past the index's watermark, read from the messages rows
// themselves: external-content FTS5 must later be told exactly these values to delete a row.
constexpr const char* k_index_pending =
    "INSERT INTO messages_fts (rowid, subject, from_search, to_search, cc_search, bcc_search, "
    "reply_to_search, text, html_text, file_names) SELECT id, subject, from_search, to_search, cc_search, "
    "bcc_search, reply_to_search, text, html_text, file_names FROM messages WHERE id > ? ORDER BY id";
constexpr const char* k_max_id = "SELECT ifnull(max(id), 0) FROM messages";
constexpr const char* k_max_indexed = "SELECT ifnull(max(id), 0) FROM messages_fts_docsize";
constexpr const char* k_delete_fts =
    "INSERT INTO messages_fts (messages_fts, rowid, subject, from_search, to_search, cc_search, bcc_search, "
    "reply_to_search, text, html_text, file_names) SELECT 'delete', id, subject, from_search, to_search, "
    "cc_search, bcc_search, reply_to_search, text, html_text, file_names FROM messages WHERE id = ?";
constexpr const char* k_delete_message = "DELETE FROM messages WHERE id = ?";  // cascades to raw, parts, tags
constexpr const char* k_insert_index =
    "INSERT INTO message_index (id, received_ms, size, attachments, inlines, subject_f, from_f, to_f, cc_f, "
    "bcc_f, reply_to_f, message_id_f) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* k_find_uid = "SELECT id FROM messages WHERE uid = ?";
constexpr const char* k_delete_orphan_tags =
    "DELETE FROM tags WHERE NOT EXISTS (SELECT 1 FROM message_tags WHERE message_tags.tag = tags.id)";
constexpr const char* k_set_read = "UPDATE message_index SET is_read = ?1 WHERE id = ?2 AND is_read <> ?1";
constexpr const char* k_oldest = "SELECT id FROM message_index ORDER BY received_ms, id LIMIT ?";
constexpr const char* k_older_than =
    "SELECT id FROM message_index WHERE received_ms < ? ORDER BY received_ms, id LIMIT ?";
constexpr const char* k_count = "SELECT count(*) FROM messages";
constexpr const char* k_all_uids =
    "SELECT x.uid FROM message_index m JOIN messages x ON x.id = m.id ORDER BY m.received_ms DESC, m.id DESC";
constexpr const char* k_delete_all =
    "INSERT INTO messages_fts (messages_fts) VALUES ('delete-all');"
    "DELETE FROM message_tags; DELETE FROM tags; DELETE FROM parts; DELETE FROM raw; DELETE FROM "
    "message_index;"
    "DELETE FROM messages;";
constexpr const char* k_message_tag_names =
    "SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag WHERE mt.message = ? ORDER BY t.name";
constexpr const char* k_clear_message_tags = "DELETE FROM message_tags WHERE message = ?";
constexpr const char* k_tag_carriers =
    "SELECT x.uid FROM message_tags mt JOIN message_index m ON m.id = mt.message JOIN messages x ON x.id = "
    "mt.message WHERE mt.tag = ? ORDER BY m.received_ms DESC, m.id DESC";
constexpr const char* k_rename_tag = "UPDATE tags SET name = ? WHERE id = ?";
constexpr const char* k_merge_tag =
    "INSERT OR IGNORE INTO message_tags (message, tag) SELECT message, ?1 FROM message_tags WHERE tag = ?2";
constexpr const char* k_unlink_tag = "DELETE FROM message_tags WHERE tag = ?";
constexpr const char* k_delete_tag = "DELETE FROM tags WHERE id = ?";

constexpr std::size_t k_blob_chunk = 1 << 20;

const char* role_name(mime::part_role r) {
  switch (r) {
    case mime::part_role::body:
      return "body";
    case mime::part_role::inline_part:
      return "inline";
    case mime::part_role::attachment:
      break;
  }
  return "attachment";
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

std::int64_t to_i64(std::uint64_t v) { return static_cast<std::int64_t>(v); }

// Binds consecutive parameters from 1.
class binder {
 public:
  explicit binder(statement& s) : s_(s) {}
  binder& text(std::string_view v) {
    s_.bind(++i_, v);
    return *this;
  }
  binder& num(std::int64_t v) {
    s_.bind(++i_, v);
    return *this;
  }
  binder& opt(const std::optional<std::int64_t>& v) {
    s_.bind(++i_, v);
    return *this;
  }
  binder& null() {
    s_.bind_null(++i_);
    return *this;
  }

 private:
  statement& s_;
  int i_ = 0;
};

}  // namespace

result<std::unique_ptr<message_writer>> message_writer::open(const store_config& cfg) {
  auto db =
      open_writer_db(cfg.path, writer_settings{cfg.sync_full, cfg.busy_timeout_ms, cfg.writer_cache_kib});
  if (!db) return error{db.error_message()};
  std::unique_ptr<message_writer> w(new message_writer(std::move(*db), cfg));
  auto count = w->query_int(k_count);
  auto max_id = w->query_int(k_max_id);
  auto max_indexed = w->query_int(k_max_indexed);
  for (const auto* r : {&count, &max_id, &max_indexed}) {
    if (!*r) return error{"cannot use database '" + cfg.path + "': " + r->error_message()};
  }
  w->count_ = static_cast<std::uint64_t>(*count);
  // Messages stored but not yet indexed when the last run stopped (a crash, a kill) are indexed
  // now, before anything can search. If that fails (a full disk) the store still opens: reads
  // and the disk-full replies work, and the writer retries later.
  w->max_id_ = *max_id;
  w->indexed_upto_ = std::min(*max_indexed, *max_id);
  (void)w->index_pending();
  return w;
}

result<std::int64_t> message_writer::query_int(const char* sql) {
  statement* s = cache_.get(sql);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  if (s->step() != SQLITE_ROW) return error{db_error(db_.get(), sql)};
  return s->column_int(0);
}

status message_writer::index_pending() {
  if (unindexed() == 0) return ok_status();
  return in_transaction([&] { return stage_index(); });
}

status message_writer::stage_index() {
  if (max_id_ <= indexed_upto_) return ok_status();
  statement* s = cache_.get(k_index_pending);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  s->bind(1, indexed_upto_);
  if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "full-text index")};
  staged_indexed_upto_ = max_id_;
  return ok_status();
}

status message_writer::refresh_max_id() {
  auto max_id = query_int(k_max_id);
  if (!max_id) return error{max_id.error_message()};
  max_id_ = *max_id;
  // Deleting the newest rows lets SQLite hand their ids out again: those must count as unindexed.
  indexed_upto_ = std::min(indexed_upto_, max_id_);
  return ok_status();
}

message_writer::message_writer(db_ptr db, const store_config& cfg)
    : db_(std::move(db)),
      cache_(db_.get()),
      blob_threshold_(cfg.blob_stream_threshold),
      cache_kib_(cfg.writer_cache_kib) {}

message_writer::~message_writer() {
  cache_.clear();
  (void)exec(db_.get(), "PRAGMA optimize");
}

status message_writer::run(const char* sql) {
  auto st = run_cached(cache_, db_.get(), sql);
  if (!st) return error{db_error(db_.get(), sql)};
  return st;
}

template <class F>
status message_writer::in_transaction(F&& body) {
  staged_indexed_upto_.reset();
  if (auto st = run(k_begin); !st) return st;
  status st = body();
  if (st) st = run(k_commit);
  if (!st && sqlite3_get_autocommit(db_.get()) == 0) (void)run(k_rollback);
  if (st && staged_indexed_upto_) indexed_upto_ = *staged_indexed_upto_;
  staged_indexed_upto_.reset();
  return st;
}

batch_result message_writer::write_batch(const std::vector<const new_message*>& msgs) {
  // Almost no batch holds a failing message, so each is first written without a savepoint per
  // message: a savepoint copies every page its message is first to touch into the statement
  // journal (16 KiB each, ~10 pages per message), ~10 % of the writer's time. If a message
  // fails, that whole transaction is rolled back and the batch written again with savepoints,
  // where the failing message fails alone.
  if (auto out = write_batch_pass(msgs, false)) return std::move(*out);
  return std::move(*write_batch_pass(msgs, true));  // with savepoints there is no second try
}

std::optional<batch_result> message_writer::write_batch_pass(const std::vector<const new_message*>& msgs,
                                                             bool savepoints) {
  batch_result out;
  out.outcomes.resize(msgs.size());
  auto fail_all = [&](const std::string& why) {
    for (auto& o : out.outcomes) o = store_outcome{false, why};
    out.stored = 0;
    out.committed = false;
    if (sqlite3_get_autocommit(db_.get()) == 0) (void)run(k_rollback);
    return out;
  };

  if (auto st = run(k_begin); !st) return fail_all("cannot begin transaction: " + st.error_message());

  // Each message's rows (inside its own savepoint on the second try). No full-text rows: the
  // index trails ingest (index_pending).
  std::uint64_t stored = 0;
  std::int64_t max_written = 0;
  for (std::size_t i = 0; i < msgs.size(); ++i) {
    const new_message& m = *msgs[i];
    std::int64_t row_id = 0;
    const search_columns sc = build_search_columns(m.env.rcpt_to, m.parsed);
    status st = savepoints ? run(k_savepoint) : ok_status();
    if (st) st = insert_message(m, sc, row_id);
    if (st) st = insert_index(row_id, m);
    if (st) st = insert_raw(row_id, m.raw);
    if (st) st = insert_parts(row_id, m);
    if (st) st = insert_tags(row_id, search::message_tags(m.parsed, m.env.rcpt_to));
    if (st && savepoints) st = run(k_release);
    if (st) {
      out.outcomes[i].ok = true;
      stored += 1;
      max_written = row_id;  // ids ascend
      continue;
    }
    // Some errors (disk full, I/O) roll back the whole transaction: then nothing survives.
    if (sqlite3_get_autocommit(db_.get()) != 0) return fail_all(st.error_message());
    if (!savepoints) {
      (void)run(k_rollback);
      if (sqlite3_get_autocommit(db_.get()) == 0) return fail_all(st.error_message());
      return std::nullopt;  // write it again, with savepoints
    }
    out.outcomes[i] = store_outcome{false, st.error_message()};
    (void)run(k_rollback_to);
    if (auto rel = run(k_release); !rel) return fail_all(rel.error_message());
  }

  if (auto st = run(k_commit); !st) return fail_all("commit failed: " + st.error_message());
  out.committed = true;
  out.stored = stored;
  count_ += stored;
  max_id_ = std::max(max_id_, max_written);
  return out;
}

status message_writer::insert_message(const new_message& m, const search_columns& sc, std::int64_t& row_id) {
  statement* s = cache_.get(k_insert_message);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  const auto& p = m.parsed;
  std::int64_t attachments = 0, inlines = 0;
  for (const auto& part : p.parts) {
    attachments += part.role == mime::part_role::attachment;
    inlines += part.role == mime::part_role::inline_part;
  }
  const std::string to = addresses_to_json(p.to), cc = addresses_to_json(p.cc),
                    bcc = addresses_to_json(p.bcc), reply_to = addresses_to_json(p.reply_to),
                    rcpt = strings_to_json(m.env.rcpt_to), warnings = strings_to_json(p.warnings),
                    headers = headers_to_json(p.headers);
  binder b(*s);
  b.text(m.uid)
      .num(m.env.received_ms != 0 ? m.env.received_ms : now_ms())
      .num(to_i64(m.raw.size()))
      .num(attachments)
      .num(inlines)
      .text(p.message_id)
      .text(p.subject)
      .opt(p.date_ms);
  if (p.from) {
    b.text(p.from->name).text(p.from->addr);
  } else {
    b.null().null();
  }
  b.text(to).text(cc).text(bcc).text(reply_to).text(p.return_path).text(p.snippet);
  b.text(m.env.mail_from)
      .text(rcpt)
      .text(m.env.client_addr)
      .text(m.env.helo)
      .text(m.env.tls)
      .text(m.env.auth_user);
  b.num(m.env.smtputf8 ? 1 : 0).text(m.env.body_type).text(warnings).text(headers);
  b.text(p.text).text(p.html).text(p.html_as_text);
  b.text(sc.from).text(sc.to).text(sc.cc).text(sc.bcc).text(sc.reply_to).text(sc.file_names);
  if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "message row")};
  row_id = sqlite3_last_insert_rowid(db_.get());
  return ok_status();
}

status message_writer::insert_index(std::int64_t row_id, const new_message& m) {
  statement* s = cache_.get(k_insert_index);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  const folded_columns f = build_folded_columns(m.env.rcpt_to, m.parsed);
  std::int64_t attachments = 0, inlines = 0;
  for (const auto& part : m.parsed.parts) {
    attachments += part.role == mime::part_role::attachment;
    inlines += part.role == mime::part_role::inline_part;
  }
  binder b(*s);
  b.num(row_id).num(m.env.received_ms != 0 ? m.env.received_ms : now_ms()).num(to_i64(m.raw.size()));
  b.num(attachments).num(inlines);
  b.text(f.subject).text(f.from).text(f.to).text(f.cc).text(f.bcc).text(f.reply_to).text(f.message_id);
  if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "message index row")};
  return ok_status();
}

status message_writer::insert_raw(std::int64_t row_id, const std::string& raw) {
  statement* s = cache_.get(k_insert_raw);
  if (s == nullptr) return error{cache_.last_error()};
  const bool stream = raw.size() >= blob_threshold_;
  // A big blob passes through the page cache (the zeroblob's pages, then the writes): shrink it
  // meanwhile (dirty pages spill to the WAL) so a 25 MB message does not also fill the whole
  // cache, and give the pages back afterwards.
  struct cache_shrink {
    sqlite3* db;
    int kib;
    cache_shrink(sqlite3* d, int restore_kib) : db(d), kib(restore_kib) {
      (void)exec(db, "PRAGMA cache_size = -1024");
    }
    ~cache_shrink() {
      const std::string restore = "PRAGMA cache_size = -" + std::to_string(kib);
      (void)exec(db, restore.c_str());
    }
  };
  std::optional<cache_shrink> shrink;
  if (stream) shrink.emplace(db_.get(), cache_kib_);
  {
    reset_guard guard(*s);
    s->bind(1, row_id);
    if (stream) {
      s->bind_zeroblob(2, raw.size());
    } else {
      s->bind_blob(2, raw);
    }
    if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "raw message")};
  }
  if (!stream) return ok_status();

  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db_.get(), "main", "raw", "data", row_id, 1, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return error{db_error(db_.get(), "raw message blob")};
  }
  int rc = SQLITE_OK;
  for (std::size_t off = 0; off < raw.size() && rc == SQLITE_OK; off += k_blob_chunk) {
    const std::size_t n = std::min(k_blob_chunk, raw.size() - off);
    rc = sqlite3_blob_write(blob, raw.data() + off, static_cast<int>(n), static_cast<int>(off));
  }
  const int close_rc = sqlite3_blob_close(blob);
  if (rc != SQLITE_OK || close_rc != SQLITE_OK) return error{db_error(db_.get(), "writing raw message")};
  return ok_status();
}

status message_writer::insert_parts(std::int64_t row_id, const new_message& m) {
  if (m.parsed.parts.empty()) return ok_status();
  statement* s = cache_.get(k_insert_part);
  if (s == nullptr) return error{cache_.last_error()};
  std::int64_t seq = 0;
  for (const auto& part : m.parsed.parts) {
    reset_guard guard(*s);
    binder b(*s);
    b.num(row_id).num(seq++).text(part.part_id).text(role_name(part.role)).text(part.content_type);
    b.text(part.charset).text(part.disposition).text(part.file_name).text(part.content_id);
    b.text(part.transfer_encoding).num(part.in_raw ? 1 : 0).num(to_i64(part.raw_offset));
    b.num(to_i64(part.raw_length)).num(to_i64(part.size)).text(part.md5).text(part.sha1).text(part.sha256);
    if (part.content) {
      s->bind_blob(18, *part.content);
    } else {
      s->bind_null(18);
    }
    if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "part " + part.part_id)};
  }
  return ok_status();
}

status message_writer::insert_tags(std::int64_t row_id, const std::vector<std::string>& tags) {
  if (tags.empty()) return ok_status();
  statement* add = cache_.get(k_insert_tag);
  statement* link = cache_.get(k_insert_message_tag);
  if (add == nullptr || link == nullptr) return error{cache_.last_error()};
  for (const auto& tag : tags) {
    if (tag.empty()) continue;
    auto found = find_tag(tag);
    if (!found) return error{found.error_message()};
    std::int64_t tag_id = found->value_or(0);
    if (tag_id == 0) {
      reset_guard guard(*add);
      add->bind(1, tag);
      if (add->step() != SQLITE_DONE) return error{db_error(db_.get(), "tag")};
      tag_id = sqlite3_last_insert_rowid(db_.get());
    }
    reset_guard guard(*link);
    link->bind(1, row_id);
    link->bind(2, tag_id);
    if (link->step() != SQLITE_DONE) return error{db_error(db_.get(), "message tag")};
  }
  return ok_status();
}

result<std::optional<std::int64_t>> message_writer::find_tag(std::string_view name) {
  statement* find = cache_.get(k_find_tag);
  if (find == nullptr) return error{cache_.last_error()};
  reset_guard guard(*find);
  find->bind(1, name);
  const int rc = find->step();
  if (rc == SQLITE_ROW) return std::optional<std::int64_t>(find->column_int(0));
  if (rc != SQLITE_DONE) return error{db_error(db_.get(), "tag lookup")};
  return std::optional<std::int64_t>();
}

result<bool> message_writer::delete_row(std::int64_t row_id) {
  statement* fts = cache_.get(k_delete_fts);
  statement* del = cache_.get(k_delete_message);
  if (fts == nullptr || del == nullptr) return error{cache_.last_error()};
  // A message not indexed yet (counting what this transaction indexed) has no full-text row.
  if (row_id <= staged_indexed_upto_.value_or(indexed_upto_)) {
    reset_guard guard(*fts);
    fts->bind(1, row_id);
    if (fts->step() != SQLITE_DONE) return error{db_error(db_.get(), "deleting full-text row")};
  }
  reset_guard guard(*del);
  del->bind(1, row_id);
  if (del->step() != SQLITE_DONE) return error{db_error(db_.get(), "deleting message")};
  return sqlite3_changes(db_.get()) > 0;
}

status message_writer::delete_orphan_tags() { return run(k_delete_orphan_tags); }

result<std::vector<message_writer::row_ref>> message_writer::resolve(const write_target& which,
                                                                     const char* extra,
                                                                     std::optional<std::int64_t> extra_bind) {
  std::vector<row_ref> out;
  if (which.by_uids) {
    statement* find = cache_.get(k_find_uid);
    if (find == nullptr) return error{cache_.last_error()};
    for (const auto& uid : which.uids) {
      reset_guard guard(*find);
      find->bind(1, uid);
      const int rc = find->step();
      if (rc == SQLITE_DONE) continue;
      if (rc != SQLITE_ROW) return error{db_error(db_.get(), "finding message")};
      out.push_back({find->column_int(0), uid});
    }
    return out;
  }
  // A full-text search must see every message: index what trails, in this same transaction.
  if (!which.filter.fts_match.empty()) {
    if (auto st = stage_index(); !st) return error{st.error_message()};
  }
  statement s(db_.get(), rows_query(which.filter, extra != nullptr ? extra : ""), false);
  if (!s.valid()) return error{"search: " + s.error()};
  int i = bind_filter(s, which.filter);
  if (extra_bind) s.bind(++i, *extra_bind);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) out.push_back({s.column_int(0), s.column_text(1)});
  if (rc != SQLITE_DONE) return error{db_error(db_.get(), "search")};
  return out;
}

result<std::vector<std::string>> message_writer::remove(const write_target& which) {
  std::vector<std::string> removed;
  const bool everything = !which.by_uids && which.filter.where.empty();
  auto st = in_transaction([&]() -> status {
    if (everything) {
      statement* all = cache_.get(k_all_uids);
      if (all == nullptr) return error{cache_.last_error()};
      {
        reset_guard guard(*all);
        int rc;
        while ((rc = all->step()) == SQLITE_ROW) removed.push_back(all->column_text(0));
        if (rc != SQLITE_DONE) return error{db_error(db_.get(), "listing messages")};
      }
      return exec(db_.get(), k_delete_all);
    }
    auto rows = resolve(which);
    if (!rows) return error{rows.error_message()};
    for (auto& r : *rows) {
      auto gone = delete_row(r.id);
      if (!gone) return error{gone.error_message()};
      if (*gone) removed.push_back(std::move(r.uid));
    }
    return delete_orphan_tags();
  });
  if (!st) return error{st.error_message()};
  count_ = everything ? 0 : count_ - std::min<std::uint64_t>(count_, removed.size());
  if (auto r = refresh_max_id(); !r) return error{r.error_message()};
  return removed;
}

result<std::vector<std::string>> message_writer::set_read(const write_target& which, bool read) {
  std::vector<std::string> changed;
  const std::int64_t flag = read ? 1 : 0;
  auto st = in_transaction([&]() -> status {
    auto rows = resolve(which, "m.is_read <> ?", flag);
    if (!rows) return error{rows.error_message()};
    statement* s = cache_.get(k_set_read);
    if (s == nullptr) return error{cache_.last_error()};
    for (auto& r : *rows) {
      reset_guard guard(*s);
      s->bind(1, flag);
      s->bind(2, r.id);
      if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "setting read flag")};
      if (sqlite3_changes(db_.get()) > 0) changed.push_back(std::move(r.uid));
    }
    return ok_status();
  });
  if (!st) return error{st.error_message()};
  return changed;
}

result<std::vector<std::string>> message_writer::set_tags(const std::vector<std::string>& uids,
                                                          const std::vector<std::string>& tags) {
  std::vector<std::string> changed;
  auto same_tags = [&tags](const std::vector<std::string>& current) {
    if (current.size() != tags.size()) return false;
    for (std::size_t i = 0; i < tags.size(); ++i) {
      if (sqlite3_stricmp(current[i].c_str(), tags[i].c_str()) != 0) return false;
    }
    return true;
  };
  auto st = in_transaction([&]() -> status {
    auto rows = resolve(write_target{true, uids, {}});
    if (!rows) return error{rows.error_message()};
    statement* names = cache_.get(k_message_tag_names);
    statement* clear = cache_.get(k_clear_message_tags);
    if (names == nullptr || clear == nullptr) return error{cache_.last_error()};
    for (auto& r : *rows) {
      std::vector<std::string> current;
      {
        reset_guard guard(*names);
        names->bind(1, r.id);
        int rc;
        while ((rc = names->step()) == SQLITE_ROW) current.push_back(names->column_text(0));
        if (rc != SQLITE_DONE) return error{db_error(db_.get(), "reading tags")};
      }
      if (same_tags(current)) continue;
      {
        reset_guard guard(*clear);
        clear->bind(1, r.id);
        if (clear->step() != SQLITE_DONE) return error{db_error(db_.get(), "clearing tags")};
      }
      if (auto added = insert_tags(r.id, tags); !added) return added;
      changed.push_back(std::move(r.uid));
    }
    return delete_orphan_tags();
  });
  if (!st) return error{st.error_message()};
  return changed;
}

result<std::vector<std::string>> message_writer::tag_carriers(std::int64_t tag_id) {
  std::vector<std::string> out;
  statement* s = cache_.get(k_tag_carriers);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  s->bind(1, tag_id);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(s->column_text(0));
  if (rc != SQLITE_DONE) return error{db_error(db_.get(), "messages with tag")};
  return out;
}

result<std::vector<std::string>> message_writer::rename_tag(std::string_view from, std::string_view to) {
  std::vector<std::string> changed;
  auto st = in_transaction([&]() -> status {
    auto from_id = find_tag(from);
    if (!from_id) return error{from_id.error_message()};
    if (!*from_id) return ok_status();
    auto carriers = tag_carriers(**from_id);
    if (!carriers) return error{carriers.error_message()};
    changed = std::move(*carriers);
    auto to_id = find_tag(to);
    if (!to_id) return error{to_id.error_message()};
    if (!*to_id || **to_id == **from_id) {  // a new name, or the same tag spelled differently
      statement* s = cache_.get(k_rename_tag);
      if (s == nullptr) return error{cache_.last_error()};
      reset_guard guard(*s);
      s->bind(1, to);
      s->bind(2, **from_id);
      if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "renaming tag")};
      return ok_status();
    }
    statement* merge = cache_.get(k_merge_tag);  // into the existing tag of that name
    if (merge == nullptr) return error{cache_.last_error()};
    {
      reset_guard guard(*merge);
      merge->bind(1, **to_id);
      merge->bind(2, **from_id);
      if (merge->step() != SQLITE_DONE) return error{db_error(db_.get(), "merging tags")};
    }
    for (const char* sql : {k_unlink_tag, k_delete_tag}) {
      statement* s = cache_.get(sql);
      if (s == nullptr) return error{cache_.last_error()};
      reset_guard guard(*s);
      s->bind(1, **from_id);
      if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "removing tag")};
    }
    return ok_status();
  });
  if (!st) return error{st.error_message()};
  return changed;
}

result<std::vector<std::string>> message_writer::delete_tag(std::string_view name) {
  std::vector<std::string> changed;
  auto st = in_transaction([&]() -> status {
    auto id = find_tag(name);
    if (!id) return error{id.error_message()};
    if (!*id) return ok_status();
    auto carriers = tag_carriers(**id);
    if (!carriers) return error{carriers.error_message()};
    changed = std::move(*carriers);
    for (const char* sql : {k_unlink_tag, k_delete_tag}) {
      statement* s = cache_.get(sql);
      if (s == nullptr) return error{cache_.last_error()};
      reset_guard guard(*s);
      s->bind(1, **id);
      if (s->step() != SQLITE_DONE) return error{db_error(db_.get(), "removing tag")};
    }
    return ok_status();
  });
  if (!st) return error{st.error_message()};
  return changed;
}

result<prune_result> message_writer::prune(std::uint64_t max_messages, std::int64_t cutoff_ms,
                                           std::size_t limit) {
  prune_result out;
  const std::uint64_t excess = max_messages != 0 && count_ > max_messages ? count_ - max_messages : 0;
  if ((excess == 0 && cutoff_ms == 0) || limit == 0) return out;

  // Choose outside the transaction (this connection is the only writer), so a turn with
  // nothing to prune costs one index probe and takes no lock.
  std::vector<std::int64_t> ids;
  auto select_ids = [&](const char* sql, std::optional<std::int64_t> cutoff, std::size_t n) -> status {
    statement* s = cache_.get(sql);
    if (s == nullptr) return error{cache_.last_error()};
    reset_guard guard(*s);
    int i = 0;
    if (cutoff) s->bind(++i, *cutoff);
    s->bind(++i, static_cast<std::int64_t>(n));
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) ids.push_back(s->column_int(0));
    if (rc != SQLITE_DONE) return error{db_error(db_.get(), "selecting messages to prune")};
    return ok_status();
  };
  // The oldest `excess` are the first rows of the age order too: one ordered scan serves both.
  if (excess != 0) {
    if (auto s = select_ids(k_oldest, std::nullopt, std::min<std::uint64_t>(excess, limit)); !s)
      return error{s.error_message()};
  }
  if (cutoff_ms != 0 && ids.size() < limit) {
    std::vector<std::int64_t> by_count = std::move(ids);
    ids.clear();
    if (auto s = select_ids(k_older_than, cutoff_ms, limit); !s) return error{s.error_message()};
    // Both lists are in (received_ms, id) order from the start, so the longer one holds the other.
    if (by_count.size() > ids.size()) ids = std::move(by_count);
  }
  if (ids.empty()) return out;

  std::uint64_t removed = 0;
  auto st = in_transaction([&]() -> status {
    for (auto id : ids) {
      auto gone = delete_row(id);
      if (!gone) return error{gone.error_message()};
      removed += *gone ? 1 : 0;
    }
    return delete_orphan_tags();
  });
  if (!st) return error{st.error_message()};
  count_ -= std::min(count_, removed);
  if (auto r = refresh_max_id(); !r) return error{r.error_message()};
  out.removed = removed;
  out.more = ids.size() == limit || (max_messages != 0 && count_ > max_messages);
  return out;
}

}  // namespace mailjar::store
