// WAL checkpoints run on the checkpointer's thread, not inside the writer's COMMIT.
#include <catch2/catch.hpp>

#include <filesystem>

#include "store/sqlite_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using namespace mailjar::test;

TEST_CASE("the WAL is checkpointed off the writer thread and data stays readable", "[store][checkpoint]") {
  temp_dir dir;
  store::store_config cfg;
  cfg.path = dir.file("ckpt.db");
  cfg.checkpoint_pages = 16;              // ~256 KiB of WAL wakes the checkpointer
  cfg.checkpoint_hard_pages = 1'000'000;  // never let the writer do it here
  std::uintmax_t db_bytes_before_close = 0;
  {
    auto opened = store::sqlite_store::open(cfg);
    REQUIRE(opened);
    auto& s = **opened;
    outcome_log log;
    constexpr std::size_t n = 400;  // ~2 KB each plus index rows: well past 16 pages
    for (std::size_t i = 0; i < n; ++i) {
      auto m = make_small_message("subject " + std::to_string(i), "checkpointword");
      s.store(m, log.callback(m->uid));
    }
    REQUIRE(log.wait_for(n));
    REQUIRE(eventually([&] { return s.write_stats().checkpoints >= 1; }));
    const auto st = s.write_stats();
    CHECK(st.writer_checkpoints == 0);
    INFO("checkpoints " << st.checkpoints);
    CHECK(st.stored == n);
    // The checkpoint copied pages into the main file while the store stayed open.
    db_bytes_before_close = std::filesystem::file_size(cfg.path);
    CHECK(db_bytes_before_close > 16 * 16384);
    CHECK(s.count() == n);
    CHECK(s.search_uids("checkpointword", 1000).size() == n);
  }
  // Closed cleanly (the hook was removed before the writer's last checkpoint at close).
  CHECK(sql_int(cfg.path, "SELECT count(*) FROM messages") == 400);
  CHECK(sql_int(cfg.path, "SELECT count(*) FROM pragma_integrity_check WHERE integrity_check <> 'ok'") == 0);
}

TEST_CASE("with the checkpointer off, SQLite's own checkpoint still bounds the WAL", "[store][checkpoint]") {
  temp_dir dir;
  store::store_config cfg;
  cfg.path = dir.file("auto.db");
  cfg.checkpoint_pages = 0;
  auto opened = store::sqlite_store::open(cfg);
  REQUIRE(opened);
  auto& s = **opened;
  for (int i = 0; i < 20; ++i) REQUIRE(store_sync(s, make_small_message("s", "w")).ok);
  CHECK(s.write_stats().checkpoints == 0);
  CHECK(s.count() == 20);
}

TEST_CASE("the writer checkpoints itself once the WAL passes the hard limit", "[store][checkpoint]") {
  temp_dir dir;
  store::store_config cfg;
  cfg.path = dir.file("hard.db");
  cfg.checkpoint_pages = 4;
  cfg.checkpoint_hard_pages = 4;  // every commit past 4 pages: the writer's own checkpoint
  auto opened = store::sqlite_store::open(cfg);
  REQUIRE(opened);
  auto& s = **opened;
  for (int i = 0; i < 40; ++i) REQUIRE(store_sync(s, make_small_message("s", "w")).ok);
  CHECK(s.write_stats().writer_checkpoints >= 1);
  CHECK(s.count() == 40);
}
