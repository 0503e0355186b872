#include <catch2/catch.hpp>

#include <string>

#include "relay/protocol/outbound_message.hpp"

using namespace mailjar::relay;

namespace {

outbound_options opts() {
  outbound_options o;
  o.received_by = "jar.test";
  o.uid = "AbC123";
  o.date_unix = 1700000000;  // Tue, 14 Nov 2023 22:13:20 +0000
  return o;
}

const std::string received =
    "Received: from mailjar by jar.test id AbC123;\r\n\tTue, 14 Nov 2023 22:13:20 +0000\r\n";

std::size_t longest_line(const std::string& s) {
  std::size_t best = 0, start = 0;
  while (start < s.size()) {
    auto end = s.find("\r\n", start);
    REQUIRE(end != std::string::npos);  // ends with CRLF, no bare line endings
    best = std::max(best, end - start);
    start = end + 2;
  }
  return best;
}

bool canonical(const std::string& s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return false;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return false;
  }
  return true;
}

}  // namespace

TEST_CASE("outbound: Received prepended, Bcc and Return-Path removed, CRLF canonical", "[relay][outbound]") {
  const std::string raw =
      "Return-Path: <x@src.test>\nFrom: a@src.test\r\nBcc: secret@hidden.test,\r\n other@hidden.test\r\n"
      "To: b@dst.test\rSubject: hi\r\nbcc: again@hidden.test\r\nMessage-ID: "
      "<m1@src.test>\r\n\r\nline1\nline2\r.dot\r\n";
  const auto out = prepare_outbound(raw, opts());
  CHECK(out.bytes ==
        received +
            "From: a@src.test\r\nTo: b@dst.test\r\nSubject: hi\r\nMessage-ID: <m1@src.test>\r\n\r\n"
            "line1\r\nline2\r\n.dot\r\n");
  CHECK_FALSE(out.eight_bit);
  CHECK_FALSE(out.reencoded);
  CHECK_FALSE(out.folded);
}

TEST_CASE("outbound: From override and new Message-ID", "[relay][outbound]") {
  auto o = opts();
  o.override_from = "Release Bot <bot@jar.test>\r\nBcc: injected@x";
  o.new_message_id = "new.1@jar.test";
  auto out = prepare_outbound("From: a@src.test\r\nMessage-Id: <old@src>\r\nSubject: s\r\n\r\nbody\r\n", o);
  CHECK(out.bytes == received +
                         "From: Release Bot <bot@jar.test>Bcc: injected@x\r\nMessage-ID: <new.1@jar.test>\r\n"
                         "Subject: s\r\n\r\nbody\r\n");
  // Added when the message had none.
  out = prepare_outbound("Subject: s\r\n\r\nbody", o);
  CHECK(out.bytes == received +
                         "Subject: s\r\nFrom: Release Bot <bot@jar.test>Bcc: injected@x\r\n"
                         "Message-ID: <new.1@jar.test>\r\n\r\nbody\r\n");
}

TEST_CASE("outbound: a long plain body line is re-encoded as quoted-printable", "[relay][outbound]") {
  const std::string long_line = std::string(1500, 'a') + " = é";
  const auto out = prepare_outbound(
      "Subject: s\r\nContent-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: 8bit\r\n\r\nshort\r\n" +
          long_line + "\r\n",
      opts());
  CHECK(out.reencoded);
  CHECK(longest_line(out.bytes) <= 76);
  CHECK(canonical(out.bytes));
  CHECK_THAT(out.bytes, Catch::Contains("Content-Transfer-Encoding: quoted-printable\r\n\r\nshort\r\n"));
  CHECK_THAT(out.bytes, Catch::Contains("aaa=\r\n =3D =C3=A9\r\n"));
  CHECK_FALSE(out.eight_bit);
  // Undo the soft line breaks: the text is the original.
  std::string body = out.bytes.substr(out.bytes.find("\r\n\r\n") + 4);
  std::string joined;
  for (std::size_t i = 0; i < body.size(); ++i) {
    if (body.compare(i, 3, "=\r\n") == 0) {
      i += 2;
      continue;
    }
    joined += body[i];
  }
  CHECK(joined.substr(0, 7) == "short\r\n");
  CHECK(joined.substr(7, 1500) == std::string(1500, 'a'));
}

TEST_CASE("outbound: long lines inside multipart leaves; other parts untouched", "[relay][outbound]") {
  const std::string b64(3000, 'Q');
  const std::string raw =
      "Subject: s\r\nContent-Type: multipart/mixed; boundary=\"XX\"\r\n\r\npreamble\r\n--XX\r\n"
      "Content-Type: text/plain\r\n\r\nshort part\r\n--XX\r\nContent-Type: text/html\r\n\r\n<p>" +
      std::string(1200, 'h') +
      "</p>\r\n--XX\r\nContent-Type: application/octet-stream\r\n"
      "Content-Transfer-Encoding: base64\r\n\r\n" +
      b64 + "\r\n--XX--\r\nepilogue\r\n";
  const auto out = prepare_outbound(raw, opts());
  CHECK(out.reencoded);
  CHECK(longest_line(out.bytes) <= 76);
  CHECK_THAT(out.bytes, Catch::Contains("--XX\r\nContent-Type: text/plain\r\n\r\nshort part\r\n--XX\r\n"));
  CHECK_THAT(out.bytes,
             Catch::Contains(
                 "Content-Type: text/html\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n<p>hhh"));
  CHECK_THAT(out.bytes,
             Catch::Contains("Content-Transfer-Encoding: base64\r\n\r\n" + std::string(76, 'Q') + "\r\n"));
  CHECK_THAT(out.bytes, Catch::EndsWith("\r\n--XX--\r\nepilogue\r\n"));
  std::size_t qs = 0;
  for (const char c : out.bytes) qs += c == 'Q';
  CHECK(qs == 3000);
}

TEST_CASE("outbound: long header fields are folded", "[relay][outbound]") {
  std::string to = "To: ";
  for (int i = 0; i < 120; ++i) to += "user" + std::to_string(i) + "@dst.test, ";
  to += "last@dst.test";
  const std::string subject = "Subject: " + std::string(2500, 'x');
  const auto out = prepare_outbound(to + "\r\n" + subject + "\r\n\r\nbody\r\n", opts());
  CHECK(out.folded);
  CHECK(longest_line(out.bytes) <= 998);
  // Unfolding the To field gives the original value back.
  const auto start = out.bytes.find("To: ");
  const auto end = out.bytes.find("\r\nSubject:");
  std::string unfolded = out.bytes.substr(start, end - start);
  for (std::size_t p; (p = unfolded.find("\r\n")) != std::string::npos;) unfolded.erase(p, 2);
  CHECK(unfolded == to);
}

TEST_CASE("outbound: 8-bit detection and the date format", "[relay][outbound]") {
  CHECK(prepare_outbound("Subject: caf\xc3\xa9\r\n\r\nx\r\n", opts()).eight_bit);
  CHECK_FALSE(prepare_outbound("Subject: cafe\r\n\r\nx\r\n", opts()).eight_bit);
  CHECK(rfc5322_date(0) == "Thu, 01 Jan 1970 00:00:00 +0000");
  CHECK(rfc5322_date(1700000000) == "Tue, 14 Nov 2023 22:13:20 +0000");
}
