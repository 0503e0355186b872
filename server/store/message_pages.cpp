// message_reader::page: one page of a search with exact counts, choosing per search the cheapest
// way to get there (numbers in tests/bench/api_bench.md):
//   - no search: counts from mailbox_counts, the page from the received-time index;
//   - is:read / is:unread alone: counts from mailbox_counts, the page from the index;
//   - words only (or only excluded words): the full-text index's rowid set gives the match count;
//     the unread count is the set minus (or intersected with) the smaller of the read/unread id
//     sets, merged in C++; the page walks the received-time index testing membership, or probes
//     and sorts when matches are sparse;
//   - anything else: one pass collecting the matches with their order keys (counts and the page
//     from the same rows) — or, when a search without words matches very many messages, a count
//     and a page walk in SQL.
#include <algorithm>
#include <climits>

#include "store/message_reader.hpp"

namespace mailjar::store {

namespace {

constexpr const char* k_fts_ids = "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?";
constexpr const char* k_read_ids =
    "SELECT id FROM message_index INDEXED BY message_index_read WHERE is_read = 1";
constexpr const char* k_unread_ids =
    "SELECT id FROM message_index INDEXED BY message_index_unread WHERE is_read = 0";
constexpr const char* k_walk = "SELECT id FROM message_index ORDER BY received_ms DESC, id DESC";
constexpr const char* k_received_of = "SELECT received_ms FROM message_index WHERE id = ?";

// Beyond this many matches a search without words is counted and paged in SQL instead of
// collected row by row.
constexpr std::size_t k_collect_cap = 20'000;

std::string collect_query(const sql_filter& f) {
  return "SELECT m.id, m.received_ms, m.is_read FROM message_index m WHERE " + f.where;
}

std::uint64_t to_u64(std::int64_t v) { return v < 0 ? 0 : static_cast<std::uint64_t>(v); }

// Newest first: received time, then id, both descending.
bool newer(const message_reader::match_row& a, const message_reader::match_row& b) {
  return a.received_ms != b.received_ms ? a.received_ms > b.received_ms : a.id > b.id;
}

std::size_t count_common(const std::vector<std::int64_t>& a, const std::vector<std::int64_t>& b) {
  std::size_t n = 0;
  auto i = a.begin(), j = b.begin();
  while (i != a.end() && j != b.end()) {
    if (*i < *j) {
      ++i;
    } else if (*j < *i) {
      ++j;
    } else {
      ++n;
      ++i;
      ++j;
    }
  }
  return n;
}

}  // namespace

result<std::vector<std::int64_t>> message_reader::fts_ids(const std::string& match) {
  std::vector<std::int64_t> out;
  statement* s = cache_.get(k_fts_ids);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  s->bind(1, std::string_view(match));
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(s->column_int(0));
  if (rc != SQLITE_DONE) return error{db_error(db(), "full-text search")};
  if (!std::is_sorted(out.begin(), out.end())) std::sort(out.begin(), out.end());
  return out;
}

result<std::vector<std::int64_t>> message_reader::flag_ids(bool read) {
  std::vector<std::int64_t> out;
  statement* s = cache_.get(read ? k_read_ids : k_unread_ids);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  int rc;
  while ((rc = s->step()) == SQLITE_ROW) out.push_back(s->column_int(0));
  if (rc != SQLITE_DONE) return error{db_error(db(), "read flags")};
  std::sort(out.begin(), out.end());
  return out;
}

result<std::optional<std::vector<message_reader::match_row>>> message_reader::collect(const sql_filter& f,
                                                                                      std::size_t cap) {
  std::vector<match_row> rows;
  statement s(db(), collect_query(f), false);
  if (!s.valid()) return error{"search: " + s.error()};
  bind_filter(s, f);
  int rc;
  while ((rc = s.step()) == SQLITE_ROW) {
    if (rows.size() == cap) return std::optional<std::vector<match_row>>();
    rows.push_back({s.column_int(0), s.column_int(1), s.column_int(2) != 0});
  }
  if (rc != SQLITE_DONE) return error{db_error(db(), "search")};
  return std::optional<std::vector<match_row>>(std::move(rows));
}

result<std::vector<std::int64_t>> message_reader::order_ids(const std::vector<std::int64_t>& ids,
                                                            std::size_t start, std::size_t limit,
                                                            std::uint64_t mailbox_size) {
  std::vector<std::int64_t> out;
  if (start >= ids.size() || limit == 0) return out;
  const std::size_t need = std::min(ids.size(), start + std::min(limit, ids.size()));
  // Walking the index visits about need * mailbox / matches entries (~0.1 us each); probing
  // costs a lookup per match (~1 us). Walk unless the matches are sparse.
  const double walk =
      static_cast<double>(need) * static_cast<double>(mailbox_size) / static_cast<double>(ids.size());
  if (walk <= 8.0 * static_cast<double>(ids.size())) {
    statement* s = cache_.get(k_walk);
    if (s == nullptr) return error{cache_.last_error()};
    reset_guard guard(*s);
    std::size_t seen = 0;
    int rc = SQLITE_ROW;
    while (out.size() < limit && (rc = s->step()) == SQLITE_ROW) {
      const std::int64_t id = s->column_int(0);
      if (!std::binary_search(ids.begin(), ids.end(), id)) continue;
      if (seen++ >= start) out.push_back(id);
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error{db_error(db(), "listing messages")};
    return out;
  }
  statement* s = cache_.get(k_received_of);
  if (s == nullptr) return error{cache_.last_error()};
  std::vector<match_row> rows;
  rows.reserve(ids.size());
  for (auto id : ids) {
    reset_guard guard(*s);
    s->bind(1, id);
    if (s->step() == SQLITE_ROW) rows.push_back({id, s->column_int(0), false});
  }
  const std::size_t top = std::min(rows.size(), need);
  std::partial_sort(rows.begin(), rows.begin() + static_cast<std::ptrdiff_t>(top), rows.end(), newer);
  for (std::size_t i = start; i < top; ++i) out.push_back(rows[i].id);
  return out;
}

result<std::uint64_t> message_reader::unread_among(const std::vector<std::int64_t>& ids,
                                                   const totals& mailbox) {
  const std::uint64_t read_total = mailbox.messages - std::min(mailbox.messages, mailbox.unread);
  if (ids.empty() || mailbox.unread == 0) return std::uint64_t{0};
  if (read_total == 0) return static_cast<std::uint64_t>(ids.size());
  // Intersect with the smaller of the two flag sets (usually the read one).
  const bool read_is_smaller = read_total <= mailbox.unread;
  auto flagged = flag_ids(read_is_smaller);
  if (!flagged) return error{flagged.error_message()};
  const std::size_t common = count_common(ids, *flagged);
  return static_cast<std::uint64_t>(read_is_smaller ? ids.size() - common : common);
}

result<std::vector<std::int64_t>> message_reader::walk_excluding(const std::vector<std::int64_t>& excluded,
                                                                 std::size_t start, std::size_t limit) {
  std::vector<std::int64_t> out;
  statement* s = cache_.get(k_walk);
  if (s == nullptr) return error{cache_.last_error()};
  reset_guard guard(*s);
  std::size_t seen = 0;
  int rc = SQLITE_ROW;
  while (out.size() < limit && (rc = s->step()) == SQLITE_ROW) {
    const std::int64_t id = s->column_int(0);
    if (std::binary_search(excluded.begin(), excluded.end(), id)) continue;
    if (seen++ >= start) out.push_back(id);
  }
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return error{db_error(db(), "listing messages")};
  return out;
}

std::string message_reader::describe(const sql_filter& f) {
  std::vector<std::string> statements;
  std::string strategy;
  if (f.where.empty()) {
    strategy = "no search: counts from mailbox_counts, page from the index";
    statements = {page_query(f)};
  } else if (f.read_flag_only != -1) {
    strategy = "read flag only: counts from mailbox_counts, page from the index";
    statements = {page_query(f)};
  } else if (f.fts_only || f.fts_excluded_only) {
    strategy = std::string(f.fts_only ? "words only" : "excluded words only") +
               ": full-text rowid set, read/unread id sets merged in memory, page by index walk or probe";
    statements = {k_fts_ids, k_read_ids, k_unread_ids, k_walk, k_received_of};
  } else {
    strategy = "one pass collecting matches (count and page from the same rows)";
    statements = {collect_query(f)};
    if (!f.fts_positive) {
      strategy += "; beyond " + std::to_string(k_collect_cap) + " matches: SQL count and index walk";
      statements.push_back(count_query(f));
      statements.push_back(page_query(f));
    }
  }
  std::string out = strategy + "\n";
  for (const auto& sql : statements) {
    out += "  " + sql + "\n";
    statement s(db(), "EXPLAIN QUERY PLAN " + sql, false);
    if (!s.valid()) {
      out += "    (cannot explain: " + s.error() + ")\n";
      continue;
    }
    while (s.step() == SQLITE_ROW) out += "    " + s.column_text(3) + "\n";
  }
  return out;
}

result<message_page> message_reader::page(const sql_filter& f, std::size_t start, std::size_t limit) {
  snapshot snap(*this);
  if (!snap.ok()) return error{db_error(db(), "read transaction")};
  auto mailbox = mailbox_totals();
  if (!mailbox) return error{mailbox.error_message()};
  message_page out;
  out.total = mailbox->messages;
  out.unread = mailbox->unread;
  std::vector<std::int64_t> ids;

  if (f.where.empty()) {
    out.matched = out.total;
    out.matched_unread = out.unread;
    if (start < out.matched && limit != 0) {
      auto page = page_ids(f, start, limit);
      if (!page) return error{page.error_message()};
      ids = std::move(*page);
    }
  } else if (f.read_flag_only != -1) {
    // is:read / is:unread alone: the counts are the mailbox's.
    const std::uint64_t read_total = mailbox->messages - std::min(mailbox->messages, mailbox->unread);
    out.matched = f.read_flag_only == 1 ? read_total : f.read_flag_only == 0 ? mailbox->unread : 0;
    out.matched_unread = f.read_flag_only == 0 ? out.matched : 0;
    if (start < out.matched && limit != 0) {
      auto page = page_ids(f, start, limit);
      if (!page) return error{page.error_message()};
      ids = std::move(*page);
    }
  } else if (f.fts_only || f.fts_excluded_only) {
    // Words only: set algebra on the full-text rowid set and the read/unread id sets.
    auto words = fts_ids(f.fts_match);
    if (!words) return error{words.error_message()};
    auto unread_words = unread_among(*words, *mailbox);
    if (!unread_words) return error{unread_words.error_message()};
    if (f.fts_only) {
      out.matched = words->size();
      out.matched_unread = *unread_words;
    } else {
      out.matched = mailbox->messages - std::min<std::uint64_t>(mailbox->messages, words->size());
      out.matched_unread = mailbox->unread - std::min(mailbox->unread, *unread_words);
    }
    auto page = f.fts_only ? order_ids(*words, start, limit, mailbox->messages)
                           : walk_excluding(*words, start, limit);
    if (!page) return error{page.error_message()};
    ids = std::move(*page);
  } else {
    auto rows = collect(f, f.fts_positive ? SIZE_MAX : k_collect_cap);  // words bound the matches
    if (!rows) return error{rows.error_message()};
    if (*rows) {
      auto& r = **rows;
      out.matched = r.size();
      out.matched_unread = static_cast<std::uint64_t>(
          std::count_if(r.begin(), r.end(), [](const match_row& m) { return !m.read; }));
      const std::size_t top = std::min(r.size(), start + std::min(limit, r.size()));
      if (start < top) {
        std::partial_sort(r.begin(), r.begin() + static_cast<std::ptrdiff_t>(top), r.end(), newer);
        for (std::size_t i = start; i < top; ++i) ids.push_back(r[i].id);
      }
    } else {
      statement s(db(), count_query(f), false);
      if (!s.valid()) return error{"search: " + s.error()};
      bind_filter(s, f);
      if (s.step() != SQLITE_ROW) return error{db_error(db(), "search")};
      out.matched = to_u64(s.column_int(0));
      out.matched_unread = to_u64(s.column_int(1));
      if (start < out.matched && limit != 0) {
        auto page = page_ids(f, start, limit);
        if (!page) return error{page.error_message()};
        ids = std::move(*page);
      }
    }
  }

  out.messages.reserve(ids.size());
  for (auto id : ids) {
    if (auto s = summary(id)) out.messages.push_back(std::move(*s));
  }
  return out;
}

}  // namespace mailjar::store
