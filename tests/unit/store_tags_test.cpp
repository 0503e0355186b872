// Tags on the SQLite store: X-Tags and plus-addresses at ingest (cleaned as Mailpit does),
// replacing a message's tags, renaming (also onto an existing tag), deleting, listing.
#include <catch2/catch.hpp>

#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::test::open_store;

namespace {

std::vector<std::string> tags_of(sqlite_store& s, const std::string& uid) {
  auto m = s.get(uid);
  REQUIRE(m.has_value());
  return m->parsed.tags;
}

}  // namespace

TEST_CASE("tags: X-Tags and plus-addresses at ingest, cleaned and unique", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto m = test::make_mail({.from = "App <app+system@example.com>",
                            .to = "dev+Invoices+2026@example.com",
                            .cc = "ops+invoices@example.com",
                            .extra_headers = {"X-Tags: urgent!, Project X, , urgent"},
                            .rcpt_to = {"dev+Invoices+2026@example.com", "ops+invoices@example.com",
                                        "audit+envelope@example.net"}});
  REQUIRE(test::store_sync(*s, m).ok);
  const std::vector<std::string> want = {"2026", "envelope", "Invoices", "Project X", "system", "urgent"};
  CHECK(tags_of(*s, m->uid) == want);
  CHECK(s->list(page_request{})->messages[0].tags == want);
  CHECK(s->tags() == want);
  CHECK(s->list(page_request{"tag:invoices"})->matched == 1);
  CHECK(s->list(page_request{"tag:\"project x\""})->matched == 1);
}

TEST_CASE("tags: set_tags replaces, cleans, and reports only real changes", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto a = test::make_mail({.extra_headers = {"X-Tags: old"}});
  auto b = test::make_mail({});
  REQUIRE(test::store_sync(*s, a).ok);
  REQUIRE(test::store_sync(*s, b).ok);

  auto r = s->set_tags({a->uid, b->uid, "NoSuchMessageNoSuchMsg"}, {"Beta", "alpha!", "beta", " "});
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{a->uid, b->uid});
  CHECK(tags_of(*s, a->uid) == std::vector<std::string>{"alpha", "Beta"});
  CHECK(s->tags() == std::vector<std::string>{"alpha", "Beta"});  // "old" had no message left

  r = s->set_tags({a->uid}, {"beta", "ALPHA"});  // the same tags: nothing changes
  REQUIRE(r.ok());
  CHECK(r->empty());

  r = s->set_tags({a->uid}, {});
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{a->uid});
  CHECK(tags_of(*s, a->uid).empty());
  CHECK(s->list(page_request{"is:tagged"})->matched == 1);
}

TEST_CASE("tags: rename, merge into an existing tag, delete", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto a = test::make_mail({.extra_headers = {"X-Tags: draft, shared"}, .received_ms = 1000});
  auto b = test::make_mail({.extra_headers = {"X-Tags: draft"}, .received_ms = 2000});
  auto c = test::make_mail({.extra_headers = {"X-Tags: final"}, .received_ms = 3000});
  for (const auto& m : {a, b, c}) REQUIRE(test::store_sync(*s, m).ok);

  auto r = s->rename_tag("DRAFT", "Work in progress");
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{b->uid, a->uid});
  CHECK(tags_of(*s, a->uid) == std::vector<std::string>{"shared", "Work in progress"});
  CHECK(s->list(page_request{"tag:draft"})->matched == 0);
  CHECK(s->list(page_request{"tag:\"work in progress\""})->matched == 2);

  r = s->rename_tag("work in progress", "WORK IN PROGRESS");  // only the spelling changes
  REQUIRE(r.ok());
  CHECK(r->size() == 2);
  CHECK(tags_of(*s, b->uid) == std::vector<std::string>{"WORK IN PROGRESS"});

  r = s->rename_tag("final", "shared");  // onto an existing tag: merged
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{c->uid});
  CHECK(tags_of(*s, c->uid) == std::vector<std::string>{"shared"});
  CHECK(s->tags() == std::vector<std::string>{"shared", "WORK IN PROGRESS"});
  CHECK(s->stats().tags.at("shared") == 2);

  CHECK(s->rename_tag("nosuchtag", "x")->empty());
  CHECK_FALSE(s->rename_tag("shared", "!!!").ok());  // nothing left after cleaning

  r = s->delete_tag("Shared");
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{c->uid, a->uid});
  CHECK(tags_of(*s, c->uid).empty());
  CHECK(s->tags() == std::vector<std::string>{"WORK IN PROGRESS"});
  CHECK(s->delete_tag("shared")->empty());
}
