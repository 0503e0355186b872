// MailHog endpoints and item shape, as the npm clients `mailhog` / `cypress-mailhog` read them.
#include <catch2/catch.hpp>

#include "api/mailhog_content.hpp"
#include "support/api_fixture.hpp"
#include "support/samples.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using mailjar::testing::read_sample;
using json = nlohmann::json;

namespace {

envelope env_of(std::string from, std::vector<std::string> to) {
  envelope e;
  e.mail_from = std::move(from);
  e.rcpt_to = std::move(to);
  e.helo = "client.example";
  return e;
}

}  // namespace

TEST_CASE("MailHog's view of a message: headers as written, folded lines joined, parts split", "[api]") {
  std::string raw =
      "From: a@example.com\r\n"
      "Subject: folded\r\n"
      " subject\r\n"
      "X-Multi: one\r\n"
      "x-multi: two\r\n"
      "Content-Type: multipart/mixed; boundary=\"outer\"\r\n"
      "\r\n"
      "preamble\r\n"
      "--outer\r\n"
      "Content-Type: multipart/alternative; boundary=inner\r\n"
      "\r\n"
      "--inner\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n"
      "caf=C3=A9\r\n"
      "--inner--\r\n"
      "--outer\r\n"
      "Content-Type: application/octet-stream\r\n"
      "Content-Disposition: attachment; filename=\"a.bin\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "aGk=\r\n"
      "--outer--\r\n";
  auto c = api::mailhog_content(raw);
  CHECK(c.size == raw.size());
  CHECK(c.headers["Subject"] == std::vector<std::string>{"folded subject"});
  CHECK(c.headers["X-Multi"] == std::vector<std::string>{"one", "two"});
  CHECK(c.headers.count("x-multi") == 0);
  REQUIRE(c.mime.has_value());
  REQUIRE(c.mime->parts.size() == 2);
  const auto& alt = c.mime->parts[0];
  REQUIRE(alt.mime.has_value());
  REQUIRE(alt.mime->parts.size() == 1);
  CHECK(alt.mime->parts[0].body == "caf=C3=A9");
  CHECK(alt.mime->parts[0].headers.at("Content-Transfer-Encoding")[0] == "quoted-printable");
  const auto& att = c.mime->parts[1];
  CHECK(att.headers.at("Content-Disposition")[0] == "attachment; filename=\"a.bin\"");
  CHECK(att.body == "aGk=");
  CHECK_FALSE(att.mime.has_value());

  auto single = api::mailhog_content("Subject: x\r\n\r\nbody");
  CHECK(single.body == "body");
  CHECK_FALSE(single.mime.has_value());
  auto headless = api::mailhog_content("no header block");
  CHECK(headless.body == "no header block");
  CHECK(headless.headers.empty());
}

TEST_CASE("deep or huge multiparts are bounded", "[api]") {
  std::string raw = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
  std::string tail;
  for (int i = 1; i < 40; ++i) {
    raw += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" +
           std::to_string(i) + "\r\n\r\n";
    tail = "--b" + std::to_string(i - 1) + "--\r\n" + tail;
  }
  raw += "x\r\n" + tail;
  auto c = api::mailhog_content(raw);
  int depth = 0;
  const api::mailhog_content_dto* cur = &c;
  while (cur->mime && !cur->mime->parts.empty()) {
    cur = &cur->mime->parts[0];
    ++depth;
  }
  CHECK(depth <= 8);

  std::string many = "Content-Type: multipart/mixed; boundary=m\r\n\r\n";
  for (int i = 0; i < 3000; ++i) many += "--m\r\n\r\np\r\n";
  many += "--m--\r\n";
  CHECK(api::mailhog_content(many).mime->parts.size() == 1000);
}

TEST_CASE("GET /api/v2/messages: MailHog's list and item shape", "[api]") {
  api_fixture f;
  std::string raw = read_sample("mixed_attachments.eml");
  std::string id = f.box.add(raw, env_of("reports@example.com", {"boss@example.com", "cc@example.org"}));
  f.box.add("Subject: newer\r\n\r\nx\r\n", env_of("", {"x@example.com"}));

  auto r = f.get("/api/v2/messages");
  REQUIRE(r.status == 200);
  json j = api_fixture::json_of(r);
  CHECK(j["total"] == 2);
  CHECK(j["count"] == 2);
  CHECK(j["start"] == 0);
  REQUIRE(j["items"].size() == 2);
  CHECK(j["items"][0]["Content"]["Headers"]["Subject"] == json::array({"newer"}));
  CHECK(j["items"][0]["From"] ==
        json({{"Relays", nullptr}, {"Mailbox", ""}, {"Domain", ""}, {"Params", ""}}));
  CHECK(j["items"][0]["MIME"].is_null());

  const json& it = j["items"][1];
  CHECK(it["ID"] == id);
  CHECK(it["From"] ==
        json({{"Relays", nullptr}, {"Mailbox", "reports"}, {"Domain", "example.com"}, {"Params", ""}}));
  CHECK(it["To"].size() == 2);
  CHECK(it["To"][1]["Domain"] == "example.org");
  CHECK(it["Content"]["Headers"]["Subject"] == json::array({"Mixed with attachments"}));
  CHECK(it["Content"]["Headers"]["Content-Type"][0].get<std::string>().rfind("multipart/mixed", 0) == 0);
  CHECK(it["Content"]["Size"] == raw.size());
  CHECK(it["Content"]["MIME"].is_null());
  CHECK(it["Content"]["Body"].get<std::string>().find("--mix-outer") != std::string::npos);
  REQUIRE(it["MIME"]["Parts"].size() == 3);
  CHECK(it["MIME"]["Parts"][0]["MIME"]["Parts"].size() == 2);
  CHECK(it["MIME"]["Parts"][1]["Headers"]["Content-Disposition"] ==
        json::array({"attachment; filename=\"report.pdf\""}));
  CHECK(it["Raw"]["From"] == "reports@example.com");
  CHECK(it["Raw"]["To"] == json::array({"boss@example.com", "cc@example.org"}));
  CHECK(it["Raw"]["Data"] == raw);
  CHECK(it["Raw"]["Helo"] == "client.example");
  CHECK(it["Created"].is_string());

  json page = api_fixture::json_of(f.get("/api/v2/messages", {{"start", "1"}, {"limit", "1"}}));
  CHECK(page["total"] == 2);
  CHECK(page["count"] == 1);
  CHECK(page["start"] == 1);
  CHECK(page["items"][0]["ID"] == id);
  f.get("/api/v2/messages", {{"limit", "1000"}});
  CHECK(f.box.last_page()->limit == 250);
  CHECK(f.get("/api/v2/messages", {{"limit", "x"}}).status == 200);  // ignored, as MailHog does
  CHECK(f.box.last_page()->limit == 50);
}

TEST_CASE("GET /api/v2/search?kind=from|to|containing", "[api]") {
  api_fixture f;
  std::string a =
      f.box.add("From: alice@example.com\r\nTo: bob@example.com\r\nSubject: hello there\r\n\r\nx\r\n",
                env_of("alice@example.com", {"bob@example.com", "secret@example.com"}));
  std::string b = f.box.add("From: carl@example.com\r\nTo: dan@example.com\r\nSubject: other\r\n\r\nx\r\n",
                            env_of("carl@example.com", {"dan@example.com"}));

  json from =
      api_fixture::json_of(f.get("/api/v2/search", {{"kind", "from"}, {"query", "alice@example.com"}}));
  CHECK(from["total"] == 1);
  CHECK(from["items"][0]["ID"] == a);
  CHECK(f.box.last_page()->search == "from:\"alice@example.com\"");

  json to = api_fixture::json_of(f.get("/api/v2/search", {{"kind", "to"}, {"query", "dan@example.com"}}));
  CHECK(to["items"][0]["ID"] == b);
  // An envelope-only recipient (Bcc) is found too, as MailHog matches envelope recipients.
  json hidden =
      api_fixture::json_of(f.get("/api/v2/search", {{"kind", "to"}, {"query", "secret@example.com"}}));
  CHECK(hidden["total"] == 1);
  CHECK(hidden["items"][0]["ID"] == a);

  json containing =
      api_fixture::json_of(f.get("/api/v2/search", {{"kind", "containing"}, {"query", "hello \"there"}}));
  CHECK(containing["total"] == 1);
  CHECK(f.box.last_page()->search == "\"hello there\"");
  json none = api_fixture::json_of(f.get("/api/v2/search", {{"kind", "from"}, {"query", "nobody"}}));
  CHECK(none["total"] == 0);
  CHECK(none["count"] == 0);
  CHECK(none["items"] == json::array());

  CHECK(f.get("/api/v2/search", {{"kind", "subject"}, {"query", "x"}}).status == 400);
  CHECK(f.get("/api/v2/search", {{"kind", "from"}}).status == 400);
  CHECK(f.get("/api/v2/search", {{"kind", "from"}, {"query", "\"\""}}).status == 400);
}

TEST_CASE("MailHog v1: one message, delete one (empty reply), delete all (empty reply), release", "[api]") {
  api_fixture f;
  std::string a = f.box.add("Subject: a\r\n\r\nx\r\n", env_of("s@example.com", {"r@example.com"}));
  std::string b = f.box.add("Subject: b\r\n\r\nx\r\n");

  json one = api_fixture::json_of(f.get("/api/v1/messages/" + a));
  CHECK(one["ID"] == a);
  CHECK(one["Content"]["Headers"]["Subject"] == json::array({"a"}));
  CHECK(f.get("/api/v1/messages/" + std::string(22, 'Q')).status == 404);

  auto del = f.del("/api/v1/messages/" + a);
  CHECK(del.status == 200);
  CHECK(del.body.empty());
  CHECK(f.sink.log() == std::vector<std::string>{"deleted:" + a});
  CHECK(f.del("/api/v1/messages/" + a).status == 404);
  CHECK(f.del("/api/v1/messages/bad").status == 400);

  auto rel = f.post("/api/v1/messages/" + b + "/release",
                    R"({"Host":"smtp.example.com","Port":"25","Email":"x@y"})");
  CHECK(rel.status == 400);
  CHECK(rel.body == "release is not configured");

  auto all = f.del("/api/v1/messages");
  CHECK(all.status == 200);
  CHECK(all.body.empty());
  CHECK(f.box.size() == 0);
  CHECK(f.sink.log().back() == "truncated");
}
