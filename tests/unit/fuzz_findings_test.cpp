// Regression tests for what the fuzz targets (tests/fuzz) found in product code, one case per
// finding, each against the real component that failed.
#include <catch2/catch.hpp>

#include <string>

#include "search/tags.hpp"
#include "store/search_sql.hpp"
#include "store/sqlite_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;

// search_query fuzz target: "is:t2\0agged" parsed (an unknown is: value is plain text) but the
// store refused it, "full-text search: unterminated string": FTS5 read the MATCH text only up
// to the NUL.
TEST_CASE("fuzz finding: a NUL byte in a search word is a word break, not an FTS5 error", "[store][fuzz]") {
  test::temp_dir dir;
  auto opened = store::sqlite_store::open({.path = dir.file("mail.db")});
  REQUIRE(opened.ok());
  auto& box = **opened;
  REQUIRE(test::store_sync(box, test::make_mail({.subject = "greeting", .text = "hello world"})).ok);

  CHECK(store::fts_phrase(std::string("a\0b", 3)).find('\0') == std::string::npos);

  page_request req;
  req.search = std::string("is:t2\0agged", 11);
  auto none = box.list(req);
  REQUIRE(none.ok());
  CHECK(none->matched == 0);

  req.search = std::string("hello\0world", 11);
  auto found = box.list(req);
  REQUIRE(found.ok());
  CHECK(found->matched == 1);

  req.search = std::string("-hel\0lo", 7);
  auto excluded = box.list(req);
  REQUIRE(excluded.ok());
  CHECK(excluded->matched == 1);  // the phrase "hel lo"* matches nothing, so nothing is excluded
}

// mime_ingest fuzz target: an X-Tags value of 99 tag characters, a space and more made a
// 101-byte tag; tags are cut to max_tag_bytes.
TEST_CASE("fuzz finding: a cleaned tag never exceeds max_tag_bytes", "[search][fuzz]") {
  const std::string long_word(search::max_tag_bytes - 1, 'a');
  const std::string cut = search::clean_tag(long_word + " bcd");
  CHECK(cut.size() <= search::max_tag_bytes);
  CHECK(cut == long_word);  // no trailing space either
  CHECK(search::clean_tag(std::string(search::max_tag_bytes - 2, 'a') + " b").size() ==
        search::max_tag_bytes);
  CHECK(search::clean_tag(std::string(300, 'x')).size() == search::max_tag_bytes);
  for (std::size_t n = 90; n < 110; ++n) {
    const auto t = search::clean_tag(std::string(n, 'a') + " " + std::string(n, 'b'));
    CHECK(t.size() <= search::max_tag_bytes);
    CHECK(t.back() != ' ');
  }
}
