// The full-text index trails ingest (message_writer::index_pending): messages are stored without
// full-text rows and indexed later in larger transactions. These tests pin down when it catches
// up (a search, index_batch, an idle writer, a clean close, the next open after a crash) and that
// deletes of indexed and not-yet-indexed messages (and SQLite reusing their ids) keep FTS5's own
// integrity check passing, and that a failing run (the lock held elsewhere) is not retried in a
// tight loop.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "ports/mailbox.hpp"
#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::store::store_config;
using mailjar::test::open_store;

namespace {

constexpr std::int64_t never = 3'600'000;  // an index_idle_ms that does not come in a test

std::int64_t indexed_rows(const std::string& path) {
  return test::sql_int(path, "SELECT count(*) FROM messages_fts_docsize");
}

void check_fts_integrity(const std::string& path) {
  REQUIRE_NOTHROW(
      test::sql_exec(path, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
}

std::vector<std::string> store_words(sqlite_store& s, const std::vector<std::string>& words) {
  std::vector<std::string> uids;
  for (const auto& w : words) {
    auto m = test::make_small_message("subject " + w, w);
    REQUIRE(test::store_sync(s, m).ok);
    uids.push_back(m->uid);
  }
  return uids;
}

std::vector<std::string> found(sqlite_store& s, const std::string& search) {
  auto page = s.list(page_request{search});
  REQUIRE(page.ok());
  std::vector<std::string> out;
  for (const auto& m : page->messages) out.push_back(m.uid);
  return out;
}

}  // namespace

TEST_CASE("stored messages are indexed when a search needs them, in one transaction", "[store][index]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path, .index_batch = 1000, .index_idle_ms = never});
  const auto uids = store_words(*s, {"alpha", "beta", "gamma", "delta", "alpha"});
  CHECK(indexed_rows(path) == 0);
  CHECK(s->write_stats().unindexed == 5);
  // Not a full-text search: nothing to catch up.
  CHECK(s->list(page_request{"is:unread"})->matched == 5);
  CHECK(indexed_rows(path) == 0);

  CHECK(found(*s, "alpha") == std::vector<std::string>{uids[4], uids[0]});
  CHECK(indexed_rows(path) == 5);
  const auto st = s->write_stats();
  CHECK(st.unindexed == 0);
  CHECK(st.index_runs == 1);
  check_fts_integrity(path);
}

TEST_CASE("the index catches up every index_batch messages and when the writer is idle", "[store][index]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  {
    auto s = open_store({.path = path, .index_batch = 4, .index_idle_ms = never});
    store_words(*s, {"a1", "a2", "a3", "a4", "a5", "a6", "a7", "a8", "a9"});
    CHECK(indexed_rows(path) == 8);  // two runs of four, one message waiting
    CHECK(s->write_stats().index_runs == 2);
  }
  {
    auto s = open_store({.path = path, .index_batch = 1000, .index_idle_ms = 5});
    store_words(*s, {"b1"});
    CHECK(test::eventually([&] { return indexed_rows(path) == 10; }));
    CHECK(s->write_stats().unindexed == 0);
  }
  check_fts_integrity(path);
}

TEST_CASE("a clean close indexes everything; the next open indexes what a crash left", "[store][index]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  const std::string crashed = dir.file("crashed.db");
  {
    auto s = open_store({.path = path, .index_batch = 1000, .index_idle_ms = never});
    store_words(*s, {"one", "two"});
    // The files as a kill -9 would leave them: both messages committed, neither indexed.
    for (const char* suffix : {"", "-wal"}) std::filesystem::copy_file(path + suffix, crashed + suffix);
    CHECK(indexed_rows(crashed) == 0);
  }
  CHECK(indexed_rows(path) == 2);
  check_fts_integrity(path);

  auto s = open_store({.path = crashed, .index_batch = 1000, .index_idle_ms = never});
  CHECK(indexed_rows(crashed) == 2);
  CHECK(found(*s, "two").size() == 1);
  check_fts_integrity(crashed);
}

TEST_CASE("deleting indexed and unindexed messages, and ids handed out again, keep the index sound",
          "[store][index]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path, .index_batch = 1000, .index_idle_ms = never});
  auto first = store_words(*s, {"old1", "old2", "old3"});
  CHECK(found(*s, "old2").size() == 1);  // ids 1-3 indexed
  auto second = store_words(*s, {"new4", "new5"});

  // The newest two (not indexed) and the newest indexed one go: SQLite hands ids 3-5 out again.
  REQUIRE(s->remove(selection{.uids = {second[0], second[1], first[2]}}).ok());
  check_fts_integrity(path);
  auto third = store_words(*s, {"again3", "again4"});
  CHECK(found(*s, "again3") == std::vector<std::string>{third[0]});
  CHECK(found(*s, "old3").empty());
  CHECK(found(*s, "new4").empty());
  check_fts_integrity(path);

  // A delete by full-text search indexes first, in its own transaction, and removes from both.
  auto fourth = store_words(*s, {"gone", "gone", "kept"});
  auto removed = s->remove(selection{.search = "gone"});
  REQUIRE(removed.ok());
  CHECK(removed->size() == 2);
  CHECK(found(*s, "gone").empty());
  CHECK(found(*s, "kept") == std::vector<std::string>{fourth[2]});
  check_fts_integrity(path);

  // Pruning unindexed messages.
  s.reset();
  auto p = open_store({.path = path, .max_messages = 2, .index_batch = 1000, .index_idle_ms = never});
  store_words(*p, {"p1", "p2", "p3"});
  CHECK(test::eventually([&] { return p->count() == 2; }));
  CHECK(found(*p, "p1").empty());
  CHECK(found(*p, "p3").size() == 1);
  check_fts_integrity(path);
}

TEST_CASE("a failed index run is retried a second later, not at every idle turn", "[store][index]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path, .index_batch = 1000, .index_idle_ms = 300, .busy_timeout_ms = 20});
  const auto t0 = std::chrono::steady_clock::now();
  store_words(*s, {"late1", "late2"});
  // Another connection holds the write lock: the idle run (~300 ms) fails after its 20 ms wait.
  sqlite3* other = nullptr;
  REQUIRE(sqlite3_open(path.c_str(), &other) == SQLITE_OK);
  REQUIRE(sqlite3_exec(other, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  REQUIRE(std::chrono::steady_clock::now() - t0 < std::chrono::milliseconds(250));
  std::this_thread::sleep_until(t0 + std::chrono::milliseconds(1100));
  auto st = s->write_stats();
  CHECK(st.index_failures == 1);  // without the pause: one every ~320 ms, three by now
  CHECK(st.index_runs == 0);
  sqlite3_exec(other, "ROLLBACK", nullptr, nullptr, nullptr);
  sqlite3_close(other);
  CHECK(test::eventually([&] { return s->write_stats().index_runs == 1; }, std::chrono::seconds(5)));
  CHECK(indexed_rows(path) == 2);
  CHECK(s->write_stats().index_failures == 1);
}
