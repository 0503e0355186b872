// Regression tests for what the fuzz targets (tests/fuzz) found in product code, one case per
// finding, each against the real component that failed.
#include <catch2/catch.hpp>

#include <string>

#include "mime/parser.hpp"
#include "mime/transfer_decoder.hpp"
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

// mime_ingest fuzz target: GMime's uudecode filter read the CR of a CRLF line as the next
// line's length octet when a chunk ended after it, so a uuencoded attachment with CRLF lines
// (all SMTP mail) lost its tail when a 64 KiB decode chunk ended at a line end.
TEST_CASE("fuzz finding: CRLF uuencode decodes the same however it is chunked", "[mime][fuzz]") {
  std::string original;
  for (int i = 0; i < 3000; ++i) original.push_back(static_cast<char>((i * 37 + i / 7) & 0xff));
  auto uu_char = [](unsigned v) { return static_cast<char>(v == 0 ? '`' : v + 32); };
  std::string encoded = "begin 644 data.bin\r\n";
  for (std::size_t at = 0; at < original.size(); at += 45) {
    const std::string line = original.substr(at, 45);
    encoded.push_back(uu_char(static_cast<unsigned>(line.size())));
    for (std::size_t k = 0; k < line.size(); k += 3) {
      unsigned char b[3] = {0, 0, 0};
      for (std::size_t j = 0; j < 3 && k + j < line.size(); ++j)
        b[j] = static_cast<unsigned char>(line[k + j]);
      encoded.push_back(uu_char(b[0] >> 2));
      encoded.push_back(uu_char(((b[0] & 3) << 4) | (b[1] >> 4)));
      encoded.push_back(uu_char(((b[1] & 15) << 2) | (b[2] >> 6)));
      encoded.push_back(uu_char(b[2] & 63));
    }
    encoded += "\r\n";
  }
  encoded += "`\r\nend\r\n";

  CHECK(mime::decode_content(encoded, "x-uuencode") == original);
  for (std::size_t step : {1u, 2u, 61u, 62u, 63u, 64u, 100u, 4096u}) {
    mime::transfer_decoder d("x-uuencode");
    std::string out;
    for (std::size_t at = 0; at < encoded.size(); at += step)
      d.feed(std::string_view(encoded).substr(at, step), out);
    d.finish(out);
    INFO("chunks of " << step);
    CHECK(out == original);
  }
}
