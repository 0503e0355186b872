// The API over the real SQLite store (the `mailbox` port as store::sqlite_store implements it)
// with messages arriving through ingest, as in the daemon: what the handlers show is what was
// stored, searches go through the store's grammar, mutations persist and publish.
#include <catch2/catch.hpp>

#include <future>

#include "api/router.hpp"
#include "ingest/ingest_service.hpp"
#include "store/sqlite_store.hpp"
#include "support/api_fixture.hpp"
#include "support/fake_store.hpp"
#include "support/samples.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using mailjar::testing::read_sample;
using json = nlohmann::json;

namespace {

class sqlite_api {
 public:
  sqlite_api() {
    store::store_config cfg;
    cfg.path = dir_.file("api.db");
    auto opened = store::sqlite_store::open(cfg);
    REQUIRE(opened.ok());
    db = std::move(*opened);
    ingest = std::make_unique<ingest::ingest_service>(*db, sink, [](std::function<void()> job) { job(); });
    api::settings s = api_fixture::default_settings();
    s.database_path = cfg.path;
    api::services svc{*db, sink, nullptr, s};
    svc.send = [this](envelope env, std::string raw) { return deliver(std::move(env), std::move(raw)); };
    router = std::make_unique<api::router>(std::move(svc));
  }

  // Ingest like SMTP does; returns the uid once committed.
  result<std::string> deliver(envelope env, std::string raw) {
    if (env.received_ms == 0) env.received_ms = test::now_ms() + static_cast<std::int64_t>(++seq_);
    std::promise<ingest::ingest_outcome> p;
    auto f = p.get_future();
    ingest->ingest(std::move(env), std::move(raw),
                   [&p](ingest::ingest_outcome o) { p.set_value(std::move(o)); });
    auto o = f.get();
    if (!o.stored) return error{o.reason};
    return o.uid;
  }

  std::string add(std::string raw, std::vector<std::string> rcpt = {"rcpt@example.com"}) {
    envelope env;
    env.mail_from = "sender@example.com";
    env.rcpt_to = std::move(rcpt);
    auto r = deliver(std::move(env), std::move(raw));
    REQUIRE(r.ok());
    return *r;
  }

  api::response get(std::string path, api_fixture::query_t q = {}) {
    return router->handle(api_fixture::make("GET", std::move(path), std::move(q)));
  }
  api::response call(std::string method, std::string path, std::string body, api_fixture::query_t q = {}) {
    return router->handle(
        api_fixture::make(std::move(method), std::move(path), std::move(q), std::move(body)));
  }

  testing::recording_sink sink;
  std::unique_ptr<store::sqlite_store> db;
  std::unique_ptr<ingest::ingest_service> ingest;
  std::unique_ptr<api::router> router;

 private:
  test::temp_dir dir_;
  std::int64_t seq_ = 0;
};

std::string simple(const std::string& subject, const std::string& from = "ann@example.com",
                   const std::string& to = "bob@example.com", const std::string& body = "body text") {
  return "From: " + from + "\r\nTo: " + to + "\r\nSubject: " + subject + "\r\nMessage-ID: <" + subject +
         "@example.com>\r\n\r\n" + body + "\r\n";
}

}  // namespace

TEST_CASE("sqlite: list, search, latest and paging through the real store", "[api][api-sqlite]") {
  sqlite_api a;
  std::string one = a.add(simple("invoice-one", "billing@example.com"));
  std::string two = a.add(simple("invoice-two", "billing@example.com"));
  std::string three = a.add(simple("newsletter", "news@example.com"));

  json all = api_fixture::json_of(a.get("/api/v1/messages"));
  CHECK(all["total"] == 3);
  CHECK(all["unread"] == 3);
  REQUIRE(all["messages"].size() == 3);
  CHECK(all["messages"][0]["ID"] == three);
  CHECK(all["messages"][2]["ID"] == one);
  CHECK(all["messages"][0]["Bcc"] == json::array({{{"Name", ""}, {"Address", "rcpt@example.com"}}}));

  json page = api_fixture::json_of(a.get("/api/v1/messages", {{"start", "1"}, {"limit", "1"}}));
  CHECK(page["count"] == 1);
  CHECK(page["messages"][0]["ID"] == two);

  json found = api_fixture::json_of(a.get("/api/v1/search", {{"query", "from:billing@example.com"}}));
  CHECK(found["messages_count"] == 2);
  CHECK(found["total"] == 3);
  CHECK(found["messages"][0]["ID"] == two);
  json sub = api_fixture::json_of(a.get("/api/v1/search", {{"query", "subject:newsletter"}}));
  CHECK(sub["messages_count"] == 1);

  CHECK(api_fixture::json_of(a.get("/api/v1/message/latest"))["ID"] == three);
  CHECK(api_fixture::json_of(
            a.get("/api/v1/message/latest", {{"query", "from:billing@example.com"}}))["ID"] == two);
}

TEST_CASE("sqlite: the message view marks read, parts and raw are exact", "[api][api-sqlite]") {
  sqlite_api a;
  std::string raw = read_sample("mixed_attachments.eml");
  std::string id = a.add(raw);
  json m = api_fixture::json_of(a.get("/api/v1/message/" + id));
  CHECK(m["Subject"] == "Mixed with attachments");
  REQUIRE(m["Attachments"].size() == 2);
  CHECK(a.sink.log() == std::vector<std::string>{"read:" + id});
  json listed = api_fixture::json_of(a.get("/api/v1/messages"));
  CHECK(listed["messages"][0]["Read"] == true);
  CHECK(listed["unread"] == 0);

  CHECK(a.get("/api/v1/message/" + id + "/raw").body == raw);
  auto pdf = a.get("/api/v1/message/" + id + "/part/2");
  CHECK(pdf.status == 200);
  CHECK(pdf.body.rfind("%PDF", 0) == 0);
  CHECK(pdf.body.size() == m["Attachments"][0]["Size"].get<std::size_t>());
  json h = api_fixture::json_of(a.get("/api/v1/message/" + id + "/headers"));
  CHECK(h["Message-Id"] == json::array({"<mixed@example.com>"}));
}

TEST_CASE("sqlite: read flags, tags and deletes persist and publish", "[api][api-sqlite]") {
  sqlite_api a;
  std::string x = a.add(simple("alpha", "a@example.com", "b@example.com"));
  std::string y = a.add(simple("beta", "a@example.com", "b@example.com"));
  std::string z = a.add(simple("gamma", "c@example.com", "d@example.com"));

  CHECK(a.call("PUT", "/api/v1/messages", json({{"IDs", {x, y}}, {"Read", true}}).dump()).status == 200);
  CHECK(api_fixture::json_of(a.get("/api/v1/messages"))["unread"] == 1);
  CHECK(a.call("PUT", "/api/v1/messages", R"({"Search":"subject:gamma","Read":true})").status == 200);
  CHECK(api_fixture::json_of(a.get("/api/v1/messages"))["unread"] == 0);
  CHECK(a.call("PUT", "/api/v1/messages", "{}").status == 200);
  CHECK(api_fixture::json_of(a.get("/api/v1/messages"))["unread"] == 3);

  CHECK(a.call("PUT", "/api/v1/tags", json({{"IDs", {x, z}}, {"Tags", {"Work", "urgent"}}}).dump()).status ==
        200);
  CHECK(api_fixture::json_of(a.get("/api/v1/tags")) ==
        json::array({"urgent", "Work"}));  // case-insensitive order
  CHECK(api_fixture::json_of(a.get("/api/v1/search", {{"query", "tag:urgent"}}))["messages_count"] == 2);
  CHECK(a.call("PUT", "/api/v1/tags/urgent", R"({"Name":"later"})").status == 200);
  CHECK(api_fixture::json_of(a.get("/api/v1/search", {{"query", "tag:later"}}))["messages_count"] == 2);
  CHECK(a.call("DELETE", "/api/v1/tags/later", "").status == 200);
  CHECK(api_fixture::json_of(a.get("/api/v1/search", {{"query", "tag:later"}}))["messages_count"] == 0);
  json info = api_fixture::json_of(a.get("/api/v1/info"));
  CHECK(info["Messages"] == 3);
  CHECK(info["DatabaseSize"].get<std::uint64_t>() > 0);
  CHECK(info["Tags"] == json({{"Work", 2}}));

  CHECK(a.call("DELETE", "/api/v1/messages", json({{"IDs", {x}}}).dump()).status == 200);
  CHECK(a.sink.log().back() == "deleted:" + x);
  CHECK(a.call("DELETE", "/api/v1/search", "", {{"query", "subject:gamma"}}).status == 200);
  CHECK(a.sink.log().back() == "deleted:" + z);
  json left = api_fixture::json_of(a.get("/api/v1/messages"));
  CHECK(left["total"] == 1);
  CHECK(left["messages"][0]["ID"] == y);
  auto all = a.call("DELETE", "/api/v1/messages", "");
  CHECK(all.body.empty());
  CHECK(a.sink.log().back() == "truncated");
  CHECK(api_fixture::json_of(a.get("/api/v1/messages"))["total"] == 0);
}

TEST_CASE("sqlite: send goes through ingest and reads back; MailHog sees it", "[api][api-sqlite]") {
  sqlite_api a;
  auto r = a.call("POST", "/api/v1/send",
                  R"({"From":{"Email":"app@example.com","Name":"App"},"To":[{"Email":"user@example.com"}],
                      "Bcc":["audit@example.com"],"Subject":"Welcome aboard","Text":"Hi there","Tags":["signup"]})");
  REQUIRE(r.status == 200);
  std::string id = api_fixture::json_of(r)["ID"];
  CHECK(a.sink.added().size() == 1);
  json m = api_fixture::json_of(a.get("/api/v1/message/" + id));
  CHECK(m["Subject"] == "Welcome aboard");
  CHECK(m["Tags"] == json::array({"signup"}));
  CHECK(m["Bcc"] == json::array({{{"Name", ""}, {"Address", "audit@example.com"}}}));

  json hog = api_fixture::json_of(a.get("/api/v2/search", {{"kind", "to"}, {"query", "user@example.com"}}));
  CHECK(hog["total"] == 1);
  CHECK(hog["items"][0]["ID"] == id);
  CHECK(hog["items"][0]["Raw"]["To"] == json::array({"user@example.com", "audit@example.com"}));
  json hidden =
      api_fixture::json_of(a.get("/api/v2/search", {{"kind", "to"}, {"query", "audit@example.com"}}));
  CHECK(hidden["total"] == 1);
  json text = api_fixture::json_of(a.get("/api/v2/search", {{"kind", "containing"}, {"query", "Welcome"}}));
  CHECK(text["total"] == 1);
}

TEST_CASE("sqlite: malformed searches are the user's 400", "[api][api-sqlite]") {
  sqlite_api a;
  a.add(simple("x"));
  auto date = a.get("/api/v1/search", {{"query", "before:not-a-date"}});
  CHECK(date.status == 400);
  CHECK(date.body.find("not-a-date") != std::string::npos);
  CHECK(a.get("/api/v1/search", {{"query", "header:"}}).status == 400);
  // Mailpit's lenient cases stay lenient; nothing is ever a 500.
  for (const char* q : {"larger:", "larger:12Q", "\"unterminated", "-", "!", "is:nothing"}) {
    INFO(q);
    CHECK(a.get("/api/v1/search", {{"query", q}}).status == 200);
  }
  // A mutation with a bad search changes nothing.
  CHECK(a.call("PUT", "/api/v1/messages", R"({"Search":"before:nope","Read":true})").status == 400);
  CHECK(a.call("DELETE", "/api/v1/search", "", {{"query", "header:"}}).status == 400);
  CHECK(a.get("/api/v1/message/latest", {{"query", "before:nope"}}).status == 400);
  json all = api_fixture::json_of(a.get("/api/v1/messages"));
  CHECK(all["total"] == 1);
  CHECK(all["unread"] == 1);
  CHECK(a.sink.log().empty());
}
