// Group commit in the SQLite store: concurrent store() calls share transactions and every
// callback fires once; one bad message fails alone (savepoint); a failed COMMIT fails the whole
// batch and leaves nothing visible; a message is searchable from inside its own callback.
// Also reports writer-side throughput for 2 KB messages (informational, no assertion on time).
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <atomic>
#include <map>
#include <stdexcept>
#include <thread>

#include "store/sqlite_store.hpp"
#include "support/open_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::store::store_config;
using mailjar::test::open_store;

namespace {

// Holds SQLite's write lock from a second connection until released, so the store's writer
// blocks in BEGIN IMMEDIATE and everything stored meanwhile queues up for one batch.
class write_lock {
 public:
  explicit write_lock(const std::string& path) {
    REQUIRE(sqlite3_open(path.c_str(), &db_) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) == SQLITE_OK);
  }
  void release() {
    if (db_ == nullptr) return;
    sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr);
    sqlite3_close(db_);
    db_ = nullptr;
  }
  ~write_lock() { release(); }

 private:
  sqlite3* db_ = nullptr;
};

bool visible(sqlite_store& s, const std::string& uid) { return s.get(uid).has_value(); }

}  // namespace

TEST_CASE("concurrent store() calls: each callback once, all stored, commits shared", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  constexpr int threads = 8, per_thread = 150;
  test::outcome_log log;
  std::vector<std::vector<std::string>> uids(threads);
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      for (int i = 0; i < per_thread; ++i) {
        auto m = test::make_small_message("thread " + std::to_string(t), "concurrentword");
        uids[t].push_back(m->uid);
        s->store(m, log.callback(m->uid));
      }
    });
  }
  for (auto& w : workers) w.join();
  REQUIRE(log.wait_for(threads * per_thread));

  auto all = log.all();
  CHECK(all.size() == threads * per_thread);
  for (const auto& list : uids) {
    for (const auto& uid : list) {
      REQUIRE(all.count(uid) == 1);
      CHECK(all[uid].size() == 1);
      CHECK(all[uid][0].ok);
    }
  }
  CHECK(s->count() == threads * per_thread);
  CHECK(s->search_uids("concurrentword", 10'000).size() == threads * per_thread);
  auto st = s->write_stats();
  INFO("commits=" << st.commits << " largest_batch=" << st.largest_batch);
  CHECK(st.stored == threads * per_thread);
  CHECK(st.failed == 0);
  CHECK(st.commits < st.stored);  // group commit: transactions were shared
  CHECK(st.commits == st.batches);
  CHECK(st.largest_batch > 1);
  CHECK(st.largest_batch <= 512);
}

TEST_CASE("a message that fails inside a batch fails alone", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path});
  test::sql_exec(path,
                 "CREATE TRIGGER poison BEFORE INSERT ON messages WHEN NEW.subject = 'poison' "
                 "BEGIN SELECT RAISE(ABORT, 'poisoned message'); END;"
                 "CREATE TRIGGER poison_part BEFORE INSERT ON parts WHEN NEW.part_id = 'poison-part' "
                 "BEGIN SELECT RAISE(ABORT, 'poisoned part'); END;");
  test::outcome_log log;
  std::vector<std::string> good;
  auto bad_row = test::make_small_message("poison", "poisonword");
  // Fails after its messages row was written: the savepoint must take that row back too.
  auto bad_part = test::make_small_message("innocent subject", "poisonpartword");
  bad_part->parsed.parts.at(0).part_id = "poison-part";
  bad_part->parsed.tags = {"poisontag"};
  {
    write_lock lock(path);
    for (int i = 0; i < 10; ++i) {
      if (i == 3) s->store(bad_row, log.callback(bad_row->uid));
      if (i == 6) s->store(bad_part, log.callback(bad_part->uid));
      auto m = test::make_small_message("fine " + std::to_string(i), "fineword");
      good.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
  }
  REQUIRE(log.wait_for(12));
  auto all = log.all();
  CHECK_FALSE(all[bad_row->uid].at(0).ok);
  CHECK_THAT(all[bad_row->uid].at(0).error, Catch::Contains("poisoned message"));
  CHECK_FALSE(all[bad_part->uid].at(0).ok);
  CHECK_THAT(all[bad_part->uid].at(0).error, Catch::Contains("poisoned part"));
  for (const auto& uid : good) {
    CHECK(all[uid].at(0).ok);
    CHECK(visible(*s, uid));
  }
  CHECK_FALSE(visible(*s, bad_row->uid));
  CHECK_FALSE(visible(*s, bad_part->uid));
  // Nothing of the failed messages is left anywhere.
  CHECK(test::sql_int(path, "SELECT count(*) FROM messages") == 10);
  CHECK(test::sql_int(path, "SELECT count(*) FROM raw") == 10);
  CHECK(test::sql_int(path, "SELECT count(*) FROM parts") == 10);
  CHECK(test::sql_int(path, "SELECT count(*) FROM message_tags") == 0);
  CHECK(test::sql_int(path, "SELECT count(*) FROM tags") == 0);
  CHECK(s->search_uids("poisonpartword OR poisonword", 10).empty());  // the index caught up first
  CHECK(test::sql_int(path, "SELECT count(*) FROM messages_fts_docsize") == 10);
  auto st = s->write_stats();
  CHECK(st.stored == 10);
  CHECK(st.failed == 2);
  CHECK(st.failed_commits == 0);
  CHECK(st.commits <= 2);  // the bad ones shared their transaction with good ones
}

TEST_CASE("when COMMIT fails, every message of the batch fails and none is visible", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path});
  // A deferred foreign key is only checked at COMMIT: a message with this subject makes the
  // whole transaction's COMMIT fail.
  test::sql_exec(path,
                 "CREATE TABLE bomb_parent (id INTEGER PRIMARY KEY);"
                 "CREATE TABLE bomb (p INTEGER REFERENCES bomb_parent(id) DEFERRABLE INITIALLY DEFERRED);"
                 "CREATE TRIGGER bomb AFTER INSERT ON messages WHEN NEW.subject = 'commit-bomb' "
                 "BEGIN INSERT INTO bomb VALUES (42); END;");
  test::outcome_log log;
  std::vector<std::string> before, after;
  auto bomb = test::make_small_message("commit-bomb", "bombword");
  {
    write_lock lock(path);
    for (int i = 0; i < 5; ++i) {
      auto m = test::make_small_message("before", "beforeword");
      before.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
    s->store(bomb, log.callback(bomb->uid));
    for (int i = 0; i < 5; ++i) {
      auto m = test::make_small_message("after", "afterword");
      after.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
  }
  REQUIRE(log.wait_for(11));
  auto all = log.all();
  CHECK_FALSE(all[bomb->uid].at(0).ok);
  CHECK_THAT(all[bomb->uid].at(0).error, Catch::Contains("commit"));
  // Those queued behind the bomb were necessarily in its batch.
  for (const auto& uid : after) {
    CHECK_FALSE(all[uid].at(0).ok);
    CHECK_FALSE(visible(*s, uid));
  }
  // Those before it may have made an earlier batch; either way ok <=> visible.
  std::int64_t ok_count = 0;
  for (const auto& uid : before) {
    CHECK(all[uid].at(0).ok == visible(*s, uid));
    ok_count += all[uid].at(0).ok ? 1 : 0;
  }
  CHECK(test::sql_int(path, "SELECT count(*) FROM messages") == ok_count);
  CHECK(test::sql_int(path, "SELECT count(*) FROM raw") == ok_count);
  CHECK(s->search_uids("bombword OR afterword", 10).empty());  // the index caught up first
  CHECK(test::sql_int(path, "SELECT count(*) FROM messages_fts_docsize") == ok_count);
  auto st = s->write_stats();
  CHECK(st.failed_commits == 1);
  CHECK(st.stored == static_cast<std::uint64_t>(ok_count));

  // The store carries on.
  auto next = test::make_small_message("next", "nextword");
  test::outcome_log log2;
  s->store(next, log2.callback(next->uid));
  REQUIRE(log2.wait_for(1));
  CHECK(log2.all()[next->uid].at(0).ok);
  CHECK(s->search_uids("nextword", 10) == std::vector<std::string>{next->uid});
}

TEST_CASE("big messages commit in groups bounded by max_batch_bytes", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  auto s = open_store({.path = path, .max_batch_bytes = 3u << 20});
  test::outcome_log log;
  std::vector<std::string> uids;
  {
    write_lock lock(path);  // everything below queues up behind the lock
    for (int i = 0; i < 10; ++i) {
      auto m = test::make_small_message("big", "bigword");
      m->raw += std::string(1u << 20, 'x');  // ~1 MiB each
      uids.push_back(m->uid);
      s->store(m, log.callback(m->uid));
    }
    auto huge = test::make_small_message("huge", "hugeword");
    huge->raw += std::string(5u << 20, 'y');  // alone bigger than the limit: still stored
    uids.push_back(huge->uid);
    s->store(huge, log.callback(huge->uid));
  }
  REQUIRE(log.wait_for(11));
  for (const auto& [uid, outcomes] : log.all()) CHECK(outcomes.at(0).ok);
  for (const auto& uid : uids) CHECK(s->get(uid).has_value());
  auto st = s->write_stats();
  CHECK(st.largest_batch == 2);  // two ~1 MiB messages fit in 3 MiB, three do not
  CHECK(st.batches >= 6);
}

TEST_CASE("read-your-writes: inside its callback a message is already searchable", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  test::outcome_log log;
  std::atomic<int> found{0}, missed{0};
  std::map<std::string, std::string> word_of;  // filled before any store() call
  std::vector<std::shared_ptr<new_message>> msgs;
  for (int i = 0; i < 120; ++i) {
    const std::string word = "unique" + std::to_string(i) + "x";
    auto m = test::make_small_message("ryw " + word, word);
    word_of[m->uid] = word;
    msgs.push_back(m);
  }
  log.on_each([&](const std::string& uid, const store_outcome& o) {
    if (!o.ok) return;
    const bool hit =
        s->search_uids(word_of.at(uid), 5) == std::vector<std::string>{uid} && s->get(uid).has_value();
    (hit ? found : missed) += 1;
  });
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&, t] {
      for (std::size_t i = t; i < msgs.size(); i += 4) s->store(msgs[i], log.callback(msgs[i]->uid));
    });
  }
  for (auto& w : workers) w.join();
  REQUIRE(log.wait_for(msgs.size()));
  CHECK(found == static_cast<int>(msgs.size()));
  CHECK(missed == 0);
}

TEST_CASE("a throwing callback does not stop the writer, and writes from a callback are refused", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  auto first = test::make_small_message("first", "firstword");
  std::atomic<bool> refused{false};
  std::string refusal;
  s->store(first, [&](store_outcome) {
    auto r = s->delete_uids({first->uid});  // would deadlock if it waited for its own thread
    refusal = r.ok() ? "" : r.error_message();
    refused = !r.ok();
    throw std::runtime_error("callback bug");
  });
  auto second = test::make_small_message("second", "secondword");
  test::outcome_log log;
  s->store(second, log.callback(second->uid));
  REQUIRE(log.wait_for(1));
  CHECK(log.all()[second->uid].at(0).ok);
  CHECK(refused);
  CHECK_THAT(refusal, Catch::Contains("own thread"));
  CHECK(s->write_stats().callback_exceptions == 1);
  CHECK(s->get(first->uid).has_value());
}

TEST_CASE("writer-side throughput for 2 KB messages (informational)", "[store]") {
  test::temp_dir dir;
  auto s = open_store({.path = dir.file("mail.db")});
  constexpr int n = 4000;
  std::vector<std::shared_ptr<new_message>> msgs;
  for (int i = 0; i < n; ++i)
    msgs.push_back(test::make_small_message("bench " + std::to_string(i), "benchword"));
  test::outcome_log log;
  const auto t0 = std::chrono::steady_clock::now();
  for (auto& m : msgs) s->store(m, log.callback(m->uid));
  REQUIRE(log.wait_for(n));
  const double wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  auto st = s->write_stats();
  REQUIRE(st.stored == n);
  const double busy_s = static_cast<double>(st.writer_busy_ns) / 1e9;
  const double cpu_s = static_cast<double>(st.writer_cpu_ns) / 1e9;
  WARN("store throughput (this build; sanitizers slow it): "
       << n << " x ~2 KB messages, " << static_cast<long>(n / cpu_s) << " msgs/s per writer CPU second, "
       << static_cast<long>(n / busy_s) << " msgs/s writer wall time, " << static_cast<long>(n / wall_s)
       << " msgs/s end to end, " << st.batches << " batches, largest " << st.largest_batch);
  CHECK(st.writer_cpu_ns > 0);
  CHECK(st.batches < static_cast<std::uint64_t>(n));
}
