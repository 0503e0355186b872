// Translation of a parsed search (search/query.hpp) into SQL over the store's schema: one
// boolean expression on `m` (a message_index row) with its bound values, plus what the reader
// needs to pick a fast way to count. Bare words and phrases go to the FTS5 index as prefix
// phrases ("word"* — a partial word matches at word starts, a whole word always matches),
// combined into one MATCH; field filters compare folded message_index columns (substring, as
// Mailpit's LIKE '%v%'); negation is NOT / NOT IN / NOT EXISTS. Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "search/query.hpp"
#include "store/sqlite_db.hpp"

namespace mailjar::store {

using sql_value = std::variant<std::int64_t, std::string>;

struct sql_filter {
  std::string where;               // "" when every message matches; else SQL over alias `m`
  std::vector<sql_value> binds;    // for the `?` in `where`, in order
  std::string fts_match;           // the MATCH expression used in `where` ("" when none)
  bool fts_positive = false;       // `where` restricts to "m.id IN (MATCH fts_match)"
  bool fts_only = false;           // `where` is exactly that and nothing else
  bool fts_excluded_only = false;  // `where` is exactly "m.id NOT IN (MATCH fts_match)"
  // When `where` is only read-flag terms: the flag every match has (0 or 1); else -1. A
  // contradiction (is:read is:unread) is -2.
  int read_flag_only = -1;
};

// The FTS5 query string for one text term: its words as one phrase, prefix-matched.
std::string fts_phrase(const std::string& words);

sql_filter translate(const search::query& q);

// The statements run for a filter (also what tests EXPLAIN), over `message_index m`:
//   page_query:  ids of one page, newest first; binds: f.binds, then LIMIT, OFFSET.
//   count_query: count(*), unread count; binds: f.binds.
//   rows_query:  id and uid of every match, newest first, `extra` ANDed (writer side).
std::string page_query(const sql_filter& f);
std::string count_query(const sql_filter& f);
std::string rows_query(const sql_filter& f, const std::string& extra = {});

// Binds `f.binds` to `s` from parameter `after + 1` on; returns the last index used.
int bind_filter(statement& s, const sql_filter& f, int after = 0);

}  // namespace mailjar::store
