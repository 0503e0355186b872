// POST /api/v1/send: a Mailpit SendRequest becomes a stored message; what comes back through
// the API (parsed by the real MIME parser) is what was sent.
#include <catch2/catch.hpp>

#include "api/send_message_builder.hpp"
#include "support/api_fixture.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using json = nlohmann::json;

namespace {

// 1x1 PNG
const char* png_b64 =
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==";

json full_request() {
  return json{{"From", {{"Email", "sender@example.com"}, {"Name", "S\xc3\xa9nder, Ltd"}}},
              {"To", {{{"Email", "to1@example.com"}, {"Name", "To One"}}, {{"Email", "to2@example.com"}}}},
              {"Cc", {{{"Email", "cc@example.com"}, {"Name", "See \"Cee\""}}}},
              {"Bcc", {"hidden@example.com"}},
              {"ReplyTo", {{{"Email", "reply@example.com"}}}},
              {"Subject", "H\xc3\xa9llo \xe2\x9c\x93 from the API"},
              {"Text", "Plain body\nsecond line with \xc3\xbcmlaut"},
              {"HTML", "<p>HTML <b>body</b><img src=\"cid:logo\"></p>"},
              {"Attachments",
               {{{"Content", "data:text/plain;base64,aGVsbG8gd29ybGQ="}, {"Filename", "h\xc3\xa9llo.txt"}},
                {{"Content", png_b64}, {"Filename", "logo.png"}, {"ContentID", "logo"}}}},
              {"Tags", {"api", "test"}},
              {"Headers", {{"X-Custom", "value \xe2\x98\x83"}, {"X-Plain", "1"}}}};
}

std::string repeat(const std::string& s, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

}  // namespace

TEST_CASE("send stores a message that reads back as sent", "[api]") {
  api_fixture f;
  auto req = api_fixture::make("POST", "/api/v1/send", {}, full_request().dump());
  req.headers["authorization"] = "Basic YXBpdXNlcjpzZWNyZXQ=";  // apiuser:secret
  auto r = f.call(req);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  json reply = api_fixture::json_of(r);
  REQUIRE(reply.size() == 1);
  std::string id = reply.at("ID");

  REQUIRE(f.sent.size() == 1);
  const auto& [env, raw] = f.sent[0];
  CHECK(env.mail_from == "sender@example.com");
  CHECK(env.rcpt_to == std::vector<std::string>{"to1@example.com", "to2@example.com", "cc@example.com",
                                                "hidden@example.com"});
  CHECK(env.client_addr == "127.0.0.1:54321");
  CHECK(env.auth_user == "apiuser");
  CHECK(env.received_ms > 0);
  // 7-bit, short lines, no Bcc header.
  for (char c : raw) CHECK(static_cast<unsigned char>(c) < 0x80);
  for (std::size_t pos = 0, nl; (nl = raw.find("\r\n", pos)) != std::string::npos; pos = nl + 2)
    CHECK(nl - pos <= 998);
  CHECK(raw.find("\nBcc:") == std::string::npos);

  json m = api_fixture::json_of(f.get("/api/v1/message/" + id));
  CHECK(m["From"] == json({{"Name", "S\xc3\xa9nder, Ltd"}, {"Address", "sender@example.com"}}));
  CHECK(m["To"] == json::array({{{"Name", "To One"}, {"Address", "to1@example.com"}},
                                {{"Name", ""}, {"Address", "to2@example.com"}}}));
  CHECK(m["Cc"] == json::array({{{"Name", "See \"Cee\""}, {"Address", "cc@example.com"}}}));
  CHECK(m["Bcc"] == json::array({{{"Name", ""}, {"Address", "hidden@example.com"}}}));
  CHECK(m["ReplyTo"] == json::array({{{"Name", ""}, {"Address", "reply@example.com"}}}));
  CHECK(m["Subject"] == "H\xc3\xa9llo \xe2\x9c\x93 from the API");
  CHECK(m["Text"] == "Plain body\r\nsecond line with \xc3\xbcmlaut");
  CHECK(m["HTML"] == "<p>HTML <b>body</b><img src=\"cid:logo\"></p>");
  CHECK(m["Tags"] == json::array({"api", "test"}));
  CHECK(m["Username"] == "apiuser");
  CHECK(m["MessageID"].get<std::string>().find("@mailjar") != std::string::npos);
  REQUIRE(m["Attachments"].size() == 1);
  CHECK(m["Attachments"][0]["FileName"] == "h\xc3\xa9llo.txt");
  CHECK(m["Attachments"][0]["ContentType"] == "text/plain");
  CHECK(m["Attachments"][0]["Size"] == 11);
  CHECK(m["Attachments"][0]["Checksums"]["MD5"] == "5eb63bbbe01eeed093cb22bb8f5acdc3");  // md5("hello world")
  REQUIRE(m["Inline"].size() == 1);
  CHECK(m["Inline"][0]["ContentID"] == "logo");
  CHECK(m["Inline"][0]["ContentType"] == "image/png");

  json h = api_fixture::json_of(f.get("/api/v1/message/" + id + "/headers"));
  CHECK(h["X-Plain"] == json::array({"1"}));
  CHECK(h["X-Custom"][0].get<std::string>().rfind("=?UTF-8?B?", 0) == 0);
  CHECK(h["Mime-Version"] == json::array({"1.0"}));
  CHECK(h.contains("Date"));

  std::string html = f.get("/view/" + id + ".html").body;
  CHECK(html.find("src=\"/api/v1/message/" + id + "/part/") != std::string::npos);
  std::string part_id = m["Inline"][0]["PartID"];
  auto png = f.get("/api/v1/message/" + id + "/part/" + part_id);
  CHECK(png.content_type == "image/png");
  CHECK(png.body.rfind("\x89PNG", 0) == 0);
}

TEST_CASE("send: the minimal request and a custom Message-Id", "[api]") {
  api_fixture f;
  auto r = f.post("/api/v1/send",
                  R"({"From":{"Email":"a@example.com"},"To":[{"Email":"b@example.com"}],"Subject":"Hi",
                      "Headers":{"Message-Id":"<mine@example.com>"}})");
  REQUIRE(r.status == 200);
  std::string id = api_fixture::json_of(r)["ID"];
  json m = api_fixture::json_of(f.get("/api/v1/message/" + id));
  CHECK(m["Subject"] == "Hi");
  CHECK(m["Text"] == "");
  CHECK(m["HTML"] == "");
  CHECK(m["MessageID"] == "mine@example.com");
  CHECK(m["From"]["Name"] == "");
  // Only Bcc recipients is enough.
  CHECK(f.post("/api/v1/send", R"({"From":{"Email":"a@example.com"},"Bcc":["b@example.com"],"Subject":"x"})")
            .status == 200);
}

TEST_CASE("send rejects bad requests with Mailpit's reasons and stores nothing", "[api]") {
  api_fixture f;
  struct bad {
    std::string body;
    std::string says;
  };
  std::string ok_from = R"("From":{"Email":"a@example.com"},"To":[{"Email":"b@example.com"}],"Subject":"s")";
  for (
      const auto& b : std::vector<bad>{
          {"{", "invalid JSON"},
          {R"({"To":[{"Email":"b@example.com"}],"Subject":"s"})", "From.Email is required"},
          {R"({"From":{"Email":"not an address"},"To":[{"Email":"b@example.com"}],"Subject":"s"})",
           "invalid From address"},
          {R"({"From":{"Email":"a@example.com"},"Subject":"s"})", "no recipients"},
          {R"({"From":{"Email":"a@example.com"},"To":[{"Email":"b@example.com"}]})", "Subject is required"},
          {R"({"From":{"Email":"a@example.com"},"To":[{"Email":"x@y>\r\nRCPT TO:<z@q"}],"Subject":"s"})",
           "invalid To address"},
          {R"({"From":{"Email":"a@example.com"},"Cc":[{"Email":"bad"}],"Subject":"s"})",
           "invalid Cc address"},
          {R"({"From":{"Email":"a@example.com"},"Bcc":["bad"],"Subject":"s"})", "invalid Bcc address"},
          {R"({"From":{"Email":"a@example.com","Name":"x\r\nBcc: victim@example.com"},"To":[{"Email":"b@example.com"}],"Subject":"s"})",
           "line breaks"},
          {R"({"From":{"Email":"a@example.com"},"To":[{"Email":"b@example.com"}],"Subject":"s\r\nX-Injected: 1"})",
           "line breaks"},
          {"{" + ok_from + R"(,"Headers":{"Subject":"x"}})", "cannot overwrite header: \"Subject\""},
          {"{" + ok_from + R"(,"Headers":{"content-type":"text/html"}})", "cannot overwrite header"},
          {"{" + ok_from + R"(,"Tags":["a"],"Headers":{"X-Tags":"b"}})",
           "cannot overwrite header: \"X-Tags\""},
          {"{" + ok_from + R"(,"Headers":{"X-A":"1\r\nBcc: victim@example.com"}})", "line breaks"},
          {"{" + ok_from + R"(,"Headers":{"Bad Name":"1"}})", "invalid header name"},
          {"{" + ok_from + R"(,"Headers":{"X-A":1}})", "Headers.X-A must be a string"},
          {"{" + ok_from + R"(,"Attachments":[{"Content":"!!!","Filename":"a.bin"}]})",
           "error decoding base64 attachment \"a.bin\""},
          {"{" + ok_from + R"(,"Attachments":[{"Content":"aGk=","Filename":"a\r\nb"}]})",
           "invalid attachment file name"},
          {"{" + ok_from + R"(,"Attachments":[{"Content":"aGk=","ContentType":"text/plain\r\nX: y"}]})",
           "invalid attachment content type"},
          {"{" + ok_from + R"(,"Attachments":[{"Content":"aGk=","ContentID":"a b"}]})",
           "invalid attachment ContentID"},
          {"{" + ok_from + R"(,"Attachments":"x"})", "Attachments must be an array"},
          {"{" + ok_from + R"(,"To":"b@example.com"})", "To must be an array"},
          {R"({"From":"a@example.com","To":[{"Email":"b@example.com"}],"Subject":"s"})",
           "From must be an object"}}) {
    auto r = f.post("/api/v1/send", b.body);
    INFO(b.body);
    INFO(r.body);
    CHECK(r.status == 400);
    CHECK(r.body.find(b.says) != std::string::npos);
  }
  CHECK(f.sent.empty());
  CHECK(f.box.size() == 0);
}

TEST_CASE("send: size limit (413) and a store failure (500)", "[api]") {
  auto cfg = api_fixture::default_settings();
  cfg.max_message_size = 2000;
  api_fixture f(nullptr, cfg);
  std::string big(3000, 'x');
  auto r = f.post("/api/v1/send", json{{"From", {{"Email", "a@example.com"}}},
                                       {"To", {{{"Email", "b@example.com"}}}},
                                       {"Subject", "s"},
                                       {"Text", big}}
                                      .dump());
  CHECK(r.status == 413);
  // The request fits but the encoded message does not.
  auto enc = f.post("/api/v1/send", json{{"From", {{"Email", "a@example.com"}}},
                                         {"To", {{{"Email", "b@example.com"}}}},
                                         {"Subject", "s"},
                                         {"Text", repeat("\xc3\xa9", 600)}}
                                        .dump());
  CHECK(enc.status == 413);
  CHECK(f.sent.empty());

  f.fail_send = true;
  auto fail = f.post("/api/v1/send",
                     R"({"From":{"Email":"a@example.com"},"To":[{"Email":"b@example.com"}],"Subject":"s"})");
  CHECK(fail.status == 500);
  CHECK(fail.body.find("disk full") != std::string::npos);
}

TEST_CASE("plausible_email", "[api]") {
  CHECK(api::plausible_email("a@example.com"));
  CHECK(api::plausible_email("first.last+tag@sub.example.co"));
  CHECK(api::plausible_email("j\xc3\xbcrgen@example.com"));
  for (const char* bad : {"", "a", "@example.com", "a@", "a b@example.com", "a@example.com>",
                          "<a@example.com", "a@exa\nmple.com", "a,b@example.com", "\"a\"@example.com"})
    CHECK_FALSE(api::plausible_email(bad));
}
