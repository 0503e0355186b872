// Table-driven tests of mime::parse_message over every file in samples/: concrete
// expectations per sample, plus invariants every parse must hold (valid UTF-8 everywhere,
// part offsets that decode to the recorded size and digests).
#include <catch2/catch.hpp>

#include <algorithm>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "mime/charset.hpp"
#include "mime/digest.hpp"
#include "mime/parser.hpp"
#include "support/samples.hpp"

using mailjar::address;
using mailjar::mime::decode_content;
using mailjar::mime::digest_of;
using mailjar::mime::is_valid_utf8;
using mailjar::mime::parse_message;
using mailjar::mime::parsed_message;
using mailjar::mime::part;
using mailjar::mime::part_role;
using mailjar::testing::read_sample;
using mailjar::testing::sample_names;

namespace {

bool has_warning(const parsed_message& m, std::string_view needle) {
  return std::any_of(m.warnings.begin(), m.warnings.end(),
                     [&](const std::string& w) { return w.find(needle) != std::string::npos; });
}

bool contains(std::string_view hay, std::string_view needle) {
  return hay.find(needle) != std::string_view::npos;
}

std::string header_value(const parsed_message& m, std::string_view name) {
  for (const auto& h : m.headers)
    if (h.name == name) return h.value;
  return "<absent>";
}

// The bytes a part stands for, from wherever the parser put them.
std::string part_bytes(const std::string& raw, const part& p) {
  if (p.in_raw)
    return decode_content(std::string_view(raw).substr(p.raw_offset, p.raw_length), p.transfer_encoding);
  return p.content.value_or("");
}

void check_invariants(const std::string& name, const std::string& raw, const parsed_message& m) {
  INFO("sample " << name);
  CHECK(is_valid_utf8(m.message_id));
  CHECK(is_valid_utf8(m.subject));
  CHECK(is_valid_utf8(m.text));
  CHECK(is_valid_utf8(m.html));
  CHECK(is_valid_utf8(m.html_as_text));
  CHECK(is_valid_utf8(m.snippet));
  CHECK(m.snippet.size() <= 203);
  CHECK(m.text.find('\0') == std::string::npos);
  std::vector<address> all = m.to;
  all.insert(all.end(), m.cc.begin(), m.cc.end());
  all.insert(all.end(), m.bcc.begin(), m.bcc.end());
  all.insert(all.end(), m.reply_to.begin(), m.reply_to.end());
  if (m.from) all.push_back(*m.from);
  for (const auto& a : all) {
    CHECK(is_valid_utf8(a.name));
    CHECK(is_valid_utf8(a.addr));
  }
  for (const auto& h : m.headers) {
    CHECK(is_valid_utf8(h.name));
    CHECK(h.value.find('\n') == std::string::npos);
  }
  for (const auto& w : m.warnings) CHECK(is_valid_utf8(w));
  for (const auto& t : m.tags) CHECK(is_valid_utf8(t));

  std::set<std::string> ids;
  int bodies = 0;
  for (const part& p : m.parts) {
    INFO("part " << p.part_id);
    CHECK(ids.insert(p.part_id).second);
    CHECK(is_valid_utf8(p.file_name));
    CHECK(is_valid_utf8(p.content_type));
    if (p.role == part_role::body) ++bodies;
    if (p.in_raw) {
      REQUIRE(p.raw_offset + p.raw_length <= raw.size());
      CHECK_FALSE(p.content.has_value());
    } else {
      CHECK(p.content.has_value());
    }
    const std::string bytes = part_bytes(raw, p);
    CHECK(bytes.size() == p.size);
    const auto d = digest_of(bytes);
    CHECK(d.md5 == p.md5);
    CHECK(d.sha1 == p.sha1);
    CHECK(d.sha256 == p.sha256);
    CHECK(p.md5.size() == 32);
    CHECK(p.sha1.size() == 40);
    CHECK(p.sha256.size() == 64);
  }
  CHECK(bodies <= 2);
}

struct expected_part {
  std::string id;
  part_role role;
  std::string content_type;
  std::string file_name;
  std::string content_id;
  std::string transfer_encoding;
  std::uint64_t size;
  std::string md5;  // "" = not checked (checked against Python's email module output)
};

void check_parts(const parsed_message& m, const std::vector<expected_part>& want) {
  REQUIRE(m.parts.size() == want.size());
  for (std::size_t i = 0; i < want.size(); ++i) {
    const part& p = m.parts[i];
    const expected_part& w = want[i];
    INFO("part index " << i << " id " << p.part_id);
    CHECK(p.part_id == w.id);
    CHECK(p.role == w.role);
    CHECK(p.content_type == w.content_type);
    CHECK(p.file_name == w.file_name);
    CHECK(p.content_id == w.content_id);
    CHECK(p.transfer_encoding == w.transfer_encoding);
    CHECK(p.size == w.size);
    if (!w.md5.empty()) CHECK(p.md5 == w.md5);
  }
}

constexpr auto body = part_role::body;
constexpr auto inline_part = part_role::inline_part;
constexpr auto attachment = part_role::attachment;

// Digests of the generated payloads (computed independently with Python's hashlib).
const std::string pdf_md5 = "99b1f88007f4338f201e145a76c04cd4";
const std::string pdf_sha256 = "93e31154c364805a3ef8c904bc257f5ef77600c31b67d392704cd6e1e9cd0657";
const std::string bin_md5 = "5078bf6c941ebcbf726f0be2022e6388";
const std::string bin_sha1 = "0b0ed167952a72f303116ed7d80b32b6d3bff27a";
const std::string png_md5 = "02c4278e5dc76862c17c04b3bd51946d";

}  // namespace

TEST_CASE("every sample parses with consistent parts and valid UTF-8", "[mime]") {
  const auto names = sample_names();
  REQUIRE(names.size() >= 20);
  for (const auto& name : names) {
    const std::string raw = read_sample(name);
    const parsed_message m = parse_message(raw);
    check_invariants(name, raw, m);
    CHECK_FALSE(m.parts.empty());
  }
}

TEST_CASE("bare-LF copies of the samples parse to the same structure", "[mime]") {
  for (const auto& name : sample_names()) {
    const std::string crlf = read_sample(name);
    std::string lf;
    for (std::size_t i = 0; i < crlf.size(); ++i)
      if (!(crlf[i] == '\r' && i + 1 < crlf.size() && crlf[i + 1] == '\n')) lf += crlf[i];
    const parsed_message a = parse_message(crlf);
    const parsed_message b = parse_message(lf);
    INFO("sample " << name);
    check_invariants(name + " (LF)", lf, b);
    CHECK(a.subject == b.subject);
    CHECK(a.tags == b.tags);
    REQUIRE(a.parts.size() == b.parts.size());
    for (std::size_t i = 0; i < a.parts.size(); ++i) {
      CHECK(a.parts[i].part_id == b.parts[i].part_id);
      CHECK(a.parts[i].role == b.parts[i].role);
      CHECK(a.parts[i].content_type == b.parts[i].content_type);
      CHECK(a.parts[i].file_name == b.parts[i].file_name);
      if (a.parts[i].transfer_encoding == "base64") CHECK(a.parts[i].sha256 == b.parts[i].sha256);
    }
  }
}

TEST_CASE("plain ASCII message: addresses, ids, date, headers in order", "[mime]") {
  const auto m = parse_message(read_sample("plain_ascii.eml"));
  CHECK(m.message_id == "report-2024-q2@example.com");
  CHECK(m.subject == "Quarterly report is ready");
  REQUIRE(m.date_ms.has_value());
  CHECK(*m.date_ms == 1717406100000);  // 2024-06-03T09:15:00Z
  REQUIRE(m.from.has_value());
  CHECK(*m.from == address{"Alice Example", "alice@example.com"});
  CHECK(m.to == std::vector<address>{{"Bob", "bob@example.net"}, {"", "carol@example.org"}});
  CHECK(m.cc == std::vector<address>{{"Dave, the reviewer", "dave@example.org"}});
  CHECK(m.reply_to == std::vector<address>{{"", "replies@example.com"}});
  CHECK(m.bcc.empty());
  CHECK(m.return_path == "bounce+123@mailer.example.com");
  REQUIRE(m.headers.size() == 12);
  CHECK(m.headers[0].name == "Return-Path");
  CHECK(m.headers[1].name == "Received");
  CHECK(m.headers[1].value ==
        "from client.example.com (client.example.com [192.0.2.10])\tby mx.example.net with ESMTP id 4F2A1; "
        "Mon, 3 "
        "Jun 2024 09:15:02 +0000");
  CHECK(header_value(m, "Subject") == "Quarterly report is ready");
  CHECK(m.headers[10].name == "Content-Type");  // Content-* fields keep their place
  CHECK(m.headers[11].name == "Content-Transfer-Encoding");
  CHECK(m.text ==
        "Hello Bob,\r\n\r\nthe quarterly report is ready.   Numbers are up 12%.\r\n\r\n-- \r\nAlice\r\n");
  CHECK(m.html.empty());
  CHECK(m.snippet == "Hello Bob, the quarterly report is ready. Numbers are up 12%. -- Alice");
  CHECK(m.warnings.empty());
  check_parts(m, {{"1", body, "text/plain", "", "", "7bit", 82, "01eb147666e3f3031cc46ceecf3e04b0"}});
  CHECK(m.parts[0].charset == "us-ascii");
}

TEST_CASE("UTF-8 subject, names and 8bit body", "[mime]") {
  const auto m = parse_message(read_sample("utf8_subject_body.eml"));
  CHECK(m.subject == "Grüße aus München ☕");
  CHECK(*m.from == address{"Renée François", "renee@example.fr"});
  CHECK(m.to == std::vector<address>{{"Иван Петров", "ivan@example.ru"}});
  CHECK(m.text == "Grüße aus München ☕\r\nПривет, мир! こんにちは\r\n");
  CHECK(m.snippet == "Grüße aus München ☕ Привет, мир! こんにちは");
  CHECK(m.warnings.empty());
  check_parts(m, {{"1", body, "text/plain", "", "", "8bit", 65, "f6f0a776c7d945fc9dfa4b5d73bdf01b"}});
}

TEST_CASE("legacy charsets are converted to UTF-8", "[mime]") {
  SECTION("ISO-8859-1 body, Q-encoded subject, raw latin1 display name") {
    const auto m = parse_message(read_sample("iso_8859_1_body.eml"));
    CHECK(m.subject == "Café con leche");
    CHECK(m.text == "Señor Muñoz, el café está listo. ¿Vienes?\r\n");
    CHECK(m.from->name == "José");  // unencoded 8-bit header: fallback charset
    CHECK(has_warning(m, "8-bit"));
    CHECK(m.parts[0].charset == "iso-8859-1");
    CHECK(m.parts[0].size == 43);  // digests are of the original bytes, not the UTF-8 text
  }
  SECTION("windows-1252 punctuation and euro sign") {
    const auto m = parse_message(read_sample("windows_1252_body.eml"));
    CHECK(m.text == "Total: 42 € – “thank you” …\r\n");
    CHECK(m.warnings.empty());
  }
  SECTION("KOI8-R body and encoded words") {
    const auto m = parse_message(read_sample("koi8r_body.eml"));
    CHECK(m.subject == "Тест");
    CHECK(m.from->name == "Иван");
    CHECK(m.text == "Здравствуйте, это тест.\r\n");
  }
  SECTION("Shift_JIS base64 body, ISO-2022-JP subject") {
    const auto m = parse_message(read_sample("shift_jis_body.eml"));
    CHECK(m.subject == "お知らせ");
    CHECK(m.text == "こんにちは、世界。テストです。");
    check_parts(m, {{"1", body, "text/plain", "", "", "base64", 30, "2f5dc32adcfd5f335b596136be6280a8"}});
  }
  SECTION("ISO-2022-JP (7-bit, stateful) body and encoded words") {
    const auto m = parse_message(read_sample("iso_2022_jp_body.eml"));
    CHECK(m.subject == "テスト");
    CHECK(m.from->name == "山田太郎");
    CHECK(m.text == "こんにちは。ISO-2022-JP のテストです。\r\n");
    check_parts(m, {{"1", body, "text/plain", "", "", "7bit", 52, "73f92b048a7ebcd319d025308acb76f0"}});
  }
  SECTION("unlabelled 8-bit text falls back to windows-1252; mislabelled UTF-8 stays UTF-8") {
    const auto m = parse_message(read_sample("unlabelled_8bit.eml"));
    CHECK(m.text == "Café crème brûlée");
    CHECK(m.html == "<p>Straße €</p>");
    CHECK(m.html_as_text == "Straße €");
    CHECK(has_warning(m, "part 1: 8-bit text without a usable charset read as windows-1252"));
  }
  SECTION("HTML charset from <meta> when the part has none") {
    const auto m = parse_message(read_sample("html_only_meta_charset.eml"));
    CHECK(m.text.empty());
    CHECK(contains(m.html, "<h1>Résumé</h1>"));
    CHECK(m.html_as_text == "Résumé Tom & Jerry \"quoted\" été");
    CHECK(m.snippet == "Résumé Tom & Jerry \"quoted\" été");
    check_parts(m, {{"1", body, "text/html", "", "", "", 189, "ffd70bb4d9de4d0c4fc387677f68f0c5"}});
  }
}

TEST_CASE("RFC 2047 encoded words in subject, names and file names", "[mime]") {
  const auto m = parse_message(read_sample("encoded_words.eml"));
  CHECK(m.subject == "Prüfung bestanden ✓");  // whitespace between encoded words dropped
  CHECK(*m.from == address{"Jürgen Müller", "juergen@example.de"});
  CHECK(m.to == std::vector<address>{{"André Pirard", "andre@example.be"}, {"山田", "yamada@example.jp"}});
  CHECK(m.cc == std::vector<address>{{"Zoë", "zoe@example.com"}});
  CHECK(header_value(m, "Subject") ==
        "=?UTF-8?Q?Pr=C3=BCfung?= =?UTF-8?B?IGJlc3RhbmRlbg==?= =?UTF-8?Q?_=E2=9C=93?=");  // raw kept
  check_parts(m, {{"1", body, "text/plain", "", "", "7bit", 15, ""},
                  {"2", attachment, "application/pdf", "Prüfbericht 2024.pdf", "", "base64", 142, pdf_md5}});
  CHECK(m.parts[1].sha256 == pdf_sha256);
  CHECK(m.parts[1].disposition == "attachment");
}

TEST_CASE("RFC 2231 file names with continuations and charsets", "[mime]") {
  const auto m = parse_message(read_sample("rfc2231_filename.eml"));
  check_parts(
      m, {{"1", body, "text/plain", "", "", "", 36, ""},
          {"2", attachment, "application/octet-stream", "€ Rechnung für Straße 12 - a very long name.bin", "",
           "base64", 100, "d6dc71316f75c7c6c8c330a7b977477d"},
          {"3", attachment, "text/plain", "résumé.txt", "", "quoted-printable", 6,
           "d2af6b12f1275692ad0be9fa57435cd7"}});
  CHECK(m.parts[2].charset == "iso-8859-1");
  CHECK(m.text == "Two attachments with RFC 2231 names.");
}

TEST_CASE("multipart/alternative: both bodies, HTML reduced to text", "[mime]") {
  const auto m = parse_message(read_sample("alternative.eml"));
  CHECK(m.text == "Plain version: café & more");
  CHECK(contains(m.html, "<p>HTML version: café &amp; more&nbsp;&lt;b&gt; &#8364;&#x263A;</p>"));
  CHECK(m.html_as_text == "HTML version: café & more <b> €☺ Second line");
  CHECK_FALSE(contains(m.html_as_text, "Ignored title"));
  CHECK_FALSE(contains(m.html_as_text, "not text"));
  CHECK_FALSE(contains(m.html_as_text, "color"));
  CHECK(m.snippet == "Plain version: café & more");
  CHECK(m.warnings.empty());
  check_parts(
      m, {{"1", body, "text/plain", "", "", "quoted-printable", 27, "e24724d23b4d2920ee035cfd9c897af4"},
          {"2", body, "text/html", "", "", "quoted-printable", 276, "0b0d0f5003c0481f6eb284843a0b7f9d"}});
}

TEST_CASE("multipart/mixed with alternative bodies and base64 attachments", "[mime]") {
  const auto m = parse_message(read_sample("mixed_attachments.eml"));
  CHECK(m.text == "Report attached.");
  CHECK(m.html == "<p>Report <b>attached</b>.</p>");
  CHECK(m.html_as_text == "Report attached.");
  check_parts(m, {{"1.1", body, "text/plain", "", "", "", 16, ""},
                  {"1.2", body, "text/html", "", "", "", 30, ""},
                  {"2", attachment, "application/pdf", "report.pdf", "", "base64", 142, pdf_md5},
                  {"3", attachment, "application/octet-stream", "data.bin", "", "base64", 3000, bin_md5}});
  CHECK(m.parts[3].sha1 == bin_sha1);
  CHECK(m.warnings.empty());
}

TEST_CASE("multipart/related with an inline cid image", "[mime]") {
  const auto m = parse_message(read_sample("related_inline_image.eml"));
  CHECK(m.text.empty());
  CHECK(contains(m.html, "cid:logo@example.com"));
  CHECK(m.snippet == "Logo:");
  check_parts(m, {{"1", body, "text/html", "", "", "", 81, ""},
                  {"2", inline_part, "image/png", "logo.png", "logo@example.com", "base64", 70, png_md5}});
  CHECK(m.parts[1].disposition == "inline");
}

TEST_CASE("attached message/rfc822 is one attachment addressed in the raw bytes", "[mime]") {
  const std::string raw = read_sample("attached_message.eml");
  const auto m = parse_message(raw);
  CHECK(m.subject == "Fwd: Original message");
  CHECK(m.text == "See the forwarded message.");  // the inner message's bodies are not ours
  CHECK(m.html.empty());
  REQUIRE(m.parts.size() == 2);
  const part& msg = m.parts[1];
  CHECK(msg.part_id == "2");
  CHECK(msg.role == attachment);
  CHECK(msg.content_type == "message/rfc822");
  CHECK(msg.file_name == "original.eml");
  REQUIRE(msg.in_raw);
  const std::string inner = part_bytes(raw, msg);
  CHECK(inner.rfind("From: Original Sender <orig@example.org>\r\n", 0) == 0);
  REQUIRE(inner.size() >= 15);
  CHECK(inner.substr(inner.size() - 15) ==
        "\r\n--inner-b--\r\n");  // the CRLF before "--fwd-b" is not content
  // The attached message parses on its own.
  const auto again = parse_message(inner);
  CHECK(again.subject == "Original message");
  CHECK(again.text == "Inner plain body.");
  CHECK(again.html == "<p>Inner html body.</p>");
}

TEST_CASE("nested mixed > alternative > related numbering", "[mime]") {
  const auto m = parse_message(read_sample("nested_mixed_alternative_related.eml"));
  check_parts(m, {{"1.1", body, "text/plain", "", "", "", 18, "756f5446e33cecfd941d0379a60eb9c0"},
                  {"1.2.1", body, "text/html", "", "", "", 40, "2eea2a94292da0ad961e727d0140366e"},
                  {"1.2.2", inline_part, "image/png", "", "pic@x", "base64", 70, png_md5},
                  {"2", attachment, "text/csv", "data.csv", "", "", 8, "85be32845a8d917b076841e6f637718e"}});
  CHECK(m.text == "Nested plain text.");
  CHECK(m.html_as_text == "Nested html");
  CHECK(m.warnings.empty());
}

TEST_CASE("quoted-printable soft line breaks and escapes", "[mime]") {
  const auto m = parse_message(read_sample("quoted_printable_soft_breaks.eml"));
  CHECK(m.text ==
        "This line is long and wraps with a soft break here and continues; equals sign =, trailing space \r\n"
        "café naïve € end.\r\n");
  check_parts(
      m, {{"1", body, "text/plain", "", "", "quoted-printable", 121, "0ab1d473c38d23154aeef08102d064d8"}});
}

TEST_CASE("X-Tags: split, trimmed, de-duplicated across headers", "[mime]") {
  const auto m = parse_message(read_sample("x_tags.eml"));
  CHECK(m.tags == std::vector<std::string>{"alpha", "beta", "gamma", "delta"});
}

TEST_CASE("groups and undisclosed recipients", "[mime]") {
  SECTION("undisclosed-recipients:; and a named group") {
    const auto m = parse_message(read_sample("bcc_undisclosed.eml"));
    CHECK(m.to.empty());
    CHECK(m.cc == std::vector<address>{{"", "ann@example.com"}, {"Ben B", "ben@example.com"}});
    CHECK(m.bcc == std::vector<address>{{"", "hidden1@example.com"}, {"Hidden Two", "hidden2@example.com"}});
    CHECK(m.text == "Hello everyone.\r\n");
  }
  SECTION("To: undisclosed-recipients: without the terminating semicolon") {
    const auto m = parse_message(read_sample("undisclosed_no_semicolon.eml"));
    CHECK(m.to.empty());
    CHECK(header_value(m, "To") == "undisclosed-recipients:");
    CHECK(m.subject == "Group without terminator");
    CHECK(m.text == "Body.\r\n");
  }
}

TEST_CASE("broken messages are kept and explained", "[mime]") {
  SECTION("no header block: everything is the text body") {
    const std::string raw = read_sample("no_headers.eml");
    const auto m = parse_message(raw);
    CHECK(m.text == raw);
    CHECK(m.headers.empty());
    CHECK_FALSE(m.from.has_value());
    CHECK(has_warning(m, "no message header found"));
    check_parts(m, {{"1", body, "text/plain", "", "", "", raw.size(), "16ba94d9cbe1f16090c53b4dfca415c7"}});
    CHECK(m.parts[0].raw_offset == 0);
    CHECK(m.parts[0].raw_length == raw.size());
  }
  SECTION("boundary declared but never used: content shown as text") {
    const auto m = parse_message(read_sample("missing_boundary.eml"));
    CHECK(contains(m.text, "Text that a client would still want to see."));
    CHECK(has_warning(m, "without any part"));
    check_parts(m, {{"1", body, "text/plain", "", "", "", 111, "9aa24501b3067ab723798895071f8b7a"}});
  }
  SECTION("bad base64: junk skipped, missing padding completed") {
    const auto m = parse_message(read_sample("bad_base64.eml"));
    check_parts(m, {{"1", body, "text/plain", "", "", "", 19, ""},
                    {"2", attachment, "application/octet-stream", "broken.bin", "", "base64", 20,
                     "0fcfd6da68f8cc2abbcae60ee18e5be9"},  // "Hello, base64 world!"
                    {"3", attachment, "application/octet-stream", "truncated.bin", "", "base64", 11,
                     "3e25960a79dbc69b674cd4ec67a72c62"}});  // "Hello world"
    CHECK(has_warning(m, "part 2: characters outside the base64 alphabet were skipped"));
    CHECK_FALSE(has_warning(m, "part 3"));
  }
  SECTION("NUL bytes: text made safe, attachment bytes untouched") {
    const auto m = parse_message(read_sample("nul_bytes.eml"));
    CHECK(m.text ==
          "before\xEF\xBF\xBD"
          "after");
    check_parts(m, {{"1", body, "text/plain", "", "", "", 12, ""},
                    {"2", attachment, "application/octet-stream", "zeros.bin", "", "", 4,
                     "f1d3ff8443297732862df21dc4e57262"}});
  }
}

TEST_CASE("a single-part message that is an attachment is part 1", "[mime]") {
  const auto m = parse_message(read_sample("single_part_attachment.eml"));
  CHECK(m.text.empty());
  CHECK(m.html.empty());
  CHECK(m.snippet.empty());
  check_parts(m, {{"1", attachment, "application/pdf", "scan.pdf", "", "base64", 142, pdf_md5}});
}

TEST_CASE("uuencoded attachment decodes", "[mime]") {
  const std::string raw = read_sample("uuencode_attachment.eml");
  const auto m = parse_message(raw);
  check_parts(m, {{"1", body, "text/plain", "", "", "", 15, ""},
                  {"2", attachment, "text/plain", "hello.txt", "", "x-uuencode", 21,
                   "5eed0e04e1713e9deac96e7f935af0f4"}});
  CHECK(part_bytes(raw, m.parts[1]) == "Hello from uuencode!\n");
}
