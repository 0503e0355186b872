// libFuzzer target search_query: the input is a search string (Mailpit syntax) put through
// search::parse and store::translate, and the SQL it becomes (page, count and rows statements)
// prepared and run on a real store (sample_store: the real schema, five sample messages), then
// the same search through sqlite_store::list, which picks its own fast paths.
//
// Invariants (each aborts with an explanation):
//  - parse never crashes; a search that does not parse is also refused by the store;
//  - when it parses, every statement prepares, takes exactly the binds translate() made (plus
//    LIMIT/OFFSET for a page) and runs to SQLITE_DONE without an error (FTS5 syntax included);
//  - the statements agree: count(*) == the rows listed == the ids of one big page, in order;
//  - the store's list() agrees with them (matched count and the uids, newest first), and a
//    contradiction (is:read is:unread) matches nothing.
#include <sqlite3.h>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "sample_store.hpp"
#include "search/parser.hpp"
#include "store/search_sql.hpp"
#include "store/sqlite_db.hpp"

using namespace mailjar;
using mailjar::fuzz::printable;

namespace {

struct fixture {
  fuzz::sample_store samples;
  store::db_ptr reader;
  fixture() {
    auto r = store::open_connection(samples.db_path(), true, 5000);
    if (!r.ok()) std::abort();
    reader = std::move(*r);
  }
};

fixture& the_fixture() {
  static fixture* f = new fixture();  // never destroyed: libFuzzer exits without unwinding
  return *f;
}

struct ran {
  std::vector<std::vector<std::int64_t>> rows;  // integer columns of each row
  std::vector<std::string> texts;               // second column as text (rows_query: uid)
};

ran run(sqlite3* db, const std::string& sql, const store::sql_filter& f, int extra_binds,
        std::string_view search) {
  store::statement s(db, sql, false);
  FUZZ_CHECK(s.valid(), "generated SQL does not prepare", printable(search), sql, s.error());
  const int params = sqlite3_bind_parameter_count(s.get());
  FUZZ_CHECK(params == static_cast<int>(f.binds.size()) + extra_binds, "bind count differs from the SQL",
             printable(search), sql);
  int i = store::bind_filter(s, f);
  if (extra_binds == 2) {
    s.bind(++i, std::int64_t{1000});  // LIMIT
    s.bind(++i, std::int64_t{0});     // OFFSET
  }
  ran out;
  int rc = 0;
  while ((rc = s.step()) == SQLITE_ROW) {
    std::vector<std::int64_t> row;
    for (int c = 0; c < sqlite3_column_count(s.get()); ++c) row.push_back(s.column_int(c));
    out.rows.push_back(std::move(row));
    if (sqlite3_column_count(s.get()) > 1) out.texts.push_back(s.column_text(1));
  }
  FUZZ_CHECK(rc == SQLITE_DONE, "generated SQL fails when run", printable(search), sql, sqlite3_errmsg(db));
  s.reset();
  return out;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fixture& fx = the_fixture();
  const std::string search(reinterpret_cast<const char*>(data), size);
  const auto q = search::parse(search);

  page_request req;
  req.search = search;
  req.limit = 1000;
  const auto listed = fx.samples.store().list(req);
  if (!q.ok()) {
    FUZZ_CHECK(!q.error_message().empty(), "parse error without a message", printable(search));
    FUZZ_CHECK(!listed.ok(), "the store accepted a search the parser refuses", printable(search));
    return 0;
  }
  (void)search::to_string(*q);
  FUZZ_CHECK(listed.ok(), "the store refused a search that parses", printable(search),
             listed.error_message());

  const store::sql_filter f = store::translate(*q);
  const ran page = run(fx.reader.get(), store::page_query(f), f, 2, search);
  const ran count = run(fx.reader.get(), store::count_query(f), f, 0, search);
  const ran rows = run(fx.reader.get(), store::rows_query(f), f, 0, search);
  FUZZ_CHECK(count.rows.size() == 1 && count.rows[0].size() == 2, "count query shape");
  const auto matched = static_cast<std::size_t>(count.rows[0][0]);
  FUZZ_CHECK(matched == rows.rows.size() && matched == page.rows.size(), "count, rows and page disagree",
             printable(search),
             std::to_string(matched) + " / " + std::to_string(rows.rows.size()) + " / " +
                 std::to_string(page.rows.size()));
  for (std::size_t i = 0; i < matched; ++i)
    FUZZ_CHECK(rows.rows[i][0] == page.rows[i][0], "rows and page order differ", printable(search));
  if (f.read_flag_only == -2) FUZZ_CHECK(matched == 0, "a contradiction matched messages", printable(search));

  FUZZ_CHECK(listed->matched == matched, "store list() and the SQL disagree on the count", printable(search),
             std::to_string(listed->matched) + " vs " + std::to_string(matched));
  FUZZ_CHECK(listed->messages.size() == matched, "store list() returned another number of messages",
             printable(search));
  for (std::size_t i = 0; i < matched; ++i)
    FUZZ_CHECK(listed->messages[i].uid == rows.texts[i], "store list() order differs", printable(search));
  return 0;
}
