// The SQL a search becomes: one MATCH for all words (prefix phrases, negatives folded in), the
// fast-path flags the reader relies on, and the header: matcher over stored header JSON.
#include <catch2/catch.hpp>

#include "search/parser.hpp"
#include "store/json_columns.hpp"
#include "store/search_sql.hpp"
#include "store/sql_functions.hpp"

using namespace mailjar;
using namespace mailjar::store;

namespace {

sql_filter filter(const std::string& search) {
  auto q = search::parse(search);
  REQUIRE(q.ok());
  return translate(*q);
}

}  // namespace

TEST_CASE("translate: words become one prefix MATCH", "[store]") {
  CHECK(fts_phrase("hello") == "\"hello\"*");
  CHECK(fts_phrase("say \"hi\"") == "\"say \"\"hi\"\"\"*");

  auto f = filter("");
  CHECK(f.where.empty());
  CHECK(f.binds.empty());
  CHECK_FALSE(f.fts_positive);

  f = filter("invoice report");
  CHECK(f.fts_match == "\"invoice\"* AND \"report\"*");
  CHECK(f.fts_only);
  CHECK(f.fts_positive);
  REQUIRE(f.binds.size() == 1);

  f = filter("invoice -draft -spam");
  CHECK(f.fts_match == "(\"invoice\"*) NOT (\"draft\"* OR \"spam\"*)");
  CHECK(f.fts_only);

  f = filter("-draft");
  CHECK(f.fts_match == "\"draft\"*");
  CHECK_FALSE(f.fts_positive);
  CHECK_FALSE(f.fts_only);
  CHECK_THAT(f.where, Catch::Contains("NOT IN"));

  f = filter("invoice from:bob has:attachment");
  CHECK(f.fts_positive);
  CHECK_FALSE(f.fts_only);
  CHECK(f.binds.size() == 2);  // the MATCH and the from: value
  CHECK_THAT(f.where, Catch::Contains("instr(m.from_f, ?) > 0") && Catch::Contains("m.attachments > 0"));

  f = filter("-from:bob !has:attachment larger:1K -before:2026-01-01");
  CHECK_THAT(f.where, Catch::Contains("instr(m.from_f, ?) = 0") && Catch::Contains("m.attachments = 0") &&
                          Catch::Contains("m.size > ?") && Catch::Contains("m.received_ms >= ?"));
  CHECK(f.binds.size() == 3);
}

TEST_CASE("translate: searches the reader can answer from counters and id sets", "[store]") {
  CHECK(filter("is:read").read_flag_only == 1);
  CHECK(filter("-is:unread").read_flag_only == 1);
  CHECK(filter("is:unread").read_flag_only == 0);
  CHECK(filter("is:unread !is:read").read_flag_only == 0);
  CHECK(filter("is:unread is:read").read_flag_only == -2);
  CHECK(filter("is:unread from:x").read_flag_only == -1);
  CHECK(filter("is:unread word").read_flag_only == -1);
  CHECK(filter("").read_flag_only == -1);
  CHECK(filter("-a -b").fts_excluded_only);
  CHECK_FALSE(filter("-a b").fts_excluded_only);
  CHECK_FALSE(filter("-a is:read").fts_excluded_only);
}

TEST_CASE("header_matches: name case-insensitive, value folded substring", "[store]") {
  const std::string json = headers_to_json({{"From", "a@b"},
                                            {"X-Mailer", "PHPMailer 6.0 \"quoted\""},
                                            {"Received", "from one"},
                                            {"Received", "from two"},
                                            {"X-Note", "caf\xC3\xA9 \xE2\x9C\x93 \xF0\x9F\x98\x80"},
                                            {"Subject", "mentions [\"X-Secret\",\"hidden\"] inside"}});
  CHECK(header_matches(json, "X-Mailer", ""));
  CHECK(header_matches(json, "x-mailer", "phpmailer"));
  CHECK(header_matches(json, "X-MAILER", "6.0 quoted"));  // quotes are cleaned away on both sides
  CHECK_FALSE(header_matches(json, "X-Mailer", "outlook"));
  CHECK(header_matches(json, "Received", "two"));  // any of several fields
  CHECK(header_matches(json, "X-Note", "cafe"));
  CHECK(header_matches(json, "X-Note", "\xE2\x9C\x93"));
  CHECK_FALSE(header_matches(json, "X-Missing", ""));
  CHECK_FALSE(header_matches(json, "X-Secret", ""));  // text inside another value is not a field
  CHECK_FALSE(header_matches(json, "", ""));
  CHECK_FALSE(header_matches("not json", "X-Mailer", ""));
  CHECK_FALSE(header_matches("[[\"X-Mailer\",\"unterminated", "X-Mailer", "x"));
  CHECK(header_matches("[[\"X-U\",\"\\ud83d\\ude00 \\u00e9\"]]", "X-U", "e"));
}
