#include "store/message_reader.hpp"

#include <algorithm>
#include <climits>

#include "mime/parser.hpp"
#include "mime/transfer_decoder.hpp"
#include "store/json_columns.hpp"

namespace mailjar::store {

namespace {

constexpr const char* k_reader_pragmas = "PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -8192";
constexpr const char* k_begin = "BEGIN";
constexpr const char* k_end = "COMMIT";

// The read flag lives in message_index (schema version 3).
constexpr const char* k_get_message =
    "SELECT id, uid, received_ms, size, ifnull((SELECT i.is_read FROM message_index i WHERE i.id = "
    "messages.id), "
    "is_read), attachments, inlines, message_id, subject, date_ms, "
    "from_name, "
    "from_addr, to_json, cc_json, bcc_json, reply_to_json, return_path, snippet, mail_from, rcpt_to_json, "
    "client_addr, helo, tls, auth_user, smtputf8, body_type, warnings_json, headers_json, text, html, "
    "html_text "
    "FROM messages WHERE uid = ?";
constexpr const char* k_get_parts =
    "SELECT part_id, role, content_type, charset, disposition, file_name, content_id, transfer_encoding, "
    "in_raw, "
    "raw_offset, raw_length, size, md5, sha1, sha256 FROM parts WHERE message = ? ORDER BY seq";
constexpr const char* k_get_tags =
    "SELECT t.name FROM message_tags mt JOIN tags t ON t.id = mt.tag WHERE mt.message = ? ORDER BY t.name";
constexpr const char* k_raw_id = "SELECT id FROM messages WHERE uid = ?";
constexpr const char* k_get_part =
    "SELECT p.message, p.in_raw, p.raw_offset, p.raw_length, p.transfer_encoding, p.content "
    "FROM messages m JOIN parts p ON p.message = m.id WHERE m.uid = ? AND p.part_id = ? ORDER BY p.seq LIMIT "
    "1";
constexpr const char* k_count = "SELECT messages FROM mailbox_counts WHERE id = 1";
constexpr const char* k_unread = "SELECT unread FROM mailbox_counts WHERE id = 1";
constexpr const char* k_totals = "SELECT messages, unread FROM mailbox_counts WHERE id = 1";
constexpr const char* k_newest =
    "SELECT x.uid FROM message_index m JOIN messages x ON x.id = m.id ORDER BY m.received_ms DESC, m.id DESC "
    "LIMIT ? OFFSET ?";
constexpr const char* k_newest_ids =
    "SELECT m.id FROM message_index m ORDER BY m.received_ms DESC, m.id DESC LIMIT ? OFFSET ?";
constexpr const char* k_search =
    "SELECT m.uid FROM messages_fts f JOIN messages m ON m.id = f.rowid WHERE messages_fts MATCH ? "
    "ORDER BY m.received_ms DESC, m.id DESC LIMIT ?";
// Only the list columns, all stored before the big ones (bodies, headers) in the row.
constexpr const char* k_summary =
    "SELECT m.uid, m.message_id, i.is_read, m.from_name, m.from_addr, m.to_json, m.cc_json, m.bcc_json, "
    "m.reply_to_json, m.subject, m.received_ms, m.auth_user, m.size, m.attachments, m.snippet, "
    "m.rcpt_to_json "
    "FROM messages m JOIN message_index i ON i.id = m.id WHERE m.id = ?";
constexpr const char* k_uid_of = "SELECT uid FROM messages WHERE id = ?";
constexpr const char* k_all_tags =
    "SELECT t.name FROM tags t WHERE EXISTS (SELECT 1 FROM message_tags mt WHERE mt.tag = t.id) ORDER BY "
    "t.name";
constexpr const char* k_tag_counts =
    "SELECT t.name, count(*) FROM tags t JOIN message_tags mt ON mt.tag = t.id GROUP BY t.id ORDER BY t.name";

mime::part_role role_from(const std::string& s) {
  if (s == "body") return mime::part_role::body;
  if (s == "inline") return mime::part_role::inline_part;
  return mime::part_role::attachment;
}

std::uint64_t to_u64(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

std::int64_t clamp_i64(std::size_t v) {
  return v > static_cast<std::size_t>(INT64_MAX) ? INT64_MAX : static_cast<std::int64_t>(v);
}

}  // namespace

message_reader::snapshot::snapshot(message_reader& r) : r_(r) {
  ok_ = run_cached(r_.cache_, r_.db(), k_begin).ok();
}

message_reader::snapshot::~snapshot() {
  if (ok_) (void)run_cached(r_.cache_, r_.db(), k_end);
}

result<std::unique_ptr<message_reader>> message_reader::open(const std::string& path, int busy_timeout_ms) {
  auto db = open_connection(path, true, busy_timeout_ms);
  if (!db) return error{db.error_message()};
  // Map the database file: page reads of searches and lists become memory reads of the OS's
  // page cache instead of a copy per page (WAL pages are still read normally).
  if (auto st = exec(db->get(), k_reader_pragmas); !st) return error{st.error_message()};
  return std::unique_ptr<message_reader>(new message_reader(std::move(*db)));
}

std::optional<stored_message> message_reader::get(std::string_view uid) {
  statement* m = cache_.get(k_get_message);
  statement* parts = cache_.get(k_get_parts);
  statement* tags = cache_.get(k_get_tags);
  if (m == nullptr || parts == nullptr || tags == nullptr) return std::nullopt;
  snapshot snap(*this);
  if (!snap.ok()) return std::nullopt;

  stored_message out;
  {
    reset_guard guard(*m);
    m->bind(1, uid);
    if (m->step() != SQLITE_ROW) return std::nullopt;
    int c = 0;
    auto text = [&] { return m->column_text(c++); };
    auto num = [&] { return m->column_int(c++); };
    auto& p = out.parsed;
    out.row_id = num();
    out.uid = text();
    out.env.received_ms = num();
    out.size = to_u64(num());
    out.read = num() != 0;
    out.attachment_count = to_u64(num());
    out.inline_count = to_u64(num());
    p.message_id = text();
    p.subject = text();
    if (!m->column_is_null(c)) p.date_ms = m->column_int(c);
    ++c;
    std::string from_name = text();
    if (!m->column_is_null(c)) p.from = address{std::move(from_name), m->column_text(c)};
    ++c;
    p.to = addresses_from_json(text());
    p.cc = addresses_from_json(text());
    p.bcc = addresses_from_json(text());
    p.reply_to = addresses_from_json(text());
    p.return_path = text();
    p.snippet = text();
    out.env.mail_from = text();
    out.env.rcpt_to = strings_from_json(text());
    out.env.client_addr = text();
    out.env.helo = text();
    out.env.tls = text();
    out.env.auth_user = text();
    out.env.smtputf8 = num() != 0;
    out.env.body_type = text();
    p.warnings = strings_from_json(text());
    p.headers = headers_from_json(text());
    p.text = text();
    p.html = text();
    p.html_as_text = text();
  }
  {
    reset_guard guard(*parts);
    parts->bind(1, out.row_id);
    while (parts->step() == SQLITE_ROW) {
      mime::part p;
      int c = 0;
      auto text = [&] { return parts->column_text(c++); };
      auto num = [&] { return parts->column_int(c++); };
      p.part_id = text();
      p.role = role_from(text());
      p.content_type = text();
      p.charset = text();
      p.disposition = text();
      p.file_name = text();
      p.content_id = text();
      p.transfer_encoding = text();
      p.in_raw = num() != 0;
      p.raw_offset = to_u64(num());
      p.raw_length = to_u64(num());
      p.size = to_u64(num());
      p.md5 = text();
      p.sha1 = text();
      p.sha256 = text();
      out.parsed.parts.push_back(std::move(p));
    }
  }
  {
    reset_guard guard(*tags);
    tags->bind(1, out.row_id);
    while (tags->step() == SQLITE_ROW) out.parsed.tags.push_back(tags->column_text(0));
  }
  return out;
}

std::optional<std::string> message_reader::read_blob(std::int64_t row_id, std::uint64_t offset,
                                                     std::optional<std::uint64_t> length) {
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db(), "main", "raw", "data", row_id, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return std::nullopt;
  }
  const auto total = static_cast<std::uint64_t>(sqlite3_blob_bytes(blob));
  const std::uint64_t n = length.value_or(total >= offset ? total - offset : 0);
  std::optional<std::string> out;
  if (offset <= total && n <= total - offset) {
    std::string bytes(n, '\0');
    if (n == 0 ||
        sqlite3_blob_read(blob, bytes.data(), static_cast<int>(n), static_cast<int>(offset)) == SQLITE_OK) {
      out = std::move(bytes);
    }
  }
  sqlite3_blob_close(blob);
  return out;
}

std::optional<std::string> message_reader::raw(std::string_view uid) {
  statement* s = cache_.get(k_raw_id);
  if (s == nullptr) return std::nullopt;
  snapshot snap(*this);
  if (!snap.ok()) return std::nullopt;
  std::int64_t row_id = 0;
  {
    reset_guard guard(*s);
    s->bind(1, uid);
    if (s->step() != SQLITE_ROW) return std::nullopt;
    row_id = s->column_int(0);
  }
  return read_blob(row_id, 0, std::nullopt);
}

std::optional<std::string> message_reader::part_content(std::string_view uid, std::string_view part_id) {
  statement* s = cache_.get(k_get_part);
  if (s == nullptr) return std::nullopt;
  snapshot snap(*this);
  if (!snap.ok()) return std::nullopt;
  reset_guard guard(*s);
  s->bind(1, uid);
  s->bind(2, part_id);
  if (s->step() != SQLITE_ROW) return std::nullopt;
  if (s->column_int(1) == 0) return s->column_text(5);
  mime::transfer_decoder decoder(s->column_text(4));
  if (decoder.is_identity())
    return read_blob(s->column_int(0), to_u64(s->column_int(2)), to_u64(s->column_int(3)));
  return decode_blob(s->column_int(0), to_u64(s->column_int(2)), to_u64(s->column_int(3)), decoder);
}

// Reads the encoded range in the parser's chunks straight into the decoder: a 25 MB attachment costs its
// decoded size in memory, not also a copy of its encoded form.
std::optional<std::string> message_reader::decode_blob(std::int64_t row_id, std::uint64_t offset,
                                                       std::uint64_t length,
                                                       mime::transfer_decoder& decoder) {
  constexpr std::uint64_t chunk = mime::decode_chunk_bytes;  // the parser's boundaries
  sqlite3_blob* blob = nullptr;
  if (sqlite3_blob_open(db(), "main", "raw", "data", row_id, 0, &blob) != SQLITE_OK) {
    sqlite3_blob_close(blob);
    return std::nullopt;
  }
  const auto total = static_cast<std::uint64_t>(sqlite3_blob_bytes(blob));
  std::optional<std::string> out;
  if (offset <= total && length <= total - offset) {
    std::string decoded;
    decoded.reserve(length / 4 * 3 + 3);  // base64's size; quoted-printable only shrinks too
    std::string buf(static_cast<std::size_t>(std::min(chunk, length)), '\0');
    bool ok = true;
    for (std::uint64_t at = 0; at < length && ok; at += chunk) {
      const auto n = static_cast<std::size_t>(std::min(chunk, length - at));
      ok = sqlite3_blob_read(blob, buf.data(), static_cast<int>(n), static_cast<int>(offset + at)) ==
           SQLITE_OK;
      if (ok) decoder.feed(std::string_view(buf.data(), n), decoded);
    }
    if (ok) {
      decoder.finish(decoded);
      out = std::move(decoded);
    }
  }
  sqlite3_blob_close(blob);
  return out;
}

std::uint64_t message_reader::count() { return count_of(k_count); }

std::uint64_t message_reader::unread_count() { return count_of(k_unread); }

std::uint64_t message_reader::count_of(const char* sql) {
  statement* s = cache_.get(sql);
  if (s == nullptr) return 0;
  reset_guard guard(*s);
  return s->step() == SQLITE_ROW ? to_u64(s->column_int(0)) : 0;
}

std::vector<std::string> message_reader::newest_uids(std::size_t limit, std::size_t offset) {
  std::vector<std::string> out;
  statement* s = cache_.get(k_newest);
  if (s == nullptr) return out;
  reset_guard guard(*s);
  s->bind(1, clamp_i64(limit));
  s->bind(2, clamp_i64(offset));
  while (s->step() == SQLITE_ROW) out.push_back(s->column_text(0));
  return out;
}

std::vector<std::string> message_reader::search_uids(std::string_view fts5_query, std::size_t limit) {
  std::vector<std::string> out;
  statement* s = cache_.get(k_search);
  if (s == nullptr) return out;
  reset_guard guard(*s);
  s->bind(1, fts5_query);
  s->bind(2, clamp_i64(limit));
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(s->column_text(0));
  if (rc != SQLITE_DONE) out.clear();  // e.g. an FTS5 syntax error: no partial answers
  return out;
}

result<message_reader::totals> message_reader::mailbox_totals() {
  statement* s = cache_.get(k_totals);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  if (s->step() != SQLITE_ROW) return error{db_error(db(), "mailbox counts")};
  return totals{to_u64(s->column_int(0)), to_u64(s->column_int(1))};
}

result<std::vector<std::int64_t>> message_reader::page_ids(const sql_filter& f, std::size_t start,
                                                           std::size_t limit) {
  std::vector<std::int64_t> ids;
  auto collect = [&](statement& s, int after) -> status {
    s.bind(after + 1, clamp_i64(limit));
    s.bind(after + 2, clamp_i64(start));
    int rc;
    while ((rc = s.step()) == SQLITE_ROW) ids.push_back(s.column_int(0));
    if (rc != SQLITE_DONE) return error{db_error(db(), "listing messages")};
    return ok_status();
  };
  if (f.where.empty()) {
    statement* s = cache_.get(k_newest_ids);
    if (s == nullptr) return error{cache_.last_error()};
    reset_guard guard(*s);
    if (auto st = collect(*s, 0); !st) return error{st.error_message()};
    return ids;
  }
  statement s(db(), page_query(f), false);
  if (!s.valid()) return error{"search: " + s.error()};
  if (auto st = collect(s, bind_filter(s, f)); !st) return error{st.error_message()};
  return ids;
}

std::optional<message_summary> message_reader::summary(std::int64_t id) {
  statement* m = cache_.get(k_summary);
  statement* tags = cache_.get(k_get_tags);
  if (m == nullptr || tags == nullptr) return std::nullopt;
  message_summary out;
  {
    reset_guard guard(*m);
    m->bind(1, id);
    if (m->step() != SQLITE_ROW) return std::nullopt;
    int c = 0;
    auto text = [&] { return m->column_text(c++); };
    auto num = [&] { return m->column_int(c++); };
    out.uid = text();
    out.message_id = text();
    out.read = num() != 0;
    std::string from_name = text();
    if (!m->column_is_null(c)) out.from = address{std::move(from_name), m->column_text(c)};
    ++c;
    mime::parsed_message p;  // just the address lists, for effective_bcc
    p.to = addresses_from_json(text());
    p.cc = addresses_from_json(text());
    p.bcc = addresses_from_json(text());
    out.reply_to = addresses_from_json(text());
    out.subject = text();
    out.received_ms = num();
    out.auth_user = text();
    out.size = to_u64(num());
    out.attachments = to_u64(num());
    out.snippet = text();
    out.bcc = effective_bcc(p, strings_from_json(text()));
    out.to = std::move(p.to);
    out.cc = std::move(p.cc);
  }
  reset_guard guard(*tags);
  tags->bind(1, id);
  while (tags->step() == SQLITE_ROW) out.tags.push_back(tags->column_text(0));
  return out;
}

result<std::optional<std::string>> message_reader::latest_uid(const sql_filter& f) {
  snapshot snap(*this);
  if (!snap.ok()) return error{db_error(db(), "read transaction")};
  auto ids = page_ids(f, 0, 1);
  if (!ids) return error{ids.error_message()};
  if (ids->empty()) return std::optional<std::string>();
  statement* s = cache_.get(k_uid_of);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  s->bind(1, ids->front());
  if (s->step() != SQLITE_ROW) return std::optional<std::string>();
  return std::optional<std::string>(s->column_text(0));
}

std::vector<std::string> message_reader::tags() {
  std::vector<std::string> out;
  statement* s = cache_.get(k_all_tags);
  if (s == nullptr) return out;
  reset_guard guard(*s);
  while (s->step() == SQLITE_ROW) out.push_back(s->column_text(0));
  return out;
}

result<mailbox_stats> message_reader::stats() {
  snapshot snap(*this);
  if (!snap.ok()) return error{db_error(db(), "read transaction")};
  auto mailbox = mailbox_totals();
  if (!mailbox) return error{mailbox.error_message()};
  mailbox_stats out;
  out.messages = mailbox->messages;
  out.unread = mailbox->unread;
  statement* s = cache_.get(k_tag_counts);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.tags[s->column_text(0)] = to_u64(s->column_int(1));
  if (rc != SQLITE_DONE) return error{db_error(db(), "tag counts")};
  return out;
}

reader_pool::lease reader_pool::acquire() {
  {
    std::lock_guard lock(mu_);
    if (!idle_.empty()) {
      auto r = std::move(idle_.back());
      idle_.pop_back();
      return lease(this, std::move(r));
    }
  }
  auto r = message_reader::open(path_, busy_timeout_ms_);
  return lease(this, r ? std::move(*r) : nullptr);
}

status reader_pool::warm_up() {
  auto r = message_reader::open(path_, busy_timeout_ms_);
  if (!r) return error{r.error_message()};
  put_back(std::move(*r));
  return ok_status();
}

void reader_pool::put_back(std::unique_ptr<message_reader> r) {
  std::lock_guard lock(mu_);
  idle_.push_back(std::move(r));
}

}  // namespace mailjar::store
