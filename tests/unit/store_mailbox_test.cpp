// The mailbox port on the SQLite store: pages newest first with exact counts, summaries without
// bodies, read flags and deletes by ids / search / everything (returning what changed), latest,
// statistics, and reads running while ingest writes.
#include <catch2/catch.hpp>

#include <algorithm>
#include <atomic>
#include <filesystem>
#include <future>
#include <map>
#include <set>
#include <thread>

#include "core/message_summary.hpp"
#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::test::open_store;

namespace {

constexpr std::int64_t t0 = 1'770'000'000'000;

std::vector<std::string> uids_of(const message_page& p) {
  std::vector<std::string> out;
  for (const auto& m : p.messages) out.push_back(m.uid);
  return out;
}

// `n` messages: message i has subject "msg i", word "even" or "odd", received at t0 + i s
// except that every 10th shares its time with the one before (ties order by arrival).
std::vector<std::string> fill(sqlite_store& s, int n) {
  std::vector<std::string> uids;
  for (int i = 0; i < n; ++i) {
    const std::int64_t at = t0 + (i % 10 == 9 ? i - 1 : i) * 1000;
    auto m =
        test::make_mail({.subject = "msg " + std::to_string(i),
                         .text = std::string(i % 2 == 0 ? "even" : "odd") + " number " + std::to_string(i),
                         .received_ms = at});
    REQUIRE(test::store_sync(s, m).ok);
    uids.push_back(m->uid);
  }
  return uids;
}

}  // namespace

TEST_CASE("mailbox: pages are newest first, exact, and cover every message once", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  const auto uids = fill(*s, 57);
  std::vector<std::string> newest(uids.rbegin(), uids.rend());

  std::vector<std::string> seen;
  for (std::size_t start = 0; start < 70; start += 10) {
    auto p = s->list(page_request{"", 0, start, 10});
    REQUIRE(p.ok());
    CHECK(p->total == 57);
    CHECK(p->unread == 57);
    CHECK(p->matched == 57);
    CHECK(p->matched_unread == 57);
    CHECK(p->messages.size() == (start < 50 ? 10u : start == 50 ? 7u : 0u));
    for (auto& u : uids_of(*p)) seen.push_back(u);
  }
  CHECK(seen == newest);

  // The same through a search that matches everything but is not the no-search path.
  seen.clear();
  for (std::size_t start = 0; start < 60; start += 25) {
    auto p = s->list(page_request{"-nosuchword", 0, start, 25});
    REQUIRE(p.ok());
    CHECK(p->matched == 57);
    for (auto& u : uids_of(*p)) seen.push_back(u);
  }
  CHECK(seen == newest);

  // Words only: every other message, newest first, across pages (ties on received time, like
  // msg 9 and msg 8, order by arrival).
  std::vector<std::string> even;
  for (int i = 56; i >= 0; --i)
    if (i % 2 == 0) even.push_back(uids[static_cast<std::size_t>(i)]);
  seen.clear();
  for (std::size_t start = 0; start < 40; start += 7) {
    auto p = s->list(page_request{"even", 0, start, 7});
    REQUIRE(p.ok());
    CHECK(p->matched == even.size());
    for (auto& u : uids_of(*p)) seen.push_back(u);
  }
  CHECK(seen == even);

  auto empty = s->list(page_request{"", 0, 0, 0});
  REQUIRE(empty.ok());
  CHECK(empty->matched == 57);
  CHECK(empty->messages.empty());
}

TEST_CASE("mailbox: a message received earlier but stored later still sorts by received time", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto late = test::make_mail({.subject = "late", .text = "shared", .received_ms = t0 + 5000});
  auto early = test::make_mail({.subject = "early", .text = "shared", .received_ms = t0 + 1000});
  REQUIRE(test::store_sync(*s, late).ok);
  REQUIRE(test::store_sync(*s, early).ok);
  for (const char* search : {"", "shared", "subject:a", "shared subject:a"}) {
    INFO(search);
    auto p = s->list(page_request{search, 0, 0, 10});
    REQUIRE(p.ok());
    CHECK(uids_of(*p) == std::vector<std::string>{late->uid, early->uid});
  }
  CHECK(s->latest_uid("shared", 0).value() == late->uid);
}

TEST_CASE("mailbox: summaries carry the list fields and match the ingest summary", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto m =
      test::make_mail({.from = "Zo\xC3\xAB <zoe@example.com>",
                       .to = "Bob <bob@example.com>, ann+proj@example.com",
                       .cc = "carl@example.com",
                       .bcc = "Dora <dora@example.com>",
                       .reply_to = "replies@example.com",
                       .subject = "Report \xE2\x9C\x93",
                       .text = "Body text " + std::string(300, 'z'),
                       .extra_headers = {"X-Tags: Alpha, beta"},
                       .attachment_name = "a.pdf",
                       .rcpt_to = {"bob@example.com", "ann+proj@example.com", "envelope-only@example.net"},
                       .received_ms = t0});
  m->env.auth_user = "alice";
  REQUIRE(test::store_sync(*s, m).ok);

  auto p = s->list(page_request{});
  REQUIRE(p.ok());
  REQUIRE(p->messages.size() == 1);
  const auto& got = p->messages[0];
  message_summary want = summarize(m->uid, m->env, m->parsed, m->raw.size());
  CHECK(got.uid == want.uid);
  CHECK(got.message_id == want.message_id);
  CHECK(got.from == want.from);
  CHECK(got.to == want.to);
  CHECK(got.cc == want.cc);
  CHECK(got.bcc == want.bcc);
  CHECK(got.bcc.back() == address{"", "envelope-only@example.net"});
  CHECK(got.reply_to == want.reply_to);
  CHECK(got.subject == want.subject);
  CHECK(got.received_ms == t0);
  CHECK(got.auth_user == "alice");
  CHECK(got.size == m->raw.size());
  CHECK(got.attachments == 1);
  CHECK(got.snippet == want.snippet);
  CHECK_FALSE(got.read);
  CHECK(got.tags == std::vector<std::string>{"Alpha", "beta", "proj"});  // X-Tags + plus-address
}

TEST_CASE("mailbox: read flags by ids, search and everything return what changed", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  const auto uids = fill(*s, 10);

  auto r = s->set_read(selection{.uids = {uids[1], uids[3], "NoSuchMessageNoSuchMsg"}}, true);
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{uids[1], uids[3]});
  CHECK(s->set_read(selection{.uids = {uids[1]}}, true)->empty());  // already read

  r = s->set_read(selection{.search = "odd"}, true);  // 1, 3 already read
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{uids[9], uids[7], uids[5]});
  auto p = s->list(page_request{});
  CHECK(p->unread == 5);
  p = s->list(page_request{"is:read"});
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 0);
  p = s->list(page_request{"even"});
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 5);
  p = s->list(page_request{"number"});  // words only, mixed flags: exact unread count
  CHECK(p->matched == 10);
  CHECK(p->matched_unread == 5);
  CHECK(p->messages[0].read);                  // msg 9
  CHECK_FALSE(p->messages[1].read);            // msg 8
  p = s->list(page_request{"-odd", 0, 1, 2});  // excluded words only: the complement
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 5);
  CHECK(uids_of(*p) == std::vector<std::string>{uids[6], uids[4]});
  p = s->list(page_request{"-even number", 0, 0, 10});
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 0);
  p = s->list(page_request{"is:unread", 0, 1, 2});  // the flag alone: counts from the mailbox
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 5);
  CHECK(uids_of(*p) == std::vector<std::string>{uids[6], uids[4]});
  p = s->list(page_request{"is:read -is:unread"});
  CHECK(p->matched == 5);
  CHECK(p->matched_unread == 0);
  p = s->list(page_request{"is:read is:unread"});
  CHECK(p->matched == 0);
  CHECK(p->messages.empty());

  r = s->set_read(selection{}, true);  // everything
  REQUIRE(r.ok());
  CHECK(r->size() == 5);
  CHECK(s->list(page_request{})->unread == 0);
  CHECK(s->list(page_request{"number"})->matched_unread == 0);

  r = s->set_read(selection{.search = "subject:\"msg 2\""}, false);
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{uids[2]});
  CHECK(s->get(uids[2])->read == false);
  CHECK(s->list(page_request{})->unread == 1);
  CHECK(s->list(page_request{"number"})->matched_unread == 1);
  CHECK(s->unread_count() == 1);
}

TEST_CASE("mailbox: deletes by ids, search and everything leave no trace", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path});
  const auto uids = fill(*s, 10);
  REQUIRE(s->set_tags({uids[0], uids[1]}, {"keep", "gone"}).ok());

  auto r = s->remove(selection{.uids = {uids[0], "NoSuchMessageNoSuchMsg"}});
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{uids[0]});
  CHECK_FALSE(s->get(uids[0]).has_value());

  r = s->remove(selection{.search = "odd -subject:\"msg 9\""});
  REQUIRE(r.ok());
  CHECK(*r == std::vector<std::string>{uids[7], uids[5], uids[3], uids[1]});
  auto p = s->list(page_request{});
  CHECK(p->total == 5);
  CHECK(p->unread == 5);
  CHECK(s->list(page_request{"odd"})->matched == 1);
  CHECK(s->tags().empty());  // both tagged messages are gone: their tags too
  CHECK(test::sql_int(path, "SELECT count(*) FROM message_index") == 5);
  CHECK(test::sql_int(path, "SELECT count(*) FROM parts WHERE message NOT IN (SELECT id FROM messages)") ==
        0);

  r = s->remove(selection{});
  REQUIRE(r.ok());
  CHECK(r->size() == 5);
  p = s->list(page_request{});
  CHECK(p->total == 0);
  CHECK(p->unread == 0);
  CHECK(p->messages.empty());
  CHECK(s->list(page_request{"number"})->matched == 0);
  CHECK(s->write_stats().deleted == 10);
  REQUIRE_NOTHROW(
      test::sql_exec(path, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));

  // Still usable afterwards.
  auto m = test::make_mail({.subject = "after", .text = "number"});
  REQUIRE(test::store_sync(*s, m).ok);
  CHECK(uids_of(*s->list(page_request{"number"})) == std::vector<std::string>{m->uid});
  CHECK(s->list(page_request{})->unread == 1);
}

TEST_CASE("mailbox: latest, with and without a search", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  CHECK_FALSE(s->latest_uid("", 0).value().has_value());
  const auto uids = fill(*s, 6);
  CHECK(s->latest_uid("", 0).value() == uids[5]);
  CHECK(s->latest_uid("even", 0).value() == uids[4]);
  CHECK(s->latest_uid("subject:\"msg 1\"", 0).value() == uids[1]);
  CHECK_FALSE(s->latest_uid("nosuchword", 0).value().has_value());
  CHECK_FALSE(s->latest_uid("before:nonsense", 0).ok());
}

TEST_CASE("mailbox: statistics", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path});
  const auto uids = fill(*s, 4);
  REQUIRE(s->set_tags({uids[0], uids[1]}, {"Work"}).ok());
  REQUIRE(s->set_tags({uids[2]}, {"work", "home"}).ok());  // "work" is the existing "Work"
  REQUIRE(s->set_read(selection{.uids = {uids[3]}}, true).ok());
  auto st = s->stats();
  CHECK(st.messages == 4);
  CHECK(st.unread == 3);
  CHECK(st.tags == std::map<std::string, std::uint64_t>{{"Work", 3}, {"home", 1}});
  std::uint64_t files = std::filesystem::file_size(path);
  if (std::filesystem::exists(path + "-wal")) files += std::filesystem::file_size(path + "-wal");
  CHECK(st.database_bytes == files);
  CHECK(st.database_bytes > 0);
}

TEST_CASE("mailbox: lists stay consistent while messages arrive", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  std::atomic<bool> done{false};
  std::atomic<int> checks{0}, bad{0};
  std::thread reader([&] {
    while (!done) {
      auto p = s->list(page_request{"number", 0, 0, 20});
      if (!p.ok() || p->matched > p->total || p->matched_unread > p->matched ||
          p->messages.size() != std::min<std::uint64_t>(20, p->matched)) {
        ++bad;
      }
      ++checks;
    }
  });
  test::outcome_log log;
  for (int i = 0; i < 300; ++i) {
    auto m = test::make_mail({.subject = "c" + std::to_string(i), .text = "number " + std::to_string(i)});
    s->store(m, log.callback(m->uid));
  }
  REQUIRE(log.wait_for(300));
  done = true;
  reader.join();
  CHECK(bad == 0);
  CHECK(checks > 0);
  CHECK(s->list(page_request{"number"})->matched == 300);
}

TEST_CASE("mailbox: mutations from the store's own callback are refused, not deadlocked", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto m = test::make_mail({});
  std::promise<bool> refused;
  s->store(m,
           [&](store_outcome) { refused.set_value(!s->set_read(selection{.uids = {m->uid}}, true).ok()); });
  CHECK(refused.get_future().get());
}
