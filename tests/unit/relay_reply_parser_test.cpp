#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "relay/protocol/ehlo_capabilities.hpp"
#include "relay/protocol/reply_parser.hpp"

using namespace mailjar::relay;

namespace {

struct parsed {
  reply_parser::status status;
  int code = 0;
  std::vector<std::string> lines;
  std::string error;
};

parsed parse_one(const std::string& bytes, reply_limits limits = {}) {
  reply_parser p(limits);
  p.feed(bytes);
  server_reply r;
  parsed out{p.next(r)};
  out.code = r.code;
  out.lines = r.lines;
  out.error = p.error();
  return out;
}

}  // namespace

TEST_CASE("reply parser: well-formed replies", "[relay][reply]") {
  using S = reply_parser::status;
  struct row {
    std::string bytes;
    int code;
    std::vector<std::string> lines;
  };
  const std::vector<row> rows = {
      {"220 mx.test ESMTP\r\n", 220, {"mx.test ESMTP"}},
      {"250-mx.test\r\n250-PIPELINING\r\n250 SIZE 1000\r\n", 250, {"mx.test", "PIPELINING", "SIZE 1000"}},
      {"250\r\n", 250, {""}},
      {"354 go ahead\n", 354, {"go ahead"}},  // a lone LF is tolerated
      {"550-5.1.1 no\r\n550 5.1.1 such user\r\n", 550, {"5.1.1 no", "5.1.1 such user"}},
      {"250-\r\n250 last\r\n", 250, {"", "last"}},
      {"421 4.3.2 tab\there\r\n", 421, {"4.3.2 tab\there"}},
  };
  for (const auto& r : rows) {
    INFO(r.bytes);
    const auto p = parse_one(r.bytes);
    REQUIRE(p.status == S::reply);
    CHECK(p.code == r.code);
    CHECK(p.lines == r.lines);
  }
}

TEST_CASE("reply parser: malformed replies are session errors", "[relay][reply]") {
  using S = reply_parser::status;
  const std::vector<std::pair<std::string, std::string>> rows = {
      {"250-one\r\n251 two\r\n", "different codes"},
      {"25\r\n", "malformed reply line"},
      {"2x0 hi\r\n", "malformed reply code"},
      {"150 hi\r\n", "out of range"},
      {"650 hi\r\n", "out of range"},
      {"260 hi\r\n", "out of range"},
      {"250_hi\r\n", "separator"},
      {"250 a\rb\r\n", "control character"},
      {std::string("250 a\0b\r\n", 9), "control character"},
      {"250 \x1b[31mred\r\n", "control character"},
      {"HTTP/1.1 400 Bad\r\n", "malformed reply code"},
  };
  for (const auto& [bytes, why] : rows) {
    INFO(bytes);
    const auto p = parse_one(bytes);
    CHECK(p.status == S::error);
    CHECK_THAT(p.error, Catch::Contains(why));
  }
}

TEST_CASE("reply parser: line length and line count are bounded", "[relay][reply]") {
  using S = reply_parser::status;
  reply_limits lim{100, 5};
  CHECK(parse_one("250 " + std::string(94, 'x') + "\r\n", lim).status == S::reply);  // exactly 100 octets
  CHECK(parse_one("250 " + std::string(95, 'x') + "\r\n", lim).status == S::error);
  // An endless line without LF fails once it exceeds the bound instead of buffering forever.
  CHECK(parse_one("250 " + std::string(200, 'x'), lim).status == S::error);
  CHECK(parse_one("250 " + std::string(50, 'x'), lim).status == S::need_more);
  std::string five, six;
  for (int i = 0; i < 4; ++i) five += "250-x\r\n";
  six = five + "250-x\r\n250 end\r\n";
  five += "250 end\r\n";
  CHECK(parse_one(five, lim).status == S::reply);
  const auto p = parse_one(six, lim);
  CHECK(p.status == S::error);
  CHECK_THAT(p.error, Catch::Contains("5 lines"));
}

TEST_CASE("reply parser: replies split across reads, several per read, errors are sticky", "[relay][reply]") {
  using S = reply_parser::status;
  reply_parser p;
  server_reply r;
  p.feed("250-mx.te");
  CHECK(p.next(r) == S::need_more);
  p.feed("st\r\n250 OK\r\n220 ne");
  REQUIRE(p.next(r) == S::reply);
  CHECK(r.code == 250);
  CHECK(r.lines == std::vector<std::string>{"mx.test", "OK"});
  CHECK(r.wire_lines() == std::vector<std::string>{"250-mx.test", "250 OK"});
  CHECK(r.text() == "mx.test\nOK");
  CHECK(p.next(r) == S::need_more);
  CHECK(p.buffered() == 6);
  CHECK(p.discard_buffered() == 6);
  CHECK(p.next(r) == S::need_more);
  p.feed("bad\r\n250 ok\r\n");
  CHECK(p.next(r) == S::error);
  CHECK(p.next(r) == S::error);
}

TEST_CASE("EHLO capabilities", "[relay][reply]") {
  reply_parser p;
  p.feed(
      "250-mx.test greets you\r\n250-pipelining\r\n250-SIZE 10240000\r\n250-AUTH PLAIN login\r\n"
      "250-AUTH=CRAM-MD5\r\n250-STARTTLS\r\n250-8BITMIME\r\n250-X-UNKNOWN foo\r\n250 SMTPUTF8\r\n");
  server_reply r;
  REQUIRE(p.next(r) == reply_parser::status::reply);
  const auto caps = parse_ehlo(r);
  CHECK(caps.pipelining);
  CHECK(caps.size);
  CHECK(caps.size_limit == 10240000);
  CHECK(caps.starttls);
  CHECK(caps.eight_bit_mime);
  CHECK(caps.smtputf8);
  CHECK(caps.auth == std::vector<std::string>{"PLAIN", "LOGIN", "CRAM-MD5"});
  CHECK(caps.has_auth("login"));
  CHECK_FALSE(caps.has_auth("XOAUTH2"));

  // The greeting line is never read as a keyword; SIZE without a number is "no limit".
  reply_parser q;
  q.feed("250-STARTTLS\r\n250 SIZE\r\n");
  REQUIRE(q.next(r) == reply_parser::status::reply);
  const auto c2 = parse_ehlo(r);
  CHECK_FALSE(c2.starttls);
  CHECK(c2.size);
  CHECK(c2.size_limit == 0);
}
