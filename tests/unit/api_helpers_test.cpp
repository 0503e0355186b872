// Pure helpers of the API: header names, List-Unsubscribe, download headers, cid rewriting,
// time formatting and zones, body decoding, MIME encoders (paging: api_paging_test.cpp).
#include <catch2/catch.hpp>

#include <cstdlib>

#include "api/cid_rewrite.hpp"
#include "api/content_disposition.hpp"
#include "api/dto_requests.hpp"
#include "api/json_body.hpp"
#include "api/json_reply.hpp"
#include "api/list_unsubscribe.hpp"
#include "api/mail_headers.hpp"
#include "api/mime_encoding.hpp"
#include "api/paging.hpp"
#include "api/percent_decode.hpp"
#include "api/time_format.hpp"
#include "api/time_zone.hpp"
#include "mime/parser.hpp"

using namespace mailjar;
using namespace mailjar::api;

TEST_CASE("header names are canonicalised as Go's textproto does", "[api]") {
  CHECK(canonical_header_key("message-id") == "Message-Id");
  CHECK(canonical_header_key("MIME-Version") == "Mime-Version");
  CHECK(canonical_header_key("x-MAILER") == "X-Mailer");
  CHECK(canonical_header_key("DKIM-Signature") == "Dkim-Signature");
  CHECK(canonical_header_key("content--type") == "Content--Type");
  // Names with bytes outside tchar stay as they are.
  CHECK(canonical_header_key("bad name") == "bad name");
  CHECK(canonical_header_key("x-caf\xc3\xa9") == "x-caf\xc3\xa9");
}

TEST_CASE("headers are grouped by canonical name in message order, values trimmed", "[api]") {
  std::vector<header_field> f = {{"Received", " from a "}, {"received", "from b"}, {"SUBJECT", "Hi"}};
  auto g = group_headers(f);
  REQUIRE(g.size() == 2);
  CHECK(g["Received"] == std::vector<std::string>{"from a", "from b"});
  CHECK(g["Subject"] == std::vector<std::string>{"Hi"});
  CHECK(find_header(f, "RECEIVED").value() == "from a");
  CHECK_FALSE(find_header(f, "Date").has_value());
}

TEST_CASE("List-Unsubscribe is checked as Mailpit does", "[api]") {
  auto ok = check_list_unsubscribe("<mailto:unsub@example.com?subject=x>, <https://example.com/u?id=1>");
  CHECK(ok.errors.empty());
  CHECK(ok.links ==
        std::vector<std::string>{"mailto:unsub@example.com?subject=x", "https://example.com/u?id=1"});

  auto comment = check_list_unsubscribe("<https://example.com/u> (Unsubscribe)");
  CHECK(comment.errors.empty());
  CHECK(comment.links.size() == 1);

  auto none = check_list_unsubscribe("https://example.com/u");
  CHECK(none.links.empty());
  CHECK(none.errors.find("no valid unsubscribe links found") != std::string::npos);

  auto unwrapped = check_list_unsubscribe("see <https://example.com/u>");
  CHECK(unwrapped.errors.find("should be enclosed in <>") != std::string::npos);

  auto three = check_list_unsubscribe("<mailto:a@x>, <https://a>, <https://b>");
  CHECK(three.links.empty());
  CHECK(three.errors.find("maximum of one email and one HTTP link") != std::string::npos);

  auto badsep = check_list_unsubscribe("<mailto:a@x> or <https://a>");
  CHECK(badsep.errors.find("split with a comma") != std::string::npos);

  auto two_http = check_list_unsubscribe("<https://a.example>, <http://b.example>");
  CHECK(two_http.links == std::vector<std::string>{"https://a.example"});
  CHECK(two_http.errors.find("should only contain one HTTP link") != std::string::npos);

  auto scheme = check_list_unsubscribe("<ftp://x.example>");
  CHECK(scheme.links.empty());
  CHECK(scheme.errors.find("http(s):// or mailto:") != std::string::npos);

  auto spaces = check_list_unsubscribe("<https://x.example/a b>");
  CHECK(spaces.errors.find("should not contain spaces") != std::string::npos);
}

TEST_CASE("file names from mail are made safe for Content-Disposition", "[api]") {
  CHECK(safe_file_name("report.pdf", "x") == "report.pdf");
  CHECK(safe_file_name("../../etc/passwd", "x") == "_.._etc_passwd");
  CHECK(safe_file_name("C:\\Windows\\evil.exe", "x") == "C__Windows_evil.exe");
  CHECK(safe_file_name("a\r\nContent-Type: text/html\r\n.txt", "x") == "aContent-Type_ text_html.txt");
  CHECK(safe_file_name("say \"hi\".txt", "x") == "say _hi_.txt");
  CHECK(safe_file_name(std::string("\x00\x01", 2), "fallback") == "fallback");
  CHECK(safe_file_name("...", "fallback") == "fallback");
  CHECK(safe_file_name("na\xefve.txt", "x") == "na_ve.txt");  // invalid UTF-8 byte
  CHECK(safe_file_name("r\xc3\xa9sum\xc3\xa9.pdf", "x") == "r\xc3\xa9sum\xc3\xa9.pdf");
  CHECK(safe_file_name(std::string(500, 'a'), "x").size() == 200);
}

TEST_CASE("Content-Disposition carries an ASCII fallback and an RFC 8187 name", "[api]") {
  CHECK(content_disposition("attachment", "report.pdf") ==
        "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf");
  auto cd = content_disposition("attachment", "r\xc3\xa9sum\xc3\xa9 (1).pdf");
  CHECK(cd == "attachment; filename=\"r_sum_ (1).pdf\"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%281%29.pdf");
  auto pct = content_disposition("inline", "100%.png");
  CHECK(pct == "inline; filename=\"100_.png\"; filename*=UTF-8''100%25.png");
  // Whatever the input, the header never contains CR, LF or an unescaped quote inside the name.
  auto odd = content_disposition("attachment", safe_file_name("x\"\r\ny\\z", "f"));
  CHECK(odd.find('\r') == std::string::npos);
  CHECK(odd.find('\n') == std::string::npos);
  CHECK(odd == "attachment; filename=\"x_y_z\"; filename*=UTF-8''x_y_z");
}

TEST_CASE("parts are never served as active content", "[api]") {
  auto png = deliver_part("image/png", "");
  CHECK(png.inline_ok);
  CHECK(png.content_type == "image/png");
  for (const char* t : {"text/html", "application/xhtml+xml", "image/svg+xml", "text/xml",
                        "application/javascript", "text/javascript", "application/xml"}) {
    auto d = deliver_part(t, "utf-8");
    CHECK_FALSE(d.inline_ok);
    CHECK(d.content_type == "application/octet-stream");
  }
  auto txt = deliver_part("text/plain", "iso-8859-1");
  CHECK_FALSE(txt.inline_ok);
  CHECK(txt.content_type == "text/plain; charset=iso-8859-1");
  CHECK(deliver_part("text/plain", "x\r\nSet-Cookie: a").content_type == "text/plain");
  CHECK(deliver_part("application/pdf", "").content_type == "application/pdf");
  CHECK(deliver_part("garbage", "").content_type == "application/octet-stream");
  CHECK(deliver_part("text/plain\r\nX: y", "").content_type == "application/octet-stream");
}

TEST_CASE("cid: URLs are rewritten to part URLs", "[api]") {
  std::map<std::string, std::string> by_cid = {{"logo@example.com", "/api/v1/message/ID/part/2"},
                                               {"Photo 1", "/api/v1/message/ID/part/3"}};
  CHECK(rewrite_cid_urls("<img src=\"cid:logo@example.com\">", by_cid) ==
        "<img src=\"/api/v1/message/ID/part/2\">");
  CHECK(rewrite_cid_urls("<img src='CID:LOGO@example.com'>", by_cid) ==
        "<img src='/api/v1/message/ID/part/2'>");
  CHECK(rewrite_cid_urls("<img src=cid:logo@example.com alt=x>", by_cid) ==
        "<img src=/api/v1/message/ID/part/2 alt=x>");
  CHECK(rewrite_cid_urls("<div style=\"background:url(cid:logo@example.com)\">", by_cid) ==
        "<div style=\"background:url(/api/v1/message/ID/part/2)\">");
  CHECK(rewrite_cid_urls("<img src=\"cid:Photo%201\">", by_cid) == "<img src=\"/api/v1/message/ID/part/3\">");
  // Unknown cids and text that merely contains "cid:" stay as they are.
  CHECK(rewrite_cid_urls("<img src=\"cid:unknown\">", by_cid) == "<img src=\"cid:unknown\">");
  CHECK(rewrite_cid_urls("acid:logo@example.com", by_cid) == "acid:logo@example.com");
  CHECK(rewrite_cid_urls("", by_cid).empty());
  CHECK(rewrite_cid_urls("cid:", by_cid) == "cid:");
  // A malformed escape in a cid stays as written (the rest still decodes).
  by_cid["50%"] = "/api/v1/message/ID/part/4";
  CHECK(rewrite_cid_urls("<img src=\"cid:50%25\"> <img src=\"cid:50%\">", by_cid) ==
        "<img src=\"/api/v1/message/ID/part/4\"> <img src=\"/api/v1/message/ID/part/4\">");
}

TEST_CASE("percent-decoding is strict for request targets and lenient for cid references", "[api]") {
  CHECK(api::percent_decode("a%20b%2Fc%c3%A9") == std::optional<std::string>("a b/c\xC3\xA9"));
  CHECK(api::percent_decode("a+b") == std::optional<std::string>("a+b"));
  CHECK(api::percent_decode("a+b", {.plus_is_space = true}) == std::optional<std::string>("a b"));
  CHECK(api::percent_decode("%2541") == std::optional<std::string>("%41"));  // decoded once
  for (const char* bad : {"%", "%4", "a%zz", "%G0", "x%0"}) {
    INFO(bad);
    CHECK_FALSE(api::percent_decode(bad).has_value());
    CHECK(api::percent_decode(bad, {.strict = false}) == std::optional<std::string>(bad));
  }
  CHECK(api::percent_decode("%zz%41%", {.strict = false}) == std::optional<std::string>("%zzA%"));
  CHECK(api::percent_decode("") == std::optional<std::string>(""));
}

TEST_CASE("times are RFC 3339 with milliseconds and an offset", "[api]") {
  CHECK(rfc3339_ms(0, 0) == "1970-01-01T00:00:00.000+00:00");
  CHECK(rfc3339_ms(1'700'000'000'123, 0) == "2023-11-14T22:13:20.123+00:00");
  CHECK(rfc3339_ms(1'700'000'000'123, 13 * 60) == "2023-11-15T11:13:20.123+13:00");
  CHECK(rfc3339_ms(1'700'000'000'123, -(5 * 60 + 30)) == "2023-11-14T16:43:20.123-05:30");
  CHECK(rfc3339_ms(-1, 0) == "1969-12-31T23:59:59.999+00:00");
  CHECK(rfc3339_ms(951'782'400'000, 0) == "2000-02-29T00:00:00.000+00:00");
  // Hostile Date headers are clamped into RFC 3339's range.
  CHECK(rfc3339_ms(INT64_MAX, 0) == "9999-12-31T23:59:59.999+00:00");
  CHECK(rfc3339_ms(INT64_MIN, 0) == "0000-01-01T00:00:00.000+00:00");
  CHECK(rfc3339_local(1'700'000'000'123).size() == std::string("2023-11-14T22:13:20.123+00:00").size());
}

TEST_CASE("tz names and offsets become minutes east of UTC", "[api]") {
  std::int64_t jan = 1'704'067'200'000;  // 2024-01-01: summer in New Zealand
  std::int64_t jul = 1'719'792'000'000;  // 2024-07-01
  CHECK(*tz_offset_minutes("UTC", jan) == 0);
  CHECK(*tz_offset_minutes("+13:00", jan) == 780);
  CHECK(*tz_offset_minutes("-0530", jan) == -330);
  CHECK(*tz_offset_minutes("+02", jan) == 120);
  CHECK(*tz_offset_minutes("Pacific/Auckland", jan) == 780);
  CHECK(*tz_offset_minutes("Pacific/Auckland", jul) == 720);
  CHECK(*tz_offset_minutes("America/Chicago", jan) == -360);
  CHECK(*tz_offset_minutes("Asia/Kolkata", jul) == 330);
  for (const char* bad :
       {"Nowhere/City", "../../etc/passwd", "/etc/localtime", "Europe/../../etc", "+25:00", "a b"}) {
    auto r = tz_offset_minutes(bad, jan);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == error_kind::bad_request);
    CHECK(r.error().message.find("unknown time zone") == 0);
  }
  int off = 0;
  CHECK_FALSE(tzif_offset("not a tzif file", 0, off));
  CHECK_FALSE(tzif_offset(std::string("TZif2") + std::string(60, '\xff'), 0, off));
}

TEST_CASE("request bodies decode strictly with Go-like field matching", "[api]") {
  auto body = [](std::string b) {
    request r;
    r.body = std::move(b);
    r.has_body = !r.body.empty();
    return r;
  };
  auto ok = decode_body<set_read_request>(body(R"({"IDs":["a","b"],"Read":true,"Search":""})"));
  REQUIRE(ok.ok());
  CHECK(ok->ids == std::vector<std::string>{"a", "b"});
  CHECK(ok->read);
  auto ci = decode_body<set_read_request>(body(R"({"ids":["a"],"read":true,"unknown":1})"));
  REQUIRE(ci.ok());
  CHECK(ci->ids.size() == 1);
  CHECK(ci->read);
  auto nulls = decode_body<set_read_request>(body(R"({"IDs":null,"Read":null})"));
  REQUIRE(nulls.ok());
  CHECK(nulls->ids.empty());

  struct bad_case {
    std::string body;
    std::string says;
  };
  for (const auto& b :
       std::vector<bad_case>{{"", "empty"},
                             {"{", "invalid JSON"},
                             {"[1,2]", "must be an object"},
                             {R"({"IDs":"abc"})", "IDs must be an array"},
                             {R"({"IDs":[1]})", "IDs must be an array of strings"},
                             {R"({"Read":"yes"})", "Read must be a boolean"},
                             {R"({"Search":5})", "Search must be a string"},
                             {std::string(100, '[') + std::string(100, ']'), "nested too deeply"},
                             {"{\"IDs\":[\"\xff\"]}", "invalid JSON"}}) {
    auto r = decode_body<set_read_request>(body(b.body));
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().kind == error_kind::bad_request);
    INFO(r.error().message);
    CHECK(r.error().message.find(b.says) != std::string::npos);
  }
}

TEST_CASE("JSON replies replace invalid UTF-8", "[api]") {
  json j = {{"Subject", std::string("caf\xc3\xa9 \xff\xfe end")}};
  std::string out = dump_utf8(j);
  CHECK(out == "{\"Subject\":\"caf\xc3\xa9 \xef\xbf\xbd\xef\xbf\xbd end\"}");
  CHECK_NOTHROW(json::parse(out));
}

TEST_CASE("MIME encoders produce 7-bit text that decodes back", "[api]") {
  std::string text =
      "Gr\xc3\xbc\xc3\x9f"
      "e = 100%\nline two with trailing space \nend\t";
  std::string qp = quoted_printable(text);
  std::string flat = qp;
  flat.erase(std::remove_if(flat.begin(), flat.end(), [](char c) { return c == '\r' || c == '\n'; }),
             flat.end());
  CHECK(is_ascii_printable(flat));
  CHECK(mime::decode_content(qp, "quoted-printable") ==
        "Gr\xc3\xbc\xc3\x9f"
        "e = 100%\r\nline two with trailing space \r\nend\t");
  std::string long_line(300, 'x');
  std::string qpl = quoted_printable(long_line);
  for (std::size_t pos = 0, nl; (nl = qpl.find("\r\n", pos)) != std::string::npos; pos = nl + 2)
    CHECK(nl - pos <= 76);
  CHECK(mime::decode_content(qpl, "quoted-printable") == long_line);

  std::string bin;
  for (int i = 0; i < 256; ++i) bin += static_cast<char>(i);
  std::string b64 = base64_lines(bin);
  CHECK(mime::decode_content(b64, "base64") == bin);
  CHECK(decode_base64_content("data:image/png;base64,aGVsbG8=").value() == "hello");
  CHECK(decode_base64_content("aGVs\r\nbG8").value() == "hello");  // whitespace, no padding
  CHECK_FALSE(decode_base64_content("a").has_value());
  CHECK_FALSE(decode_base64_content("!!!!").has_value());

  CHECK(encode_header_text("Plain subject") == "Plain subject");
  std::string enc = encode_header_text(std::string(40, 'a') + "\xe2\x9c\x93 " + std::string(40, '\xc3'));
  CHECK(enc.rfind("=?UTF-8?B?", 0) == 0);
  CHECK(format_address("", "a@x.example") == "a@x.example");
  CHECK(format_address("Ann Lee", "a@x.example") == "Ann Lee <a@x.example>");
  CHECK(format_address("Lee, Ann", "a@x.example") == "\"Lee, Ann\" <a@x.example>");
  CHECK(format_address("say \"hi\"", "a@x.example") == "\"say \\\"hi\\\"\" <a@x.example>");
  CHECK(format_address("J\xc3\xbcrgen", "j@x.example").rfind("=?UTF-8?B?", 0) == 0);
  CHECK(mime_parameter("filename", "a \"b\".txt") == "filename=\"a \\\"b\\\".txt\"");
  CHECK(mime_parameter("filename", "\xc3\xa9t\xc3\xa9.txt") == "filename*=UTF-8''%C3%A9t%C3%A9.txt");
}
