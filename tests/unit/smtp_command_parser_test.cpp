#include <catch2/catch.hpp>

#include <string>

#include "smtp/protocol/command_parser.hpp"

using namespace mailjar::smtp;
using namespace std::string_literals;

TEST_CASE("verbs are recognised case-insensitively with trimmed arguments", "[smtp][parser]") {
  struct row {
    std::string line;
    verb name;
    std::string args;
  };
  const row rows[] = {
      {"EHLO client.example", verb::ehlo, "client.example"},
      {"ehlo   client.example  ", verb::ehlo, "client.example"},
      {"HeLo x", verb::helo, "x"},
      {"MAIL FROM:<a@b>", verb::mail, "FROM:<a@b>"},
      {"rcpt TO:<a@b>", verb::rcpt, "TO:<a@b>"},
      {"DATA", verb::data, ""},
      {"BDAT 10 LAST", verb::bdat, "10 LAST"},
      {"RSET", verb::rset, ""},
      {"NOOP anything", verb::noop, "anything"},
      {"QUIT", verb::quit, ""},
      {"VRFY bob", verb::vrfy, "bob"},
      {"EXPN list", verb::expn, "list"},
      {"HELP", verb::help, ""},
      {"StartTLS", verb::starttls, ""},
      {"AUTH PLAIN", verb::auth, "PLAIN"},
      {"\tNOOP", verb::noop, ""},
      {"TURN", verb::not_implemented, ""},
      {"ETRN example.com", verb::not_implemented, "example.com"},
      {"FOO bar", verb::unknown, ""},
      {"", verb::unknown, ""},
      {"   ", verb::unknown, ""},
      {"MAIL1 FROM:<a@b>", verb::unknown, ""},
      {"DATAX", verb::unknown, ""},
      {"NO\x01OP", verb::unknown, ""},
      {"\x80\xff", verb::unknown, ""},
      {"GET / HTTP/1.1", verb::http, ""},
      {"post /submit HTTP/1.0", verb::http, ""},
      {"CONNECT host:25 HTTP/1.1", verb::http, ""},
      {"Host: localhost:2525", verb::http, ""},
      {"User-Agent : curl", verb::http, ""},
      {"Content-Length: 5", verb::http, ""},
  };
  for (const auto& r : rows) {
    INFO("line: " << r.line);
    const command c = parse_command(r.line);
    CHECK(c.name == r.name);
    CHECK(std::string(c.args) == r.args);
  }
}

TEST_CASE("MAIL/RCPT paths: strict where it matters, lenient where clients are sloppy", "[smtp][parser]") {
  struct row {
    std::string args;
    std::string keyword;
    path_status status;
    std::string address;
    std::size_t params;
  };
  const row rows[] = {
      {"FROM:<alice@example.com>", "FROM", path_status::ok, "alice@example.com", 0},
      {"from:<alice@example.com>", "FROM", path_status::ok, "alice@example.com", 0},
      {"FROM: <alice@example.com>", "FROM", path_status::ok, "alice@example.com", 0},
      {"FROM : <alice@example.com>", "FROM", path_status::ok, "alice@example.com", 0},
      {"FROM:alice@example.com", "FROM", path_status::ok, "alice@example.com", 0},
      {"FROM:alice@example.com SIZE=10", "FROM", path_status::ok, "alice@example.com", 1},
      {"FROM:<>", "FROM", path_status::ok, "", 0},
      {"FROM:<> SIZE=10 BODY=8BITMIME", "FROM", path_status::ok, "", 2},
      {"TO:<@relay.one,@relay.two:bob@example.net>", "TO", path_status::ok, "bob@example.net", 0},
      {"TO:<\"john doe\"@example.net>", "TO", path_status::ok, "\"john doe\"@example.net", 0},
      {"TO:<\"a>b\"@example.net>", "TO", path_status::ok, "\"a>b\"@example.net", 0},
      {"TO:<postmaster>", "TO", path_status::ok, "postmaster", 0},
      {"TO:<user@[192.0.2.1]>", "TO", path_status::ok, "user@[192.0.2.1]", 0},
      {"TO:<user@[IPv6:2001:db8::1]>", "TO", path_status::ok, "user@[IPv6:2001:db8::1]", 0},
      {"TO:<δοκιμή@παράδειγμα.δοκιμή>", "TO", path_status::ok, "δοκιμή@παράδειγμα.δοκιμή", 0},
      {"TO:<first.last+tag@sub-domain.example.com>", "TO", path_status::ok,
       "first.last+tag@sub-domain.example.com", 0},
      {"TO:<a@b>", "FROM", path_status::syntax, "", 0},
      {"FROM<a@b>", "FROM", path_status::syntax, "", 0},
      {"FROM:", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b>SIZE=1", "FROM", path_status::syntax, "", 0},
      {"FROM:<<a@b>>", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b> =x", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b> SIZE=", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b> SIZE=1=2", "FROM", path_status::syntax, "", 0},
      {"FROM:<a@b> SIZE=\x01", "FROM", path_status::syntax, "", 0},
      {"TO:<a b@c>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@b@c>", "TO", path_status::bad_address, "", 0},
      {"TO:<@c>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@.b>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@b..c>", "TO", path_status::bad_address, "", 0},
      {"TO:<a(b)@c>", "TO", path_status::bad_address, "", 0},
      {"TO:<\"open@c>", "TO", path_status::syntax, "", 0},
      {"TO:<@relay-without-colon>", "TO", path_status::bad_address, "", 0},
      {"TO:<a\r@b>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@b\n>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@b\0c>"s, "TO", path_status::bad_address, "", 0},
      {"TO:<a\x1b@b>", "TO", path_status::bad_address, "", 0},
      {"TO:<a@b\x7f>", "TO", path_status::bad_address, "", 0},
      {"TO:<\"a\tb\"@c>", "TO", path_status::bad_address, "", 0},
      {"TO:a\x01@b", "TO", path_status::bad_address, "", 0},
  };
  for (const auto& r : rows) {
    INFO("args: " << r.args);
    const path_command p = parse_path_command(r.args, r.keyword);
    CHECK(p.status == r.status);
    if (r.status == path_status::ok) {
      CHECK(std::string(p.address) == r.address);
      CHECK(p.params.size() == r.params);
    }
  }
}

TEST_CASE("MAIL parameters: SIZE, BODY, SMTPUTF8, AUTH; others are unknown", "[smtp][parser]") {
  auto run = [](std::string args, std::uint64_t max, mail_options& o) {
    const path_command p = parse_path_command(args, "FROM");
    REQUIRE(p.status == path_status::ok);
    return parse_mail_options(p.params, max, o);
  };
  mail_options o;
  CHECK(run("FROM:<a@b> size=1000 body=8bitmime SMTPUTF8 AUTH=<>", 1000, o) == option_status::ok);
  CHECK(o.size == 1000u);
  CHECK(o.body == "8BITMIME");
  CHECK(o.smtputf8);
  mail_options d;
  CHECK(run("FROM:<a@b> BODY=7BIT", 10, d) == option_status::ok);
  CHECK(d.body == "7BIT");
  CHECK_FALSE(d.size.has_value());
  CHECK_FALSE(d.smtputf8);
  CHECK(run("FROM:<a@b> BODY=BINARYMIME", 10, d) == option_status::ok);
  CHECK(d.body == "BINARYMIME");

  mail_options x;
  CHECK(run("FROM:<a@b> SIZE=1001", 1000, x) == option_status::too_big);
  CHECK(run("FROM:<a@b> SIZE=99999999999999999999999999", 1000, x) == option_status::too_big);
  CHECK(run("FROM:<a@b> SIZE=12k", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> SIZE=-1", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> SIZE", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> BODY=QUOTED", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> BODY", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> SMTPUTF8=yes", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> AUTH", 1000, x) == option_status::syntax);
  CHECK(run("FROM:<a@b> RET=HDRS", 1000, x) == option_status::unknown);
  CHECK(run("FROM:<a@b> X-FOO", 1000, x) == option_status::unknown);
}

TEST_CASE("BDAT arguments", "[smtp][parser]") {
  auto b = parse_bdat("100");
  REQUIRE(b);
  CHECK(b->size == 100u);
  CHECK_FALSE(b->last);
  b = parse_bdat("0 last");
  REQUIRE(b);
  CHECK(b->size == 0u);
  CHECK(b->last);
  CHECK_FALSE(parse_bdat(""));
  CHECK_FALSE(parse_bdat("LAST"));
  CHECK_FALSE(parse_bdat("-5"));
  CHECK_FALSE(parse_bdat("10 FIRST"));
  CHECK_FALSE(parse_bdat("10 LAST extra"));
  CHECK_FALSE(parse_bdat("99999999999999999999999"));
}

TEST_CASE("control character detection", "[smtp][parser]") {
  CHECK_FALSE(has_control_chars("plain text é"));
  CHECK(has_control_chars("tab\there"));
  CHECK(has_control_chars("nul\0"s));
  CHECK(has_control_chars("del\x7f"));
  CHECK(has_control_chars("cr\r"));
}
