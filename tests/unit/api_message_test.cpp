// Mailpit v1 single-message endpoints over the fake mailbox: the message, headers, raw source,
// parts (download headers), the /view pages, `latest`, release, checks.
#include <catch2/catch.hpp>

#include "api/mime_encoding.hpp"
#include "support/api_fixture.hpp"
#include "support/samples.hpp"

using namespace mailjar;
using mailjar::testing::api_fixture;
using mailjar::testing::read_sample;
using json = nlohmann::json;

namespace {

const char* full_message =
    "Return-Path: <bounce@example.com>\r\n"
    "From: \"Ann Example\" <ann@example.com>\r\n"
    "To: Bob <bob@example.com>, carol@example.com\r\n"
    "Cc: dave@example.com\r\n"
    "Reply-To: replies@example.com\r\n"
    "Subject: =?UTF-8?B?SGVsbG8gd8O2cmxk?=\r\n"
    "Date: Tue, 11 Jun 2024 09:00:00 +0000\r\n"
    "Message-ID: <full@example.com>\r\n"
    "List-Unsubscribe: <mailto:unsub@example.com>, <https://example.com/unsub>\r\n"
    "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
    "X-Tags: one, two\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: text/plain; charset=utf-8\r\n"
    "\r\n"
    "Body text\r\n";

const char* odd_parts =
    "From: a@example.com\r\n"
    "To: b@example.com\r\n"
    "Subject: odd parts\r\n"
    "MIME-Version: 1.0\r\n"
    "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
    "\r\n"
    "--b1\r\n"
    "Content-Type: text/plain\r\n"
    "\r\n"
    "see attachments\r\n"
    "--b1\r\n"
    "Content-Type: text/html; charset=utf-8\r\n"
    "Content-Disposition: attachment; filename=\"../../evil \\\"quoted\\\".html\"\r\n"
    "\r\n"
    "<script>alert(1)</script>\r\n"
    "--b1\r\n"
    "Content-Type: image/svg+xml\r\n"
    "Content-Disposition: attachment; filename*=UTF-8''r%C3%A9sum%C3%A9%0D%0AX-Bad%3A%201.svg\r\n"
    "\r\n"
    "<svg onload=\"alert(1)\"/>\r\n"
    "--b1--\r\n";

}  // namespace

TEST_CASE("GET /api/v1/message/{ID} returns Mailpit's Message and marks it read", "[api]") {
  api_fixture f;
  envelope env;
  env.mail_from = "bounce@example.com";
  env.rcpt_to = {"bob@example.com", "secret@example.com"};
  env.auth_user = "alice";
  env.client_addr = "127.0.0.1:40000";
  env.helo = "client.example";
  env.tls = "TLSv1.3 TLS_AES_256_GCM_SHA384";
  std::string id = f.box.add(full_message, env);

  auto r = f.get("/api/v1/message/" + id);
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "application/json");
  json m = api_fixture::json_of(r);
  CHECK(m.size() == 20);  // Mailpit's 18 fields + mailjar's Envelope and ParseWarnings
  CHECK(m["ID"] == id);
  CHECK(m["MessageID"] == "full@example.com");
  CHECK(m["From"] == json({{"Name", "Ann Example"}, {"Address", "ann@example.com"}}));
  CHECK(m["To"] == json::array({{{"Name", "Bob"}, {"Address", "bob@example.com"}},
                                {{"Name", ""}, {"Address", "carol@example.com"}}}));
  CHECK(m["Cc"] == json::array({{{"Name", ""}, {"Address", "dave@example.com"}}}));
  CHECK(m["Bcc"] == json::array({{{"Name", ""}, {"Address", "secret@example.com"}}}));
  CHECK(m["ReplyTo"] == json::array({{{"Name", ""}, {"Address", "replies@example.com"}}}));
  CHECK(m["ReturnPath"] == "bounce@example.com");
  CHECK(m["Subject"] == "Hello w\xc3\xb6rld");
  CHECK(m["Date"].get<std::string>().rfind("2024-06-11T", 0) == 0);
  CHECK(m["Tags"] == json::array({"one", "two"}));
  CHECK(m["Username"] == "alice");
  CHECK(m["Text"].get<std::string>().find("Body text") == 0);
  CHECK(m["HTML"] == "");
  CHECK(m["Size"] == std::string(full_message).size());
  CHECK(m["Inline"] == json::array());
  CHECK(m["Attachments"] == json::array());
  CHECK(m["ListUnsubscribe"] == json({{"Header", "<mailto:unsub@example.com>, <https://example.com/unsub>"},
                                      {"Links", {"mailto:unsub@example.com", "https://example.com/unsub"}},
                                      {"Errors", ""},
                                      {"HeaderPost", "List-Unsubscribe=One-Click"}}));
  const json& e = m["Envelope"];
  CHECK(e["MailFrom"] == "bounce@example.com");
  CHECK(e["RcptTo"] == json::array({"bob@example.com", "secret@example.com"}));
  CHECK(e["ClientAddress"] == "127.0.0.1:40000");
  CHECK(e["Helo"] == "client.example");
  CHECK(e["TLS"] == "TLSv1.3 TLS_AES_256_GCM_SHA384");
  CHECK(e["AuthUser"] == "alice");
  CHECK(e["SMTPUTF8"] == false);
  CHECK(e["Received"].is_string());
  CHECK(m["ParseWarnings"] == json::array());

  CHECK(f.box.is_read(id));
  CHECK(f.sink.log() == std::vector<std::string>{"read:" + id});
  f.get("/api/v1/message/" + id);
  CHECK(f.sink.log().size() == 1);  // already read: no second event
}

TEST_CASE("Message fallbacks: no List-Unsubscribe, Date from reception, ReturnPath from the envelope",
          "[api]") {
  api_fixture f;
  envelope env;
  env.mail_from = "env-sender@example.com";
  env.received_ms = 1'700'000'000'123;
  std::string id = f.box.add("From: x@example.com\r\nSubject: s\r\n\r\nb\r\n", env);
  json m = api_fixture::json_of(f.get("/api/v1/message/" + id));
  CHECK(m["ListUnsubscribe"] ==
        json({{"Header", ""}, {"Links", json::array()}, {"Errors", ""}, {"HeaderPost", ""}}));
  CHECK(m["ReturnPath"] == "env-sender@example.com");
  CHECK(m["Date"].get<std::string>().substr(0, 10) >= "2023-11-14");
  CHECK(m["Date"].get<std::string>().find(".123") == 19);

  std::string id2 = f.box.add("From: only@example.com\r\nSubject: s\r\n\r\nb\r\n");
  CHECK(api_fixture::json_of(f.get("/api/v1/message/" + id2))["ReturnPath"] == "only@example.com");
}

TEST_CASE("attachments and inline parts with checksums", "[api]") {
  api_fixture f;
  std::string id = f.box.add(read_sample("mixed_attachments.eml"));
  json m = api_fixture::json_of(f.get("/api/v1/message/" + id));
  REQUIRE(m["Attachments"].size() == 2);
  const json& pdf = m["Attachments"][0];
  CHECK(pdf["PartID"] == "2");
  CHECK(pdf["FileName"] == "report.pdf");
  CHECK(pdf["ContentType"] == "application/pdf");
  CHECK(pdf["ContentID"] == "");
  CHECK(pdf["Size"].is_number_unsigned());
  CHECK(pdf["Checksums"]["MD5"].get<std::string>().size() == 32);
  CHECK(pdf["Checksums"]["SHA1"].get<std::string>().size() == 40);
  CHECK(pdf["Checksums"]["SHA256"].get<std::string>().size() == 64);
  CHECK(m["Attachments"][1]["PartID"] == "3");
  CHECK(m["HTML"].get<std::string>().find("<b>attached</b>") != std::string::npos);

  std::string rel = f.box.add(read_sample("related_inline_image.eml"));
  json r = api_fixture::json_of(f.get("/api/v1/message/" + rel));
  REQUIRE(r["Inline"].size() == 1);
  CHECK(r["Inline"][0]["ContentID"] == "logo@example.com");
  CHECK(r["Inline"][0]["FileName"] == "logo.png");
  CHECK(r["Attachments"] == json::array());
}

TEST_CASE("IDs: latest, latest?query=, malformed (400) and unknown (404)", "[api]") {
  api_fixture f;
  CHECK(f.get("/api/v1/message/latest").status == 404);
  std::string a = f.box.add("Subject: alpha\r\n\r\nx\r\n");
  std::string b = f.box.add("Subject: beta\r\n\r\nx\r\n");
  CHECK(api_fixture::json_of(f.get("/api/v1/message/latest"))["ID"] == b);
  CHECK(api_fixture::json_of(f.get("/api/v1/message/latest", {{"query", "subject:alpha"}}))["ID"] == a);
  CHECK(f.get("/api/v1/message/latest", {{"query", "subject:nothing"}}).status == 404);
  CHECK(f.get("/api/v1/message/latest", {{"query", "bad:x"}}).status == 400);
  CHECK(api_fixture::json_of(f.get("/api/v1/message/latest/headers")).contains("Subject"));
  CHECK(f.get("/api/v1/message/latest/raw").body == "Subject: beta\r\n\r\nx\r\n");

  auto bad = f.get("/api/v1/message/not-an-id");
  CHECK(bad.status == 400);
  CHECK(bad.body == "invalid message ID");
  CHECK(f.get("/api/v1/message/" + std::string(22, '!')).status == 400);
  auto unknown = f.get("/api/v1/message/" + std::string(22, 'A'));
  CHECK(unknown.status == 404);
  CHECK(unknown.body == "Message not found");
  CHECK(f.get("/api/v1/message/" + std::string(22, 'A') + "/headers").status == 404);
  CHECK(f.get("/api/v1/message/" + std::string(22, 'A') + "/raw").status == 404);
  CHECK(f.get("/api/v1/message/" + std::string(22, 'A') + "/part/1").status == 404);
}

TEST_CASE("GET /headers: canonical names, values in order, invalid UTF-8 replaced", "[api]") {
  api_fixture f;
  std::string id = f.box.add(
      "Received: from a\r\nReceived: from b\r\nmessage-ID: <x@y>\r\nMIME-Version: 1.0\r\n"
      "X-Weird: caf\xe9 \xff\r\nSubject: s\r\n\r\nbody\r\n");
  auto r = f.get("/api/v1/message/" + id + "/headers");
  REQUIRE(r.status == 200);
  json h = api_fixture::json_of(r);  // throws if not valid JSON / UTF-8
  CHECK(h["Received"] == json::array({"from a", "from b"}));
  CHECK(h["Message-Id"] == json::array({"<x@y>"}));
  CHECK(h["Mime-Version"] == json::array({"1.0"}));
  CHECK(h["Subject"] == json::array({"s"}));
  REQUIRE(h.contains("X-Weird"));
  CHECK(h["X-Weird"][0].get<std::string>().find("caf") == 0);
  for (auto& [k, v] : h.items()) CHECK(v.is_array());
}

TEST_CASE("GET /raw: the exact bytes; dl=1 downloads <ID>.eml", "[api]") {
  api_fixture f;
  std::string raw = "Subject: raw\r\nX-Bin: \x01\x02\xff\r\n\r\nline\r\n.dot\r\n\r\n";
  std::string id = f.box.add(raw);
  auto r = f.get("/api/v1/message/" + id + "/raw");
  CHECK(r.status == 200);
  CHECK(r.body == raw);
  CHECK(r.content_type == "text/plain; charset=utf-8");
  CHECK(api_fixture::header(r, "X-Content-Type-Options") == "nosniff");
  CHECK(api_fixture::header(r, "Content-Disposition").empty());
  auto dl = f.get("/api/v1/message/" + id + "/raw", {{"dl", "1"}});
  CHECK(api_fixture::header(dl, "Content-Disposition") ==
        "attachment; filename=\"" + id + ".eml\"; filename*=UTF-8''" + id + ".eml");
  CHECK_FALSE(f.box.is_read(id));  // only the message view marks read
}

TEST_CASE("GET /part/{PartID}: decoded bytes, images inline, the rest as attachments", "[api]") {
  api_fixture f;
  std::string mixed = f.box.add(read_sample("mixed_attachments.eml"));
  auto pdf = f.get("/api/v1/message/" + mixed + "/part/2");
  REQUIRE(pdf.status == 200);
  CHECK(pdf.content_type == "application/pdf");
  CHECK(pdf.body.rfind("%PDF-1.4", 0) == 0);
  CHECK(api_fixture::header(pdf, "Content-Disposition") ==
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
  CHECK(api_fixture::header(pdf, "X-Content-Type-Options") == "nosniff");
  CHECK(f.get("/api/v1/message/" + mixed + "/part/3").body.size() == 3000);
  CHECK(f.get("/api/v1/message/" + mixed + "/part/9").status == 404);
  CHECK(f.get("/api/v1/message/" + mixed + "/part/2.x").status == 400);
  CHECK(f.get("/api/v1/message/" + mixed + "/part/..").status == 400);

  std::string rel = f.box.add(read_sample("related_inline_image.eml"));
  auto png = f.get("/api/v1/message/" + rel + "/part/2");
  REQUIRE(png.status == 200);
  CHECK(png.content_type == "image/png");
  CHECK(png.body.rfind("\x89PNG", 0) == 0);
  CHECK(api_fixture::header(png, "Content-Disposition").rfind("inline; filename=\"logo.png\"", 0) == 0);
  auto thumb = f.get("/api/v1/message/" + rel + "/part/2/thumb");
  CHECK(thumb.status == 200);
  CHECK(thumb.body == png.body);
  CHECK(f.get("/api/v1/message/" + mixed + "/part/2/thumb").status == 404);  // not an image
}

TEST_CASE("hostile parts: HTML and SVG never served as such, odd file names made safe", "[api]") {
  api_fixture f;
  std::string id = f.box.add(odd_parts);
  auto html = f.get("/api/v1/message/" + id + "/part/2");
  REQUIRE(html.status == 200);
  CHECK(html.content_type == "application/octet-stream");
  std::string cd = api_fixture::header(html, "Content-Disposition");
  CHECK(cd.rfind("attachment; ", 0) == 0);
  CHECK(cd.find('/') == std::string::npos);
  CHECK(cd.find("\r") == std::string::npos);
  CHECK(cd == "attachment; filename=\"_.._evil _quoted_.html\"; filename*=UTF-8''_.._evil%20_quoted_.html");
  CHECK(api_fixture::header(html, "Content-Security-Policy").find("sandbox") != std::string::npos);

  auto svg = f.get("/api/v1/message/" + id + "/part/3");
  REQUIRE(svg.status == 200);
  CHECK(svg.content_type == "application/octet-stream");
  std::string scd = api_fixture::header(svg, "Content-Disposition");
  CHECK(scd.find('\r') == std::string::npos);
  CHECK(scd.find('\n') == std::string::npos);
  CHECK(scd.find("r%C3%A9sum%C3%A9X-Bad_%201.svg") != std::string::npos);
}

TEST_CASE("GET /view/{ID}.html rewrites cid: URLs and sandboxes the page", "[api]") {
  auto cfg = api_fixture::default_settings();
  cfg.webroot = "/mail/";
  api_fixture f(nullptr, cfg);
  std::string id = f.box.add(read_sample("related_inline_image.eml"));
  auto r = f.get("/view/" + id + ".html");
  REQUIRE(r.status == 200);
  CHECK(r.content_type == "text/html; charset=utf-8");
  CHECK(r.body.find("src=\"/mail/api/v1/message/" + id + "/part/2\"") != std::string::npos);
  CHECK(r.body.find("cid:") == std::string::npos);
  std::string csp = api_fixture::header(r, "Content-Security-Policy");
  CHECK(csp.find("default-src 'none'") != std::string::npos);
  CHECK(csp.find("sandbox") != std::string::npos);
  CHECK(csp.find("script-src") == std::string::npos);
  CHECK_FALSE(f.box.is_read(id));

  auto latest = f.get("/view/latest.html");
  CHECK(latest.status == 200);
  CHECK(latest.body == r.body);

  std::string plain = f.box.add("Subject: t\r\n\r\nJust <b>text</b>\r\n");
  auto none = f.get("/view/" + plain + ".html");
  CHECK(none.status == 404);
  CHECK(none.body == "This message does not contain a HTML part");
  auto txt = f.get("/view/" + plain + ".txt");
  CHECK(txt.status == 200);
  CHECK(txt.content_type.rfind("text/plain", 0) == 0);
  CHECK(txt.body.find("Just <b>text</b>") == 0);
  CHECK(f.get("/view/latest.txt").body == txt.body);
  CHECK(f.get("/view/bogus.txt").status == 400);
}

TEST_CASE("GET /view/latest redirects to the newest message's page", "[api]") {
  api_fixture f;
  auto empty = f.get("/view/latest");
  CHECK(empty.status == 302);
  CHECK(api_fixture::header(empty, "Location") == "/");
  std::string id = f.box.add("Subject: t\r\n\r\nx\r\n");
  auto r = f.get("/view/latest");
  CHECK(r.status == 302);
  CHECK(api_fixture::header(r, "Location") == "/view/" + id);
}

TEST_CASE("release answers a clear 400 until it is configured; checks are not available", "[api]") {
  api_fixture f;
  std::string id = f.box.add("Subject: t\r\n\r\nx\r\n");
  auto r = f.post("/api/v1/message/" + id + "/release", R"({"To":["x@example.com"]})");
  CHECK(r.status == 400);
  CHECK(r.body == "release is not configured");
  CHECK(f.post("/api/v1/message/" + id + "/release", "{bad").status == 400);
  CHECK(f.post("/api/v1/message/" + std::string(22, 'Z') + "/release", R"({"To":[]})").status == 404);
  auto link = f.get("/api/v1/message/" + id + "/link-check");
  CHECK(link.status == 400);
  CHECK(link.body.find("never fetches") != std::string::npos);
  CHECK(f.get("/api/v1/message/" + id + "/html-check").status == 400);
  CHECK(f.get("/api/v1/message/latest/sa-check").status == 400);
}

TEST_CASE("HEAD /api/v1/message/{ID} answers like GET without marking the message read", "[api]") {
  api_fixture f;
  std::string id = f.box.add(full_message, envelope{});
  auto head = f.call(api_fixture::make("HEAD", "/api/v1/message/" + id));
  CHECK(head.status == 200);
  CHECK_FALSE(f.box.is_read(id));
  CHECK(f.sink.log().empty());
  REQUIRE(f.get("/api/v1/message/" + id).status == 200);
  CHECK(f.box.is_read(id));
}
