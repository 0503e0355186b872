// Deleting and pruning in the SQLite store remove every trace of a message (raw bytes, parts,
// tags, the full-text row) and leave the full-text index consistent; pruning by count and by
// age runs on the writer between commits, and also when the store is idle.
#include <catch2/catch.hpp>

#include <atomic>

#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::store::store_config;
using mailjar::test::open_store;

namespace {

std::vector<std::string> store_all(sqlite_store& s, const std::vector<std::shared_ptr<new_message>>& msgs) {
  test::outcome_log log;
  std::vector<std::string> uids;
  for (const auto& m : msgs) {
    uids.push_back(m->uid);
    s.store(m, log.callback(m->uid));
  }
  REQUIRE(log.wait_for(msgs.size()));
  for (const auto& [uid, outcomes] : log.all()) REQUIRE(outcomes.at(0).ok);
  return uids;
}

std::int64_t rows(const std::string& path, const std::string& table) {
  return test::sql_int(path, "SELECT count(*) FROM " + table);
}

// FTS5's own consistency check of the index against the messages table (external content).
void check_fts_consistent(const std::string& path) {
  REQUIRE_NOTHROW(
      test::sql_exec(path, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
  CHECK(rows(path, "messages_fts_docsize") == rows(path, "messages"));
}

}  // namespace

TEST_CASE("delete_uids removes raw, parts, tags and the full-text row", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path});
  auto a = test::make_full_message();
  auto b = test::make_full_message();
  b.msg->parsed.tags = {"reports"};  // shares one tag with a
  b.msg->parsed.subject = "kept message";
  auto c = test::make_small_message("another", "otherword");
  store_all(*s, {a.msg, b.msg, c});
  REQUIRE(rows(path, "parts") == 7);
  REQUIRE(rows(path, "tags") == 2);

  auto removed = s->delete_uids({a.msg->uid, "nosuchuidnosuchuidnosu"});
  REQUIRE(removed.ok());
  CHECK(*removed == 1);
  CHECK_FALSE(s->get(a.msg->uid).has_value());
  CHECK_FALSE(s->raw(a.msg->uid).has_value());
  CHECK_FALSE(s->part_content(a.msg->uid, "3.1").has_value());
  CHECK(s->search_uids("quarterly", 10) == std::vector<std::string>{b.msg->uid});
  CHECK(s->search_uids("urgent", 10).empty());
  CHECK(rows(path, "messages") == 2);
  CHECK(rows(path, "raw") == 2);
  CHECK(rows(path, "parts") == 4);
  CHECK(rows(path, "message_tags") == 1);
  CHECK(test::sql_int(path, "SELECT count(*) FROM tags WHERE name = 'Urgent'") == 0);  // orphan tag gone
  CHECK(test::sql_int(path, "SELECT count(*) FROM tags WHERE name = 'reports'") == 1);
  check_fts_consistent(path);
  CHECK(s->write_stats().deleted == 1);
  CHECK(s->get(b.msg->uid)->parsed.tags == std::vector<std::string>{"reports"});

  auto all = s->delete_all();
  REQUIRE(all.ok());
  CHECK(*all == 2);
  for (const char* t : {"messages", "raw", "parts", "tags", "message_tags", "messages_fts_docsize"}) {
    INFO(t);
    CHECK(rows(path, t) == 0);
  }
  CHECK(s->search_uids("quarterly OR otherword", 10).empty());
  check_fts_consistent(path);
  CHECK(s->count() == 0);

  // Writing after delete_all works, and the writer's count restarted from zero.
  auto d = test::make_small_message("fresh", "freshword");
  store_all(*s, {d});
  CHECK(s->search_uids("freshword", 10) == std::vector<std::string>{d->uid});
  check_fts_consistent(path);
}

TEST_CASE("pruning by count keeps the newest max_messages", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  std::atomic<std::uint64_t> reported{0};
  auto s = open_store({.path = path,
                       .max_batch = 16,
                       .max_messages = 25,
                       .prune_batch = 4,
                       .on_pruned = [&](std::uint64_t n) { reported += n; }});
  std::vector<std::shared_ptr<new_message>> msgs;
  for (int i = 0; i < 100; ++i)
    msgs.push_back(test::make_small_message("n" + std::to_string(i), "countword", 1000 + i));
  auto uids = store_all(*s, msgs);

  REQUIRE(test::eventually([&] { return s->count() == 25; }));
  const std::vector<std::string> newest(uids.rbegin(), uids.rbegin() + 25);
  CHECK(s->newest_uids(100) == newest);
  CHECK(s->search_uids("countword", 1000).size() == 25);
  CHECK(rows(path, "raw") == 25);
  CHECK(rows(path, "parts") == 25);
  check_fts_consistent(path);
  REQUIRE(test::eventually([&] { return s->write_stats().pruned == 75; }));
  CHECK(reported == 75);
}

TEST_CASE("pruning by age removes old messages after a commit and when idle", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  const std::int64_t hour = 3'600'000;
  auto s = open_store({.path = path, .max_age_ms = hour, .idle_wake_ms = 50});
  const std::int64_t now = test::now_ms();
  std::vector<std::shared_ptr<new_message>> old_ones, fresh;
  for (int i = 0; i < 10; ++i)
    old_ones.push_back(test::make_small_message("old", "oldword", now - 2 * hour - i));
  for (int i = 0; i < 5; ++i) fresh.push_back(test::make_small_message("fresh", "freshword", now));
  // Expires about 4 s from now: only the idle wake can remove it.
  auto soon = test::make_small_message("soon", "soonword", now - hour + 4000);
  store_all(*s, old_ones);
  store_all(*s, fresh);
  store_all(*s, {soon});

  REQUIRE(test::eventually([&] { return s->count() == 6; }));
  CHECK(s->search_uids("oldword", 100).empty());
  CHECK(s->search_uids("freshword", 100).size() == 5);
  CHECK(s->get(soon->uid).has_value());

  // No further writes: the idle writer wakes up and removes the message once it is too old.
  REQUIRE(test::eventually([&] { return s->count() == 5; }, std::chrono::seconds(20)));
  CHECK_FALSE(s->get(soon->uid).has_value());
  CHECK(s->write_stats().pruned == 11);
  check_fts_consistent(path);
}

TEST_CASE("limits are applied to what an earlier run left behind", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  {
    auto s = open_store({.path = path});
    std::vector<std::shared_ptr<new_message>> msgs;
    for (int i = 0; i < 30; ++i) msgs.push_back(test::make_small_message("x", "leftword", 1000 + i));
    store_all(*s, msgs);
  }
  auto s = open_store({.path = path, .max_messages = 10});
  REQUIRE(test::eventually([&] { return s->count() == 10; }));
  check_fts_consistent(path);
}
