// Mailpit v1 list endpoints over the fake mailbox: GET/PUT/DELETE /api/v1/messages,
// GET/DELETE /api/v1/search — shapes, paging, validation, events.
#include <catch2/catch.hpp>

#include <regex>

#include "support/api_fixture.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using json = nlohmann::json;

namespace {

std::string msg(const std::string& subject, const std::string& from = "Ann <ann@example.com>",
                const std::string& to = "bob@example.com", const std::string& extra = "") {
  return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\n" + extra + "Message-ID: <" +
         subject + "@example.com>\r\n\r\nHello about " + subject + "\r\n";
}

const std::regex rfc3339_ms(R"(^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}[+-]\d{2}:\d{2}$)");

void check_summary_shape(const json& m) {
  for (const char* k : {"ID", "MessageID", "Subject", "Created", "Username", "Snippet"}) {
    INFO(k);
    CHECK(m.at(k).is_string());
  }
  CHECK(m.at("Read").is_boolean());
  CHECK((m.at("From").is_object() || m.at("From").is_null()));
  for (const char* k : {"To", "Cc", "Bcc", "ReplyTo", "Tags"}) {
    INFO(k);
    CHECK(m.at(k).is_array());
  }
  CHECK(m.at("Size").is_number_unsigned());
  CHECK(m.at("Attachments").is_number_unsigned());
  CHECK(std::regex_match(m.at("Created").get<std::string>(), rfc3339_ms));
  CHECK(m.size() == 15);
}

}  // namespace

TEST_CASE("GET /api/v1/messages lists newest first in Mailpit's shape", "[api]") {
  api_fixture f;
  envelope env;
  env.mail_from = "ann@example.com";
  env.rcpt_to = {"bob@example.com", "hidden@example.com"};
  env.auth_user = "smtpuser";
  std::string a = f.box.add(msg("first"), env);
  std::string b = f.box.add(msg("second", "Cy <cy@example.com>", "dee@example.com", "X-Tags: urgent\r\n"));
  std::string c = f.box.add("Subject: no from\r\n\r\nbody\r\n");
  f.box.set_read(selection{{b}, {}, 0}, true);

  auto r = f.get("/api/v1/messages");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  json j = api_fixture::json_of(r);
  CHECK(j.at("total") == 3);
  CHECK(j.at("unread") == 2);
  CHECK(j.at("count") == 3);
  CHECK(j.at("messages_count") == 3);
  CHECK(j.at("messages_unread") == 2);
  CHECK(j.at("start") == 0);
  CHECK(j.at("tags") == json::array({"urgent"}));
  REQUIRE(j.at("messages").size() == 3);
  for (const auto& m : j.at("messages")) check_summary_shape(m);
  CHECK(j["messages"][0]["ID"] == c);
  CHECK(j["messages"][0]["From"].is_null());
  CHECK(j["messages"][0]["To"] == json::array());
  CHECK(j["messages"][1]["ID"] == b);
  CHECK(j["messages"][1]["Read"] == true);
  CHECK(j["messages"][1]["Tags"] == json::array({"urgent"}));
  const json& first = j["messages"][2];
  CHECK(first["ID"] == a);
  CHECK(first["MessageID"] == "first@example.com");
  CHECK(first["From"] == json({{"Name", "Ann"}, {"Address", "ann@example.com"}}));
  CHECK(first["To"] == json::array({{{"Name", ""}, {"Address", "bob@example.com"}}}));
  // The envelope-only recipient shows up as Bcc.
  CHECK(first["Bcc"] == json::array({{{"Name", ""}, {"Address", "hidden@example.com"}}}));
  CHECK(first["Username"] == "smtpuser");
  CHECK(first["Subject"] == "first");
  CHECK(first["Size"] == msg("first").size());
  CHECK(first["Snippet"].get<std::string>().find("Hello about first") == 0);
}

TEST_CASE("an empty mailbox lists empty arrays, never null", "[api]") {
  api_fixture f;
  json j = api_fixture::json_of(f.get("/api/v1/messages"));
  CHECK(j.at("messages") == json::array());
  CHECK(j.at("tags") == json::array());
  CHECK(j.at("total") == 0);
}

TEST_CASE("paging: start and limit select the page; odd numbers fall back like Mailpit", "[api]") {
  api_fixture f;
  for (int i = 0; i < 5; ++i) f.box.add(msg("m" + std::to_string(i)));
  json j = api_fixture::json_of(f.get("/api/v1/messages", {{"start", "1"}, {"limit", "2"}}));
  CHECK(j.at("start") == 1);
  CHECK(j.at("count") == 2);
  CHECK(j.at("total") == 5);
  CHECK(j["messages"][0]["Subject"] == "m3");
  CHECK(j["messages"][1]["Subject"] == "m2");
  CHECK(f.box.last_page()->limit == 2);
  json beyond = api_fixture::json_of(f.get("/api/v1/messages", {{"start", "50"}}));
  CHECK(beyond.at("messages") == json::array());
  CHECK(beyond.at("count") == 0);

  // What Mailpit ignores is ignored: defaults, not 400 (clients must not break).
  for (auto q : std::vector<api_fixture::query_t>{{{"limit", "abc"}}, {{"start", "-1"}}, {{"limit", "-3"}}}) {
    auto r = f.get("/api/v1/messages", q);
    CHECK(r.status == 200);
    json page = api_fixture::json_of(r);
    CHECK(page.at("start") == 0);
    CHECK(page.at("count") == 5);
    CHECK(f.box.last_page()->limit == 50);
  }
  // limit=0: everything (Mailpit), up to the clamp.
  CHECK(api_fixture::json_of(f.get("/api/v1/messages", {{"limit", "0"}})).at("count") == 5);
  CHECK(f.box.last_page()->limit == 10000);
}

TEST_CASE("a store failure while listing is a 500", "[api]") {
  api_fixture f;
  f.box.fail_reads(true);
  auto r = f.get("/api/v1/messages");
  CHECK(r.status == 500);
  CHECK(r.body.find("database is locked") != std::string::npos);
}

TEST_CASE("GET /api/v1/search counts matches apart from the mailbox", "[api]") {
  api_fixture f;
  f.box.add(msg("invoice 1"));
  std::string two = f.box.add(msg("invoice 2"));
  f.box.add(msg("newsletter"));
  f.box.set_read(selection{{two}, {}, 0}, true);

  json j = api_fixture::json_of(f.get("/api/v1/search", {{"query", "  invoice  "}, {"limit", "1"}}));
  CHECK(j.at("total") == 3);
  CHECK(j.at("unread") == 2);
  CHECK(j.at("messages_count") == 2);
  CHECK(j.at("messages_unread") == 1);
  CHECK(j.at("count") == 1);
  CHECK(j["messages"][0]["Subject"] == "invoice 2");
  CHECK(f.box.last_page()->search == "invoice");

  auto tz = f.get("/api/v1/search", {{"query", "invoice"}, {"tz", "Pacific/Auckland"}});
  CHECK(tz.status == 200);
  int off = f.box.last_page()->tz_offset_minutes;
  CHECK((off == 720 || off == 780));

  auto missing = f.get("/api/v1/search");
  CHECK(missing.status == 400);
  CHECK(missing.body == "Error: no search query");
  CHECK(f.get("/api/v1/search", {{"query", "   "}}).status == 400);
  auto bad = f.get("/api/v1/search", {{"query", "bad:term"}});
  CHECK(bad.status == 400);
  CHECK(bad.body.find("unknown search term") != std::string::npos);
  auto badtz = f.get("/api/v1/search", {{"query", "x"}, {"tz", "Mars/Olympus"}});
  CHECK(badtz.status == 400);
  CHECK(badtz.body == "unknown time zone: Mars/Olympus");
}

TEST_CASE("PUT /api/v1/messages sets read flags and publishes what changed", "[api]") {
  api_fixture f;
  std::string a = f.box.add(msg("a"));
  std::string b = f.box.add(msg("b"));
  std::string c = f.box.add(msg("c"));

  auto r = f.put("/api/v1/messages", json({{"IDs", {a, b}}, {"Read", true}}).dump());
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(f.box.is_read(a));
  CHECK(f.box.is_read(b));
  CHECK_FALSE(f.box.is_read(c));
  CHECK(f.sink.log() == std::vector<std::string>{"read:" + a + "," + b});

  // Nothing changes: no event.
  CHECK(f.put("/api/v1/messages", json({{"IDs", {a}}, {"Read", true}}).dump()).status == 200);
  CHECK(f.sink.log().size() == 1);

  // By search, with tz.
  CHECK(f.put("/api/v1/messages", R"({"Search":"subject:c","Read":true})", {{"tz", "UTC"}}).status == 200);
  CHECK(f.box.is_read(c));
  CHECK(f.box.last_selection()->search.value() == "subject:c");
  CHECK(f.sink.log().back() == "read:" + c);

  // Neither IDs nor Search: every message (Read defaults to false).
  CHECK(f.put("/api/v1/messages", "{}").status == 200);
  CHECK(f.box.last_selection()->all());
  CHECK_FALSE(f.box.is_read(a));
  CHECK(f.sink.log().back().rfind("unread:", 0) == 0);
}

TEST_CASE("PUT /api/v1/messages rejects bad requests and changes nothing", "[api]") {
  api_fixture f;
  std::string a = f.box.add(msg("a"));
  struct bad {
    std::string body;
    std::string says;
  };
  for (const auto& b : std::vector<bad>{{json({{"IDs", {a}}, {"Search", "x"}, {"Read", true}}).dump(),
                                         "either IDs or a search query, not both"},
                                        {"{not json", "invalid JSON"},
                                        {"", "request body is empty"},
                                        {R"({"Read":"true"})", "Read must be a boolean"},
                                        {R"({"IDs":"abc","Read":true})", "IDs must be an array"},
                                        {R"({"IDs":["../../etc"],"Read":true})", "invalid message ID"},
                                        {R"({"Search":"bad:x","Read":true})", "unknown search term"},
                                        {"[]", "must be an object"}}) {
    auto r = f.put("/api/v1/messages", b.body);
    INFO(b.body);
    CHECK(r.status == 400);
    CHECK(r.body.find(b.says) != std::string::npos);
  }
  CHECK_FALSE(f.box.is_read(a));
  CHECK(f.sink.log().empty());

  f.box.fail_mutations(true);
  auto r = f.put("/api/v1/messages", json({{"IDs", {a}}, {"Read", true}}).dump());
  CHECK(r.status == 500);
  CHECK(f.sink.log().empty());
}

TEST_CASE("DELETE /api/v1/messages by IDs, all with {}, all with no body (empty reply)", "[api]") {
  api_fixture f;
  std::string a = f.box.add(msg("a"));
  std::string b = f.box.add(msg("b"));
  f.box.add(msg("c"));

  auto r = f.del("/api/v1/messages", json({{"IDs", {a, b}}}).dump());
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(f.box.size() == 1);
  CHECK(f.sink.log() == std::vector<std::string>{"deleted:" + a + "," + b});

  // Unknown (well-formed) IDs: ok, nothing deleted, no event.
  CHECK(f.del("/api/v1/messages", json({{"IDs", {a}}}).dump()).status == 200);
  CHECK(f.sink.log().size() == 1);

  CHECK(f.del("/api/v1/messages", R"({"IDs":[]})").body == "ok");
  CHECK(f.box.size() == 0);
  CHECK(f.sink.log().back() == "truncated");

  f.box.add(msg("d"));
  auto none = f.del("/api/v1/messages");
  CHECK(none.status == 200);
  CHECK(none.body.empty());  // MailHog's client JSON-parses any non-empty body
  CHECK(f.box.size() == 0);
  CHECK(f.sink.log().back() == "truncated");
}

TEST_CASE("DELETE /api/v1/messages with a malformed body deletes nothing", "[api]") {
  api_fixture f;
  f.box.add(msg("a"));
  // Mailpit deletes everything when the body does not decode; we refuse.
  for (std::string body : {"{\"IDs\":", "{\"IDs\":\"x\"}", "{\"IDs\":[\"short\"]}", "42"}) {
    auto r = f.del("/api/v1/messages", body);
    INFO(body);
    CHECK(r.status == 400);
  }
  CHECK(f.box.size() == 1);
  CHECK(f.sink.log().empty());
  f.box.fail_mutations(true);
  CHECK(f.del("/api/v1/messages").status == 500);
  CHECK(f.box.size() == 1);
  CHECK(f.sink.log().empty());
}

TEST_CASE("DELETE /api/v1/search deletes the matches", "[api]") {
  api_fixture f;
  std::string a = f.box.add(msg("spam one"));
  f.box.add(msg("keep"));
  auto r = f.del("/api/v1/search", "", {{"query", "spam"}});
  CHECK(r.status == 200);
  CHECK(r.body == "ok");
  CHECK(f.box.size() == 1);
  CHECK(f.sink.log() == std::vector<std::string>{"deleted:" + a});
  CHECK(f.del("/api/v1/search").status == 400);
  CHECK(f.del("/api/v1/search", "", {{"query", "bad:x"}}).status == 400);
  CHECK(f.box.size() == 1);
}
