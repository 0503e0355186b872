// Tags, application info, web UI configuration, chaos, health probes.
#include <catch2/catch.hpp>

#include "support/api_fixture.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using json = nlohmann::json;

TEST_CASE("GET/PUT /api/v1/tags lists and replaces tags, publishing each message's tags", "[api]") {
  api_fixture f;
  std::string a = f.box.add("Subject: a\r\nX-Tags: old\r\n\r\nx\r\n");
  std::string b = f.box.add("Subject: b\r\n\r\nx\r\n");
  CHECK(api_fixture::json_of(f.get("/api/v1/tags")) == json::array({"old"}));

  auto r = f.put("/api/v1/tags", json({{"IDs", {a, b}}, {"Tags", {"Red", "blue!", "Red"}}}).dump());
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  // The store cleaned the names; the events carry what it kept.
  CHECK(f.sink.log() == std::vector<std::string>{"tags:" + a + "=Red,blue", "tags:" + b + "=Red,blue"});
  CHECK(api_fixture::json_of(f.get("/api/v1/tags")) == json::array({"Red", "blue"}));
  json listed = api_fixture::json_of(f.get("/api/v1/messages"));
  CHECK(listed["tags"] == json::array({"Red", "blue"}));
  CHECK(listed["messages"][0]["Tags"] == json::array({"Red", "blue"}));

  // Removing all tags of a message: Tags omitted.
  CHECK(f.put("/api/v1/tags", json({{"IDs", {a}}}).dump()).status == 200);
  CHECK(f.sink.log().back() == "tags:" + a + "=");
  // No IDs: nothing to do.
  CHECK(f.put("/api/v1/tags", R"({"Tags":["x"]})").body == "ok");
  CHECK(f.sink.log().size() == 3);

  CHECK(f.put("/api/v1/tags", R"({"IDs":["nope"],"Tags":["x"]})").status == 400);
  CHECK(f.put("/api/v1/tags", R"({"IDs":[1],"Tags":["x"]})").status == 400);
  CHECK(f.put("/api/v1/tags", R"({"IDs":[],"Tags":"x"})").status == 400);
  CHECK(f.put("/api/v1/tags", "").status == 400);
  f.box.fail_mutations(true);
  CHECK(f.put("/api/v1/tags", json({{"IDs", {b}}, {"Tags", {"z"}}}).dump()).status == 500);
  CHECK(f.sink.log().size() == 3);
}

TEST_CASE("PUT/DELETE /api/v1/tags/{Tag} rename and delete, with a prune event", "[api]") {
  api_fixture f;
  std::string a = f.box.add("Subject: a\r\nX-Tags: old name\r\n\r\nx\r\n");
  auto r = f.put("/api/v1/tags/old name", R"({"Name":"new name"})");
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(api_fixture::json_of(f.get("/api/v1/tags")) == json::array({"new name"}));
  CHECK(f.sink.log() == std::vector<std::string>{"pruned"});
  // Unknown tag: ok, nothing changed, no event.
  CHECK(f.put("/api/v1/tags/missing", R"({"Name":"x"})").status == 200);
  CHECK(f.sink.log().size() == 1);
  CHECK(f.put("/api/v1/tags/new name", R"({"Name":"  "})").status == 400);
  CHECK(f.put("/api/v1/tags/new name", R"({"Name":"!!!"})").status == 400);
  CHECK(f.put("/api/v1/tags/new name", R"({"Name":7})").status == 400);
  CHECK(f.put("/api/v1/tags/new name", "nope").status == 400);

  auto d = f.del("/api/v1/tags/new name");
  CHECK(d.status == 200);
  CHECK(api_fixture::json_of(f.get("/api/v1/tags")) == json::array());
  CHECK(f.sink.log().back() == "pruned");
  CHECK(api_fixture::json_of(f.get("/api/v1/message/" + a))["Tags"] == json::array());
}

TEST_CASE("GET /api/v1/info: Mailpit's AppInformation", "[api]") {
  api_fixture f;
  f.box.add("Subject: a\r\nX-Tags: t1\r\n\r\nx\r\n");
  std::string b = f.box.add("Subject: b\r\nX-Tags: t1, t2\r\n\r\nx\r\n");
  f.del("/api/v1/messages", json({{"IDs", {b}}}).dump());
  f.box.add("Subject: c\r\n\r\nx\r\n");
  json i = api_fixture::json_of(f.get("/api/v1/info"));
  CHECK(i["Version"] == "0.1.0");
  CHECK(i["LatestVersion"] == "");
  CHECK(i["Database"] == "/tmp/mailjar-test.db");
  CHECK(i["DatabaseSize"] == 4096);
  CHECK(i["Messages"] == 2);
  CHECK(i["Unread"] == 2);
  CHECK(i["Tags"] == json({{"t1", 1}}));
  const json& rs = i["RuntimeStats"];
  for (const char* k : {"Uptime", "Memory", "MessagesDeleted", "SMTPAccepted", "SMTPAcceptedSize",
                        "SMTPRejected", "SMTPIgnored"}) {
    INFO(k);
    CHECK(rs.at(k).is_number_unsigned());
  }
  CHECK(rs["MessagesDeleted"] == 1);

  api_fixture empty;
  CHECK(api_fixture::json_of(empty.get("/api/v1/info"))["Tags"] == json::object());
}

TEST_CASE("GET /api/v1/info reports the daemon's runtime counters", "[api]") {
  testing::fake_mailbox box;
  testing::recording_sink sink;
  api::services svc{box, sink, nullptr, api_fixture::default_settings()};
  svc.runtime = [] {
    api::runtime_stats r;
    r.memory_bytes = 123456;
    r.messages_deleted = 7;
    r.smtp_accepted = 10;
    r.smtp_accepted_bytes = 2048;
    r.smtp_rejected = 2;
    return r;
  };
  api::router router(svc);
  auto r = router.handle(api_fixture::make("GET", "/api/v1/info"));
  json rs = api_fixture::json_of(r)["RuntimeStats"];
  CHECK(rs["Memory"] == 123456);
  CHECK(rs["MessagesDeleted"] == 7);
  CHECK(rs["SMTPAccepted"] == 10);
  CHECK(rs["SMTPAcceptedSize"] == 2048);
  CHECK(rs["SMTPRejected"] == 2);
  CHECK(rs["SMTPIgnored"] == 0);
}

TEST_CASE("GET /api/v1/webui: label and a disabled relay", "[api]") {
  api_fixture f;
  json w = api_fixture::json_of(f.get("/api/v1/webui"));
  CHECK(w["Label"] == "test box");
  CHECK(w["MessageRelay"]["Enabled"] == false);
  for (const char* k : {"SMTPServer", "ReturnPath", "AllowedRecipients", "BlockedRecipients", "OverrideFrom",
                        "RecipientAllowlist"})
    CHECK(w["MessageRelay"][k] == "");
  CHECK(w["MessageRelay"]["PreserveMessageIDs"] == false);
  for (const char* k : {"SpamAssassin", "ChaosEnabled", "DuplicatesIgnored", "HideDeleteAllButton"})
    CHECK(w[k] == false);
}

TEST_CASE("chaos is not enabled", "[api]") {
  api_fixture f;
  for (auto r : {f.get("/api/v1/chaos"), f.put("/api/v1/chaos", "{}")}) {
    CHECK(r.status == 400);
    CHECK(r.body == "chaos is not enabled");
  }
}

TEST_CASE("health probes", "[api]") {
  api_fixture f;
  CHECK(f.get("/livez").status == 200);
  CHECK(f.get("/readyz").status == 200);
  f.box.fail_reads(true);
  auto r = f.get("/readyz");
  CHECK(r.status == 503);
  CHECK(r.body.find("not ready") == 0);
  CHECK(f.get("/livez").status == 200);
}
