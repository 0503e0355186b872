// Schema of the SQLite store: a version-1 database filled with data upgrades at open with its
// data intact (and becomes searchable); open errors are one clear line; the queries the API
// depends on use their indexes.
#include <catch2/catch.hpp>

#include <sqlite3.h>

#include <fstream>
#include <iterator>

#include "search/parser.hpp"
#include "store/schema.hpp"
#include "store/search_sql.hpp"
#include "store/sql_functions.hpp"
#include "store/sqlite_store.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::store::sqlite_store;
using mailjar::store::store_config;

namespace {

std::string open_error(const store_config& cfg) {
  auto s = sqlite_store::open(cfg);
  REQUIRE_FALSE(s.ok());
  const std::string msg = s.error_message();
  CHECK(msg.find('\n') == std::string::npos);
  return msg;
}

std::string file_bytes(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

std::string query_plan(const std::string& path, const std::string& sql) {
  sqlite3* db = nullptr;
  REQUIRE(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr) == SQLITE_OK);
  CHECK(store::register_sql_functions(db).ok());
  sqlite3_stmt* st = nullptr;
  const int rc = sqlite3_prepare_v2(db, ("EXPLAIN QUERY PLAN " + sql).c_str(), -1, &st, nullptr);
  if (rc != SQLITE_OK) {
    const std::string why = sqlite3_errmsg(db);
    sqlite3_close(db);
    FAIL("cannot explain " << sql << ": " << why);
  }
  std::string plan;
  while (sqlite3_step(st) == SQLITE_ROW) {
    plan += reinterpret_cast<const char*>(sqlite3_column_text(st, 3));
    plan += "\n";
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return plan;
}

}  // namespace

TEST_CASE("a version 1 database with data is upgraded at open, data intact", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("old.db");
  REQUIRE(store::migrate_file(path, 1).ok());
  CHECK(test::sql_int(path, "PRAGMA user_version") == 1);
  CHECK(test::sql_int(path, "SELECT count(*) FROM sqlite_schema WHERE name = 'messages_fts'") == 0);

  // Rows as a version-1 build wrote them.
  test::sql_exec(path, R"sql(
    INSERT INTO messages (id, uid, received_ms, size, is_read, attachments, subject, date_ms, from_name, from_addr,
                          to_json, bcc_json, rcpt_to_json, mail_from, text, html, html_text, headers_json,
                          warnings_json)
    VALUES (1, 'LegacyLegacyLegacy0001', 1000, 11, 1, 1, 'Legacy subject', 1234, 'Old Sender', 'old@example.com',
            '[{"Name":"Ann","Address":"ann@example.com"}]', '[]',
            '["ann@example.com","secret@example.com"]', 'old@example.com', 'legacy body text',
            '<p>legacy</p>', 'legacy htmltext', '[["Subject","Legacy subject"]]', '["old warning"]');
    INSERT INTO raw (id, data) VALUES (1, CAST('raw message' AS BLOB));
    INSERT INTO parts (message, seq, part_id, role, content_type, file_name, size, content)
    VALUES (1, 0, '2', 'attachment', 'application/pdf', 'invoice-2020.pdf', 8, CAST('pdfbytes' AS BLOB));
    INSERT INTO tags (id, name) VALUES (1, 'legacy');
    INSERT INTO message_tags (message, tag) VALUES (1, 1);
  )sql");

  auto opened = sqlite_store::open({.path = path});
  INFO((opened.ok() ? std::string() : opened.error_message()));
  REQUIRE(opened.ok());
  auto& s = **opened;
  CHECK(test::sql_int(path, "PRAGMA user_version") == store::latest_schema_version);

  auto got = s.get("LegacyLegacyLegacy0001");
  REQUIRE(got.has_value());
  CHECK(got->parsed.subject == "Legacy subject");
  CHECK(got->read);
  CHECK(got->parsed.date_ms == 1234);
  CHECK(got->parsed.from == address{"Old Sender", "old@example.com"});
  CHECK(got->parsed.to == std::vector<address>{{"Ann", "ann@example.com"}});
  CHECK(got->env.rcpt_to == std::vector<std::string>{"ann@example.com", "secret@example.com"});
  CHECK(got->parsed.text == "legacy body text");
  CHECK(got->parsed.headers == std::vector<header_field>{{"Subject", "Legacy subject"}});
  CHECK(got->parsed.warnings == std::vector<std::string>{"old warning"});
  CHECK(got->parsed.tags == std::vector<std::string>{"legacy"});
  REQUIRE(got->parsed.parts.size() == 1);
  CHECK(got->parsed.parts[0].file_name == "invoice-2020.pdf");
  CHECK(s.raw("LegacyLegacyLegacy0001") == "raw message");
  CHECK(s.part_content("LegacyLegacyLegacy0001", "2") == "pdfbytes");

  // Backfilled into the full-text index: subject, body, HTML text, addresses, envelope-only
  // recipient as Bcc, attachment name.
  const std::vector<std::string> legacy = {"LegacyLegacyLegacy0001"};
  CHECK(s.search_uids("legacy", 10) == legacy);
  CHECK(s.search_uids("htmltext", 10) == legacy);
  CHECK(s.search_uids("from_search:sender", 10) == legacy);
  CHECK(s.search_uids("to_search:ann", 10) == legacy);
  CHECK(s.search_uids("bcc_search:secret", 10) == legacy);
  CHECK(s.search_uids("file_names:invoice", 10) == legacy);

  // New and old rows live together; deleting the old one keeps the index consistent.
  auto m = test::make_small_message("new one", "newword");
  test::outcome_log log;
  s.store(m, log.callback(m->uid));
  REQUIRE(log.wait_for(1));
  CHECK(s.newest_uids(10) == std::vector<std::string>{m->uid, "LegacyLegacyLegacy0001"});
  REQUIRE(s.delete_uids({"LegacyLegacyLegacy0001"}).ok());
  CHECK(s.search_uids("legacy", 10).empty());
  REQUIRE_NOTHROW(
      test::sql_exec(path, "INSERT INTO messages_fts(messages_fts, rank) VALUES ('integrity-check', 1)"));
}

TEST_CASE("a version 2 database gets the message index, counts and plus-address tags", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("v2.db");
  REQUIRE(store::migrate_file(path, 2).ok());
  test::sql_exec(path, R"sql(
    INSERT INTO messages (id, uid, received_ms, size, is_read, attachments, inlines, message_id, subject,
                          from_name, from_addr, to_json, bcc_json, rcpt_to_json, text, from_search, to_search)
    VALUES (1, 'OldOldOldOldOldOld0001', 5000, 100, 1, 1, 0, 'Old-1@Example.com', 'Été report',
            'Éloïse', 'eloise@example.fr', '[{"Name":"","Address":"dev+nightly@example.com"}]', '[]',
            '["dev+nightly@example.com","audit+trail@example.net"]', 'first body', 'Éloïse eloise@example.fr',
            'dev+nightly@example.com'),
           (2, 'OldOldOldOldOldOld0002', 9000, 200, 0, 0, 2, 'old-2@example.com', 'Second',
            'Bob', 'bob@example.com', '[]', '[]', '[]', 'second body', 'Bob bob@example.com', '');
    INSERT INTO messages_fts (rowid, subject, from_search, to_search, text)
      SELECT id, subject, from_search, to_search, text FROM messages;
    INSERT INTO tags (id, name) VALUES (1, 'legacy');
    INSERT INTO message_tags (message, tag) VALUES (2, 1);
  )sql");

  auto opened = sqlite_store::open({.path = path});
  INFO((opened.ok() ? std::string() : opened.error_message()));
  REQUIRE(opened.ok());
  auto& s = **opened;
  CHECK(test::sql_int(path, "PRAGMA user_version") == store::latest_schema_version);
  CHECK(test::sql_int(path, "SELECT count(*) FROM message_index") == 2);

  auto page = s.list(page_request{});
  REQUIRE(page.ok());
  CHECK(page->total == 2);
  CHECK(page->unread == 1);  // the read flag came along
  REQUIRE(page->messages.size() == 2);
  CHECK(page->messages[0].uid == "OldOldOldOldOldOld0002");
  CHECK(page->messages[1].read);
  auto found = [&](const std::string& search) {
    auto p = s.list(page_request{search});
    REQUIRE(p.ok());
    std::vector<std::string> out;
    for (const auto& m : p->messages) out.push_back(m.uid);
    return out;
  };
  const std::vector<std::string> first = {"OldOldOldOldOldOld0001"};
  CHECK(found("from:ELOISE") == first);  // folded values were backfilled
  CHECK(found("subject:ete") == first);
  CHECK(found("message-id:old-1@example") == first);
  CHECK(found("bcc:audit") == first);  // envelope-only recipient
  CHECK(found("has:attachment") == first);
  CHECK(found("has:inline") == std::vector<std::string>{"OldOldOldOldOldOld0002"});
  CHECK(found("tag:nightly") == first);  // plus-address tags backfilled
  CHECK(found("tag:trail") == first);
  CHECK(found("tag:legacy") == std::vector<std::string>{"OldOldOldOldOldOld0002"});
  CHECK(found("body") == std::vector<std::string>{"OldOldOldOldOldOld0002", "OldOldOldOldOldOld0001"});
  CHECK(s.get("OldOldOldOldOldOld0001")->read);

  // Counts follow later changes (triggers).
  REQUIRE(s.set_read(selection{}, true).ok());
  CHECK(s.list(page_request{})->unread == 0);
  REQUIRE(s.remove(selection{.uids = {"OldOldOldOldOldOld0001"}}).ok());
  CHECK(s.list(page_request{})->total == 1);
  CHECK(test::sql_int(path, "SELECT messages FROM mailbox_counts") == 1);
}

TEST_CASE("opening a bad database path gives one clear line", "[store]") {
  test::temp_dir dir;

  SECTION("a directory") {
    auto msg = open_error({.path = dir.path().string()});
    CHECK_THAT(msg, Catch::Contains(dir.path().string()) && Catch::Contains("is a directory"));
  }
  SECTION("a file that is not a database") {
    const std::string path = dir.file("garbage.db");
    {
      std::ofstream f(path);
      for (int i = 0; i < 200; ++i) f << "this is certainly not an SQLite database\n";
    }
    const std::string before = file_bytes(path);
    auto msg = open_error({.path = path});
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("not a database"));
    CHECK((file_bytes(path) == before));
  }
  SECTION("a directory that does not exist") {
    const std::string path = dir.file("missing/sub/mail.db");
    auto msg = open_error({.path = path});
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("unable to open"));
  }
  SECTION("a schema newer than this build") {
    const std::string path = dir.file("future.db");
    REQUIRE(store::migrate_file(path, store::latest_schema_version).ok());
    test::sql_exec(path, "PRAGMA user_version = 99; PRAGMA journal_mode = DELETE");
    const std::string before = file_bytes(path);
    auto msg = open_error({.path = path});
    CHECK_THAT(msg, Catch::Contains(path) && Catch::Contains("newer than this build"));
    CHECK_THAT(msg, Catch::Contains("99"));
    CHECK((file_bytes(path) == before));  // refused before anything was written
  }
  SECTION("another application's SQLite database") {
    const std::string path = dir.file("other.db");
    {
      sqlite3* db = nullptr;
      REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
      REQUIRE(sqlite3_exec(db, "CREATE TABLE accounts (id INTEGER)", nullptr, nullptr, nullptr) == SQLITE_OK);
      sqlite3_close(db);
    }
    const std::string before = file_bytes(path);
    auto msg = open_error({.path = path});
    CHECK_THAT(msg, Catch::Contains("not mailjar's"));
    CHECK((file_bytes(path) == before));  // not even switched to WAL
  }
  SECTION("an empty path and a zero batch size") {
    CHECK_THAT(open_error({.path = ""}), Catch::Contains("no database path"));
    CHECK_THAT(open_error({.path = dir.file("a.db"), .max_batch = 0}), Catch::Contains("max_batch"));
  }
}

TEST_CASE("list, search, lookup and part queries use indexes", "[store]") {
  test::temp_dir dir;
  const std::string path = dir.file("mail.db");
  REQUIRE(store::migrate_file(path, store::latest_schema_version).ok());
  test::sql_exec(path, "ANALYZE");
  auto plan_of = [&](const std::string& search) {
    auto q = search::parse(search);
    REQUIRE(q.ok());
    return query_plan(path, store::page_query(store::translate(*q)));
  };

  // The newest page walks the received-time index backwards: no sort, no table scan.
  const auto newest = plan_of("");
  INFO(newest);
  CHECK_THAT(newest, Catch::Contains("message_index_by_received"));
  CHECK_THAT(newest, !Catch::Contains("TEMP B-TREE"));

  // Field filters and flags are checked along that index too (never a sort of everything).
  for (const char* search :
       {"from:alice", "has:attachment", "is:read", "larger:1M", "-is:tagged", "header:X-A:b"}) {
    const auto plan = plan_of(search);
    INFO(search << "\n" << plan);
    CHECK_THAT(plan, Catch::Contains("message_index_by_received") || Catch::Contains("message_index_unread"));
    CHECK_THAT(plan, !Catch::Contains("TEMP B-TREE"));
  }
  // Words go through the full-text index.
  const auto words = plan_of("invoice from:alice");
  INFO(words);
  CHECK_THAT(words, Catch::Contains("VIRTUAL TABLE INDEX"));

  // A tag's messages come from the tag index.
  const auto tag = plan_of("tag:work");
  INFO(tag);
  CHECK_THAT(tag, Catch::Contains("message_tags_by_tag"));

  const auto by_uid = query_plan(path, "SELECT id FROM messages WHERE uid = 'x'");
  INFO(by_uid);
  CHECK_THAT(by_uid, Catch::Contains("USING") && Catch::Contains("INDEX"));

  const auto parts = query_plan(path, "SELECT part_id FROM parts WHERE message = 1 ORDER BY seq");
  INFO(parts);
  CHECK_THAT(parts, Catch::Contains("parts_by_message"));
  CHECK_THAT(parts, !Catch::Contains("TEMP B-TREE"));
}

TEST_CASE("SQLite keeps no allocation statistics (a process-wide mutex per allocation)", "[store]") {
  // Run in a process of its own (ctest): the first connection configures SQLite.
  test::temp_dir dir;
  auto db = store::open_connection(dir.file("stats.db"), false, 1000);
  REQUIRE(db.ok());
  REQUIRE(store::exec(db->get(), "CREATE TABLE t(x); INSERT INTO t VALUES (randomblob(100000));").ok());
  // With statistics on, this counts every byte SQLite holds (well over 100 000 here).
  CHECK(sqlite3_memory_used() == 0);
}
