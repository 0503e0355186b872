#include <catch2/catch.hpp>

#include <functional>
#include <random>
#include <string>
#include <vector>

#include "smtp/protocol/base64.hpp"
#include "smtp/protocol/session_machine.hpp"

#include <openssl/hmac.h>

using namespace mailjar::smtp;
using namespace std::string_literals;

namespace {

session_config test_config() {
  session_config c;
  c.hostname = "mx.test";
  return c;
}

bool is_enhanced_code(const std::string& t) {
  // class.subject.detail, e.g. 2.1.5
  if (t.size() < 5 || (t[0] != '2' && t[0] != '4' && t[0] != '5') || t[1] != '.') return false;
  const auto second = t.find('.', 2);
  if (second == std::string::npos || second == 2 || second + 1 == t.size()) return false;
  for (std::size_t i = 2; i < t.size(); ++i) {
    if (i != second && (t[i] < '0' || t[i] > '9')) return false;
  }
  return true;
}

// "250 2.1.5" for each complete reply ("220" when the text has no enhanced code).
std::vector<std::string> reply_codes(const std::string& wire) {
  std::vector<std::string> codes;
  std::size_t at = 0;
  while (at < wire.size()) {
    const std::size_t end = wire.find("\r\n", at);
    REQUIRE(end != std::string::npos);
    const std::string line = wire.substr(at, end - at);
    at = end + 2;
    REQUIRE(line.size() >= 4);
    REQUIRE(line.size() + 2 <= 512);
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      REQUIRE((u >= 0x20 && u < 0x7f));  // no control characters (or client bytes) ever echoed
    }
    if (line[3] == '-') continue;
    REQUIRE(line[3] == ' ');
    std::string code = line.substr(0, 3);
    const std::string token = line.substr(4, line.find(' ', 4) - 4);
    if (is_enhanced_code(token)) code += " " + token;
    codes.push_back(code);
  }
  return codes;
}

// Plays the adapter: feeds bytes, stores messages at once, performs STARTTLS instantly.
struct driver {
  explicit driver(session_config cfg = test_config(), std::function<std::string()> challenges = {})
      : m(std::move(cfg), std::move(challenges)) {
    out += m.greeting().wire();
  }

  void feed(std::string_view bytes) {
    if (closed) return;
    m.receive(bytes);
    pump();
  }

  void feed_in_pieces(std::string_view bytes, std::size_t piece) {
    for (std::size_t i = 0; i < bytes.size(); i += piece) feed(bytes.substr(i, piece));
  }

  void pump() {
    for (;;) {
      const step s = m.next();
      out += m.take_output();
      switch (s) {
        case step::need_input:
          return;
        case step::deliver:
          messages.push_back(m.take_message());
          if (store_ok) {
            m.delivered(true, "ID" + std::to_string(messages.size()));
          } else {
            m.delivered(false, "database is locked");
          }
          continue;
        case step::start_tls:
          ++handshakes;
          if (!auto_tls) return;
          m.tls_started("TLSv1.3 TLS_AES_256_GCM_SHA384");
          continue;
        case step::close:
          closed = true;
          return;
      }
    }
  }

  std::vector<std::string> codes() const { return reply_codes(out); }

  // Replies produced since the last call.
  std::vector<std::string> fresh_codes() {
    auto all = reply_codes(out);
    std::vector<std::string> fresh(all.begin() + static_cast<std::ptrdiff_t>(seen), all.end());
    seen = all.size();
    return fresh;
  }

  session_machine m;
  std::string out;
  std::vector<received_message> messages;
  bool closed = false;
  bool store_ok = true;
  bool auto_tls = true;
  int handshakes = 0;
  std::size_t seen = 0;
};

using codes_t = std::vector<std::string>;

const std::string ehlo_then_mail = "EHLO client.test\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\n";

std::string hmac_md5_hex(const std::string& key, const std::string& msg) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_md5(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  std::string hex;
  for (unsigned int i = 0; i < len; ++i) {
    static const char digits[] = "0123456789abcdef";
    hex += digits[md[i] >> 4];
    hex += digits[md[i] & 15];
  }
  return hex;
}

// The base64 text of the last "334 " line in `wire`.
std::string last_challenge(const std::string& wire) {
  const auto at = wire.rfind("334 ");
  REQUIRE(at != std::string::npos);
  return wire.substr(at + 4, wire.find("\r\n", at) - at - 4);
}

}  // namespace

TEST_CASE("a full transaction, step by step", "[smtp][session]") {
  driver d;
  CHECK(d.out == "220 mx.test ESMTP mailjar\r\n");
  d.out.clear();
  d.feed("EHLO client.test\r\n");
  CHECK(d.out ==
        "250-mx.test\r\n250-PIPELINING\r\n250-SIZE 52428800\r\n250-8BITMIME\r\n250-SMTPUTF8\r\n"
        "250-ENHANCEDSTATUSCODES\r\n250-AUTH PLAIN LOGIN CRAM-MD5\r\n250-CHUNKING\r\n250-BINARYMIME\r\n"
        "250 HELP\r\n");
  d.out.clear();
  d.feed("MAIL FROM:<alice@example.com> SIZE=60 BODY=8BITMIME SMTPUTF8\r\n");
  CHECK(d.out == "250 2.1.0 Ok\r\n");
  d.out.clear();
  d.feed("RCPT TO:<bob@example.net>\r\n");
  CHECK(d.out == "250 2.1.5 Ok\r\n");
  d.feed("RCPT TO:<carol@elsewhere.org>\r\n");
  d.out.clear();
  d.feed("DATA\r\n");
  CHECK(d.out == "354 End data with <CR><LF>.<CR><LF>\r\n");
  CHECK(d.m.in_data());
  d.out.clear();
  d.feed("Subject: hello\r\n\r\nHi Bob.\r\n.\r\n");
  CHECK(d.out == "250 2.0.0 Ok: queued as ID1\r\n");
  CHECK_FALSE(d.m.in_data());
  d.out.clear();
  d.feed("QUIT\r\n");
  CHECK(d.out == "221 2.0.0 Bye\r\n");
  CHECK(d.closed);

  REQUIRE(d.messages.size() == 1);
  const auto& msg = d.messages[0];
  CHECK(msg.data == "Subject: hello\r\n\r\nHi Bob.\r\n");
  CHECK(msg.env.mail_from == "alice@example.com");
  CHECK(msg.env.rcpt_to == std::vector<std::string>{"bob@example.net", "carol@elsewhere.org"});
  CHECK(msg.env.helo == "client.test");
  CHECK(msg.env.tls.empty());
  CHECK(msg.env.auth_user.empty());
  CHECK(msg.env.smtputf8);
  CHECK(msg.env.body_type == "8BITMIME");
}

TEST_CASE("HELO is a single line; EHLO advertises STARTTLS only when usable", "[smtp][session]") {
  driver helo;
  helo.feed("HELO client.test\r\n");
  CHECK(helo.out == "220 mx.test ESMTP mailjar\r\n250 mx.test\r\n");

  auto cfg = test_config();
  cfg.tls_available = true;
  driver tls(cfg);
  tls.feed("EHLO c\r\n");
  CHECK(tls.out.find("250-STARTTLS\r\n") != std::string::npos);
  tls.feed("STARTTLS\r\nEHLO c\r\n");
  const auto after = tls.out.substr(tls.out.rfind("220 2.0.0"));
  CHECK(after.find("STARTTLS") == std::string::npos);

  cfg.implicit_tls = true;
  driver smtps(cfg);
  smtps.feed("EHLO c\r\nSTARTTLS\r\n");
  CHECK(smtps.out.find("STARTTLS") == std::string::npos);
  CHECK(smtps.codes().back() == "503 5.5.1");
}

TEST_CASE("pipelined batch: one receive from EHLO to QUIT", "[smtp][session]") {
  const std::string batch =
      "EHLO client.test\r\n"
      "MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nRCPT TO:<e@f.test>\r\nDATA\r\n"
      "Subject: one\r\n\r\nfirst\r\n.\r\n"
      "RSET\r\nNOOP\r\n"
      "MAIL FROM:<> BODY=7BIT\r\nRCPT TO:<g@h.test>\r\nDATA\r\n"
      "Subject: two\r\n\r\nsecond\r\n.\r\n"
      "QUIT\r\n"
      "NOOP\r\n";  // after QUIT: never answered
  driver d;
  d.feed(batch);
  CHECK(d.codes() == codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "354", "250 2.0.0",
                             "250 2.0.0", "250 2.0.0", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0",
                             "221 2.0.0"});
  CHECK(d.closed);
  REQUIRE(d.messages.size() == 2);
  CHECK(d.messages[0].data == "Subject: one\r\n\r\nfirst\r\n");
  CHECK(d.messages[0].env.rcpt_to.size() == 2);
  CHECK(d.messages[1].data == "Subject: two\r\n\r\nsecond\r\n");
  CHECK(d.messages[1].env.mail_from.empty());
  CHECK(d.messages[1].env.body_type == "7BIT");
  CHECK(d.messages[1].env.rcpt_to == std::vector<std::string>{"g@h.test"});
  CHECK(d.out.find("queued as ID1") < d.out.find("queued as ID2"));

  SECTION("byte-by-byte and random splits give identical output") {
    driver bytewise;
    bytewise.feed_in_pieces(batch, 1);
    CHECK(bytewise.out == d.out);
    REQUIRE(bytewise.messages.size() == 2);
    CHECK(bytewise.messages[0].data == d.messages[0].data);
    CHECK(bytewise.messages[1].data == d.messages[1].data);

    std::mt19937 rng(7);
    for (int round = 0; round < 50; ++round) {
      driver r;
      std::uniform_int_distribution<std::size_t> len(1, 40);
      for (std::size_t at = 0; at < batch.size() && !r.closed;) {
        const std::size_t n = len(rng);
        r.feed(std::string_view(batch).substr(at, n));
        at += n;
      }
      CHECK(r.out == d.out);
      REQUIRE(r.messages.size() == 2);
      CHECK(r.messages[1].data == d.messages[1].data);
    }
  }
}

TEST_CASE("after deliver nothing is processed until delivered()", "[smtp][session]") {
  session_machine m(test_config());
  m.receive(ehlo_then_mail + "DATA\r\nfirst\r\n.\r\nMAIL FROM:<x@y.test>\r\nRCPT TO:<z@y.test>\r\n");
  CHECK(m.next() == step::deliver);
  const std::string before = m.take_output();
  CHECK(reply_codes(before) == codes_t{"250", "250 2.1.0", "250 2.1.5", "354"});
  const auto msg = m.take_message();
  CHECK(msg.data == "first\r\n");
  CHECK(m.buffered() > 0);
  CHECK(m.next() == step::need_input);  // still waiting for the store
  CHECK(m.take_output().empty());
  m.receive("DATA\r\nsecond\r\n.\r\n");
  CHECK(m.next() == step::need_input);
  CHECK(m.take_output().empty());
  m.delivered(true, "AAA");
  CHECK(m.next() == step::deliver);
  CHECK(reply_codes(m.take_output()) == codes_t{"250 2.0.0", "250 2.1.0", "250 2.1.5", "354"});
  const auto second = m.take_message();
  CHECK(second.data == "second\r\n");
  CHECK(second.env.mail_from == "x@y.test");
  m.delivered(false, "disk full");
  CHECK(m.next() == step::need_input);
  CHECK(m.take_output() == "451 4.3.0 Error: message not stored: disk full\r\n");
  CHECK(m.buffered() == 0);
}

TEST_CASE("a failed store answers 451 and the session goes on", "[smtp][session]") {
  driver d;
  d.store_ok = false;
  d.feed(ehlo_then_mail + "DATA\r\nx\r\n.\r\n");
  CHECK(d.codes().back() == "451 4.3.0");
  d.store_ok = true;
  d.feed("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\ny\r\n.\r\n");
  CHECK(d.codes().back() == "250 2.0.0");
  CHECK(d.messages.size() == 2);
}

TEST_CASE("reply codes for every command and sequence", "[smtp][session]") {
  struct row {
    const char* name;
    std::string setup;  // sent first, replies ignored
    std::string command;
    codes_t expect;
  };
  const std::string greeted = "EHLO c.test\r\n";
  const std::string in_tx = greeted + "MAIL FROM:<a@b.test>\r\n";
  const std::string with_rcpt = in_tx + "RCPT TO:<c@d.test>\r\n";
  const row rows[] = {
      {"helo", "", "HELO c.test\r\n", {"250"}},
      {"ehlo without name", "", "EHLO\r\n", {"501 5.5.4"}},
      {"helo with control", "", "HELO a\x01z\r\n", {"501 5.5.4"}},
      {"mail before helo", "", "MAIL FROM:<a@b.test>\r\n", {"503 5.5.1"}},
      {"mail", greeted, "MAIL FROM:<a@b.test>\r\n", {"250 2.1.0"}},
      {"null sender", greeted, "MAIL FROM:<>\r\n", {"250 2.1.0"}},
      {"lower case", greeted, "mail from:<a@b.test>\r\n", {"250 2.1.0"}},
      {"space after colon", greeted, "MAIL FROM: <a@b.test>\r\n", {"250 2.1.0"}},
      {"bare address", greeted, "MAIL FROM:a@b.test\r\n", {"250 2.1.0"}},
      {"LF only line", greeted, "MAIL FROM:<a@b.test>\n", {"250 2.1.0"}},
      {"nested mail", in_tx, "MAIL FROM:<a@b.test>\r\n", {"503 5.5.1"}},
      {"mail syntax", greeted, "MAIL TO:<a@b.test>\r\n", {"501 5.5.4"}},
      {"mail no brackets end", greeted, "MAIL FROM:<a@b.test\r\n", {"501 5.5.4"}},
      {"bad sender", greeted, "MAIL FROM:<a b@c>\r\n", {"501 5.1.7"}},
      {"sender with NUL", greeted, "MAIL FROM:<a\0b@c.test>\r\n"s, {"501 5.1.7"}},
      {"sender with CR", greeted, "MAIL FROM:<a@b.test\r>\n", {"501 5.1.7"}},
      {"sender with ESC", greeted, "MAIL FROM:<a\x1b[31m@b.test>\r\n", {"501 5.1.7"}},
      {"unknown param", greeted, "MAIL FROM:<a@b.test> RET=FULL\r\n", {"555 5.5.4"}},
      {"bad size", greeted, "MAIL FROM:<a@b.test> SIZE=ten\r\n", {"501 5.5.4"}},
      {"bad body", greeted, "MAIL FROM:<a@b.test> BODY=9BIT\r\n", {"501 5.5.4"}},
      {"size too big", greeted, "MAIL FROM:<a@b.test> SIZE=52428801\r\n", {"552 5.3.4"}},
      {"size at limit", greeted, "MAIL FROM:<a@b.test> SIZE=52428800\r\n", {"250 2.1.0"}},
      {"auth param", greeted, "MAIL FROM:<a@b.test> AUTH=<>\r\n", {"250 2.1.0"}},
      {"rcpt before mail", greeted, "RCPT TO:<c@d.test>\r\n", {"503 5.5.1"}},
      {"rcpt", in_tx, "RCPT TO:<c@d.test>\r\n", {"250 2.1.5"}},
      {"rcpt any domain", in_tx, "RCPT TO:<root@localhost>\r\n", {"250 2.1.5"}},
      {"rcpt postmaster", in_tx, "RCPT TO:<Postmaster>\r\n", {"250 2.1.5"}},
      {"rcpt empty", in_tx, "RCPT TO:<>\r\n", {"501 5.1.3"}},
      {"rcpt bad", in_tx, "RCPT TO:<a@@b>\r\n", {"501 5.1.3"}},
      {"rcpt LF inside", in_tx, "RCPT TO:<a@b\rc>\r\n", {"501 5.1.3"}},
      {"rcpt DEL", in_tx, "RCPT TO:<a@b.test\x7f>\r\n", {"501 5.1.3"}},
      {"rcpt syntax", in_tx, "RCPT FROM:<c@d.test>\r\n", {"501 5.5.4"}},
      {"rcpt param", in_tx, "RCPT TO:<c@d.test> NOTIFY=NEVER\r\n", {"555 5.5.4"}},
      {"data before mail", greeted, "DATA\r\n", {"503 5.5.1"}},
      {"data before rcpt", in_tx, "DATA\r\n", {"503 5.5.1"}},
      {"data with argument", with_rcpt, "DATA now\r\n", {"501 5.5.4"}},
      {"data", with_rcpt, "DATA\r\n", {"354"}},
      {"binarymime needs bdat",
       greeted + "MAIL FROM:<a@b.test> BODY=BINARYMIME\r\nRCPT TO:<c@d.test>\r\n",
       "DATA\r\n",
       {"503 5.5.1"}},
      {"rset", with_rcpt, "RSET\r\nRCPT TO:<c@d.test>\r\n", {"250 2.0.0", "503 5.5.1"}},
      {"rset argument", "", "RSET all\r\n", {"501 5.5.4"}},
      {"ehlo resets transaction", with_rcpt, "EHLO c.test\r\nDATA\r\n", {"250", "503 5.5.1"}},
      {"noop", "", "NOOP\r\n", {"250 2.0.0"}},
      {"noop with argument", "", "NOOP hello\r\n", {"250 2.0.0"}},
      {"vrfy", "", "VRFY bob\r\n", {"252 2.5.0"}},
      {"vrfy without argument", "", "VRFY\r\n", {"501 5.5.4"}},
      {"expn", "", "EXPN staff\r\n", {"502 5.5.1"}},
      {"help", "", "HELP\r\n", {"214 2.0.0"}},
      {"help topic", "", "HELP MAIL\r\n", {"214 2.0.0"}},
      {"turn", "", "TURN\r\n", {"502 5.5.1"}},
      {"unknown", "", "FROB\r\n", {"500 5.5.1"}},
      {"empty line", "", "\r\n", {"500 5.5.1"}},
      {"binary garbage", "", "\x01\x02\xff\xfe\r\n", {"500 5.5.1"}},
      {"starttls unavailable", "", "STARTTLS\r\n", {"502 5.5.1"}},
      {"starttls argument", "", "STARTTLS now\r\n", {"501 5.5.4"}},
      {"quit", "", "QUIT\r\n", {"221 2.0.0"}},
      {"auth before ehlo", "", "AUTH PLAIN\r\n", {"503 5.5.1"}},
      {"auth unknown mechanism", greeted, "AUTH GSSAPI\r\n", {"504 5.5.4"}},
      {"auth without mechanism", greeted, "AUTH\r\n", {"501 5.5.4"}},
      {"auth in transaction", in_tx, "AUTH PLAIN\r\n", {"503 5.5.1"}},
      {"bdat before mail", greeted, "BDAT 3\r\nabcNOOP\r\n", {"503 5.5.1", "250 2.0.0"}},
      {"bdat syntax", with_rcpt, "BDAT many\r\n", {"501 5.5.4"}},
  };
  for (const auto& r : rows) {
    INFO("case: " << r.name);
    driver d;
    d.feed(r.setup);
    d.fresh_codes();
    d.feed(r.command);
    CHECK(d.fresh_codes() == r.expect);
  }
}

TEST_CASE("SMTP smuggling: only CRLF.CRLF ends DATA, the smuggled commands stay data",
          "[smtp][session][smuggling]") {
  const std::string variants[] = {"\n.\n",   "\n.\r\n", "\r.\r\n", "\r\n.\r",
                                  "\r\n.\n", "\r.\n",   "\n.\r",   "\r.\r"};
  const std::string smuggled = "MAIL FROM:<admin@bank.test>\r\nRCPT TO:<victim@d.test>\r\nDATA\r\nForged\r\n";
  for (const auto& v : variants) {
    INFO("variant: " << Catch::Detail::stringify(v));
    const std::string session =
        ehlo_then_mail + "DATA\r\nSubject: real\r\n\r\nbody" + v + smuggled + "\r\n.\r\nQUIT\r\n";

    driver d;
    d.feed(session);
    CHECK(d.codes() == codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0", "221 2.0.0"});
    REQUIRE(d.messages.size() == 1);
    const std::string& data = d.messages[0].data;
    CHECK(data.find("MAIL FROM:<admin@bank.test>\r\nRCPT TO:<victim@d.test>\r\nDATA\r\nForged\r\n") !=
          std::string::npos);
    CHECK(data.substr(data.size() - 10) == "Forged\r\n\r\n");
    CHECK(d.messages[0].env.mail_from == "a@b.test");

    driver bytewise;
    bytewise.feed_in_pieces(session, 1);
    CHECK(bytewise.out == d.out);
    REQUIRE(bytewise.messages.size() == 1);
    CHECK(bytewise.messages[0].data == data);

    auto strict_cfg = test_config();
    strict_cfg.reject_bare_line_endings = true;
    driver strict(strict_cfg);
    strict.feed(session.substr(0, session.size() - 6) +
                "MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nok\r\n.\r\n");
    CHECK(strict.codes() == codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "354", "550 5.5.2", "250 2.1.0",
                                    "250 2.1.5", "354", "250 2.0.0"});
    REQUIRE(strict.messages.size() == 1);
    CHECK(strict.messages[0].data == "ok\r\n");
  }
}

TEST_CASE("bare line endings are kept as received by default", "[smtp][session]") {
  driver d;
  d.feed(ehlo_then_mail + "DATA\r\nline one\nline two\rstill two\r\n.\r\n");
  REQUIRE(d.messages.size() == 1);
  CHECK(d.messages[0].data == "line one\nline two\rstill two\r\n");
}

TEST_CASE("dot-unstuffing and the empty message", "[smtp][session]") {
  driver d;
  d.feed(ehlo_then_mail + "DATA\r\n..hidden\r\n..\r\n...\r\nend.\r\n.\r\n");
  d.feed("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\n.\r\n");
  REQUIRE(d.messages.size() == 2);
  CHECK(d.messages[0].data == ".hidden\r\n.\r\n..\r\nend.\r\n");
  CHECK(d.messages[1].data.empty());
  CHECK(d.codes().back() == "250 2.0.0");
}

TEST_CASE("message size limit: 552 at MAIL, 552 after draining DATA, then the session goes on",
          "[smtp][session]") {
  auto cfg = test_config();
  cfg.max_message_size = 1000;
  driver d(cfg);
  d.feed("EHLO c.test\r\n");
  CHECK(d.out.find("250-SIZE 1000\r\n") != std::string::npos);
  d.fresh_codes();
  d.feed(
      "MAIL FROM:<a@b.test> SIZE=1001\r\nMAIL FROM:<a@b.test> SIZE=1000\r\nRCPT TO:<c@d.test>\r\nDATA\r\n");
  CHECK(d.fresh_codes() == codes_t{"552 5.3.4", "250 2.1.0", "250 2.1.5", "354"});
  std::string big;
  for (int i = 0; i < 50; ++i) big += std::string(98, 'x') + "\r\n";  // 5000 bytes
  d.feed_in_pieces(big, 700);
  CHECK(d.fresh_codes().empty());  // nothing is answered before the end of data
  CHECK(d.m.in_data());
  CHECK(d.m.buffered() == 0);  // drained, not buffered
  d.feed(".\r\nRCPT TO:<c@d.test>\r\n");
  CHECK(d.fresh_codes() == codes_t{"552 5.3.4", "503 5.5.1"});  // the transaction is over
  CHECK(d.messages.empty());
  d.feed("MAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nsmall\r\n.\r\n");
  CHECK(d.fresh_codes() == codes_t{"250 2.1.0", "250 2.1.5", "354", "250 2.0.0"});
  REQUIRE(d.messages.size() == 1);
  CHECK(d.messages[0].data == "small\r\n");
}

TEST_CASE("recipient limit: 452 4.5.3, the accepted ones still get the message", "[smtp][session]") {
  auto cfg = test_config();
  cfg.max_recipients = 3;
  driver d(cfg);
  d.feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
  for (int i = 0; i < 5; ++i) d.feed("RCPT TO:<r" + std::to_string(i) + "@d.test>\r\n");
  d.feed("DATA\r\nx\r\n.\r\n");
  CHECK(d.codes() == codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.1.5", "250 2.1.5", "452 4.5.3",
                             "452 4.5.3", "354", "250 2.0.0"});
  REQUIRE(d.messages.size() == 1);
  CHECK(d.messages[0].env.rcpt_to == std::vector<std::string>{"r0@d.test", "r1@d.test", "r2@d.test"});
}

TEST_CASE("command line too long: 500 5.5.2, the rest of the line is discarded", "[smtp][session]") {
  auto cfg = test_config();
  cfg.max_line = 64;
  const std::string exact = "NOOP " + std::string(64 - 5 - 2, 'a') + "\r\n";
  REQUIRE(exact.size() == 64);
  const std::string too_long = "NOOP " + std::string(64 - 5 - 1, 'a') + "\r\n";

  driver d(cfg);
  d.feed(exact + too_long + "NOOP\r\n");
  CHECK(d.codes() == codes_t{"220", "250 2.0.0", "500 5.5.2", "250 2.0.0"});

  driver slow(cfg);  // the long line arrives in pieces, without its LF for a while
  const std::string huge = "MAIL FROM:<" + std::string(10000, 'b') + "@c.test>\r\n";
  slow.feed("EHLO c\r\n");
  slow.feed_in_pieces(huge, 100);
  slow.feed("MAIL FROM:<ok@c.test>\r\n");
  CHECK(slow.codes() == codes_t{"220", "250", "500 5.5.2", "250 2.1.0"});
  CHECK(slow.m.buffered() == 0);
  CHECK_FALSE(slow.closed);

  driver bytewise(cfg);
  bytewise.feed_in_pieces(exact + too_long + "NOOP\r\n", 1);
  CHECK(bytewise.out == d.out);
}

TEST_CASE("STARTTLS discards pipelined plaintext and forgets the session", "[smtp][session][tls]") {
  auto cfg = test_config();
  cfg.tls_available = true;
  driver d(cfg);
  d.feed("EHLO c\r\nAUTH PLAIN " + base64_encode("\0u\0p"s) +
         "\r\nSTARTTLS\r\nMAIL FROM:<evil@x.test>\r\nRCPT TO:<v@y.test>\r\n");
  CHECK(d.handshakes == 1);
  CHECK(d.codes() == codes_t{"220", "250", "235 2.7.0", "220 2.0.0"});  // nothing after the 220
  CHECK(d.m.buffered() == 0);
  d.fresh_codes();
  d.feed("MAIL FROM:<a@b.test>\r\n");
  CHECK(d.fresh_codes() == codes_t{"503 5.5.1"});  // EHLO is needed again
  d.feed("EHLO c\r\nSTARTTLS\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nx\r\n.\r\n");
  CHECK(d.fresh_codes() == codes_t{"250", "503 5.5.1", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"});
  REQUIRE(d.messages.size() == 1);
  CHECK(d.messages[0].env.tls == "TLSv1.3 TLS_AES_256_GCM_SHA384");
  CHECK(d.messages[0].env.auth_user.empty());  // AUTH before STARTTLS was forgotten

  SECTION("bytes arriving before the handshake completes are dropped too") {
    driver slow(cfg);
    slow.auto_tls = false;
    slow.feed("EHLO c\r\nSTARTTLS\r\n");
    CHECK(slow.handshakes == 1);
    slow.m.receive("MAIL FROM:<evil@x.test>\r\n");
    CHECK(slow.m.next() == step::start_tls);
    slow.m.tls_started("TLSv1.2 X");
    CHECK(slow.m.next() == step::need_input);
    CHECK(slow.m.take_output().empty());
    CHECK(slow.m.buffered() == 0);
  }
  SECTION("STARTTLS inside a transaction or twice is refused") {
    driver tx(cfg);
    tx.feed(
        "EHLO c\r\nMAIL FROM:<a@b.test>\r\nSTARTTLS\r\nRSET\r\nSTARTTLS\r\nEHLO c\r\n");  // EHLO: discarded
    tx.feed("EHLO c\r\nSTARTTLS\r\n");
    CHECK(tx.codes() ==
          codes_t{"220", "250", "250 2.1.0", "503 5.5.1", "250 2.0.0", "220 2.0.0", "250", "503 5.5.1"});
  }
}

TEST_CASE("AUTH PLAIN, LOGIN and CRAM-MD5 with any credentials", "[smtp][session][auth]") {
  SECTION("PLAIN with initial response") {
    driver d;
    d.feed("EHLO c\r\nAUTH PLAIN " + base64_encode("\0alice\0whatever"s) + "\r\n" +
           ehlo_then_mail.substr(18) + "DATA\r\nx\r\n.\r\n");
    CHECK(d.codes() == codes_t{"220", "250", "235 2.7.0", "250 2.1.0", "250 2.1.5", "354", "250 2.0.0"});
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].env.auth_user == "alice");
  }
  SECTION("PLAIN after an empty challenge, AUTH twice is refused") {
    driver d;
    d.feed("EHLO c\r\nAUTH PLAIN\r\n");
    CHECK(d.out.substr(d.out.size() - 6) == "334 \r\n");
    d.feed(base64_encode("\0bob\0pw"s) + "\r\nAUTH LOGIN\r\n");
    CHECK(d.codes() == codes_t{"220", "250", "334", "235 2.7.0", "503 5.5.1"});
  }
  SECTION("LOGIN") {
    driver d;
    d.feed("EHLO c\r\nAUTH LOGIN\r\n");
    CHECK(last_challenge(d.out) == "VXNlcm5hbWU6");
    d.feed(base64_encode("carol") + "\r\n");
    CHECK(last_challenge(d.out) == "UGFzc3dvcmQ6");
    d.feed(base64_encode("secret") + "\r\n" + ehlo_then_mail.substr(18) + "DATA\r\nx\r\n.\r\n");
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].env.auth_user == "carol");
  }
  SECTION("CRAM-MD5 uses the challenge source") {
    driver d(test_config(), [] { return "1234.5678"; });
    d.feed("EHLO c\r\nAUTH CRAM-MD5\r\n");
    const auto challenge = base64_decode(last_challenge(d.out));
    REQUIRE(challenge);
    CHECK(*challenge == "<1234.5678@mx.test>");
    d.feed(base64_encode("dave " + hmac_md5_hex("anything", *challenge)) + "\r\n");
    CHECK(d.codes().back() == "235 2.7.0");
  }
  SECTION("a challenge source that already names the host") {
    driver d(test_config(), [] { return "ab12cd@mx.test"; });
    d.feed("EHLO c\r\nAUTH CRAM-MD5\r\n");
    CHECK(base64_decode(last_challenge(d.out)) == "<ab12cd@mx.test>");
  }
  SECTION("without a challenge source the challenges still differ") {
    driver d;
    d.feed("EHLO c\r\nAUTH CRAM-MD5\r\n*\r\n");
    const auto first = base64_decode(last_challenge(d.out));
    d.feed("AUTH CRAM-MD5\r\n");
    const auto second = base64_decode(last_challenge(d.out));
    REQUIRE(first);
    REQUIRE(second);
    CHECK(*first != *second);
    CHECK(second->substr(second->size() - 9) == "@mx.test>");
  }
  SECTION("cancel, malformed") {
    driver d;
    d.feed("EHLO c\r\nAUTH LOGIN\r\n*\r\nAUTH PLAIN\r\n!!notbase64\r\nAUTH PLAIN =\r\nNOOP\r\n");
    CHECK(d.codes() ==
          codes_t{"220", "250", "334", "501 5.0.0", "334", "501 5.5.2", "501 5.5.2", "250 2.0.0"});
  }
}

TEST_CASE("AUTH checked against a user table, and required before MAIL", "[smtp][session][auth]") {
  auto cfg = test_config();
  cfg.users = {{"alice", "s3cret"}, {"tim", "tanstaafl"}};
  cfg.auth_required = true;

  SECTION("MAIL before AUTH is 530; wrong passwords are 535") {
    driver d(cfg);
    d.feed("EHLO c\r\nMAIL FROM:<a@b.test>\r\n");
    d.feed("AUTH PLAIN " + base64_encode("\0alice\0wrong"s) + "\r\n");
    d.feed("AUTH PLAIN " + base64_encode("\0mallory\0s3cret"s) + "\r\n");
    d.feed("AUTH LOGIN\r\n" + base64_encode("alice") + "\r\n" + base64_encode("s3cret ") + "\r\n");
    d.feed("AUTH PLAIN " + base64_encode("\0alice\0s3cret"s) + "\r\nMAIL FROM:<a@b.test>\r\n");
    CHECK(d.codes() == codes_t{"220", "250", "530 5.7.0", "535 5.7.8", "535 5.7.8", "334", "334", "535 5.7.8",
                               "235 2.7.0", "250 2.1.0"});
  }
  SECTION("LOGIN") {
    driver d(cfg);
    d.feed("EHLO c\r\nAUTH LOGIN " + base64_encode("alice") + "\r\n" + base64_encode("s3cret") + "\r\n");
    CHECK(d.codes().back() == "235 2.7.0");
  }
  SECTION("CRAM-MD5 right and wrong") {
    int n = 0;
    driver d(cfg, [&n] { return "unique" + std::to_string(++n); });
    d.feed("EHLO c\r\nAUTH CRAM-MD5\r\n");
    auto challenge = base64_decode(last_challenge(d.out));
    REQUIRE(challenge);
    CHECK(*challenge == "<unique1@mx.test>");
    d.feed(base64_encode("tim " + hmac_md5_hex("wrong", *challenge)) + "\r\nAUTH CRAM-MD5\r\n");
    challenge = base64_decode(last_challenge(d.out));
    REQUIRE(challenge);
    CHECK(*challenge == "<unique2@mx.test>");
    d.feed(base64_encode("tim " + hmac_md5_hex("tanstaafl", *challenge)) + "\r\n");
    d.feed("MAIL FROM:<t@b.test>\r\nRCPT TO:<c@d.test>\r\nDATA\r\nx\r\n.\r\n");
    CHECK(d.codes() == codes_t{"220", "250", "334", "535 5.7.8", "334", "235 2.7.0", "250 2.1.0", "250 2.1.5",
                               "354", "250 2.0.0"});
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].env.auth_user == "tim");
  }
}

TEST_CASE("BDAT chunks (CHUNKING, BINARYMIME)", "[smtp][session][bdat]") {
  SECTION("chunks are binary and exact, LAST ends the message") {
    driver d;
    const std::string chunk1 = "Subject: b\r\n\r\n.\r\n";  // would end DATA; is just bytes here
    const std::string chunk2 = std::string("\0\xff\r.\n", 5);
    d.feed(ehlo_then_mail.substr(0, 18) + "MAIL FROM:<a@b.test> BODY=BINARYMIME\r\nRCPT TO:<c@d.test>\r\n");
    d.feed("BDAT " + std::to_string(chunk1.size()) + "\r\n" + chunk1 + "BDAT " +
           std::to_string(chunk2.size()) + " LAST\r\n" + chunk2 + "NOOP\r\n");
    CHECK(d.codes() ==
          codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.0.0", "250 2.0.0", "250 2.0.0"});
    CHECK(d.out.find("250 2.0.0 17 octets received\r\n") != std::string::npos);
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].data == chunk1 + chunk2);
    CHECK(d.messages[0].env.body_type == "BINARYMIME");

    driver bytewise;
    bytewise.feed_in_pieces(ehlo_then_mail.substr(0, 18) +
                                "MAIL FROM:<a@b.test> BODY=BINARYMIME\r\nRCPT TO:<c@d.test>\r\nBDAT 17\r\n" +
                                chunk1 + "BDAT 5 LAST\r\n" + chunk2 + "NOOP\r\n",
                            1);
    CHECK(bytewise.out == d.out);
    REQUIRE(bytewise.messages.size() == 1);
    CHECK(bytewise.messages[0].data == d.messages[0].data);
  }
  SECTION("BDAT 0 LAST") {
    driver d;
    d.feed(ehlo_then_mail + "BDAT 3\r\nabcBDAT 0 LAST\r\n");
    REQUIRE(d.messages.size() == 1);
    CHECK(d.messages[0].data == "abc");
  }
  SECTION("mixing BDAT and DATA is a bad sequence") {
    driver d;
    d.feed(ehlo_then_mail + "BDAT 3\r\nabcDATA\r\nRSET\r\n");
    CHECK(d.codes() ==
          codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.0.0", "503 5.5.1", "250 2.0.0"});
    CHECK(d.messages.empty());
  }
  SECTION("too big: the chunk is drained, 552, transaction over") {
    auto cfg = test_config();
    cfg.max_message_size = 10;
    driver d(cfg);
    d.feed(ehlo_then_mail + "BDAT 6\r\n123456BDAT 6 LAST\r\n789012NOOP\r\n");
    CHECK(d.codes() ==
          codes_t{"220", "250", "250 2.1.0", "250 2.1.5", "250 2.0.0", "552 5.3.4", "250 2.0.0"});
    CHECK(d.messages.empty());
  }
}

TEST_CASE("too many bad commands: 421 4.7.0 and close", "[smtp][session]") {
  auto cfg = test_config();
  cfg.max_errors = 3;
  driver d(cfg);
  d.feed("FOO\r\nNOOP\r\nMAIL FROM:<a@b.test>\r\nRCPT TO:<x@y.test>\r\nNOOP\r\nNOOP\r\n");
  CHECK(d.codes() == codes_t{"220", "500 5.5.1", "250 2.0.0", "503 5.5.1", "503 5.5.1", "421 4.7.0"});
  CHECK(d.closed);
  CHECK(d.m.next() == step::close);
}

TEST_CASE("HTTP on the SMTP port closes the connection at once", "[smtp][session]") {
  const std::string inputs[] = {"GET / HTTP/1.1\r\nHost: localhost:2525\r\n\r\n",
                                "POST /api HTTP/1.1\r\nContent-Length: 4\r\n\r\nQUIT",
                                "EHLO c\r\nHost: evil.test\r\nMAIL FROM:<a@b.test>\r\n",
                                "GET /" + std::string(10000, 'a') + " HTTP/1.1\r\n"};
  for (const auto& in : inputs) {
    INFO(in.substr(0, 40));
    driver d;
    d.feed(in);
    CHECK(d.closed);
    CHECK(d.codes().back() == "421 4.7.0");
    CHECK(d.codes().size() == (in.rfind("EHLO", 0) == 0 ? 3u : 2u));
  }
}

TEST_CASE("idle timeout: 421 4.4.2 and close, nothing delivered mid-DATA", "[smtp][session]") {
  driver d;
  d.feed(ehlo_then_mail + "DATA\r\nhalf a mess");
  d.m.timed_out();
  d.pump();
  CHECK(d.codes().back() == "421 4.4.2");
  CHECK(d.closed);
  CHECK(d.messages.empty());
}

TEST_CASE("connection-level replies", "[smtp][session]") {
  CHECK(session_machine::refuse_connection().wire() == "554 5.7.1 Error: access denied\r\n");
  CHECK(session_machine::too_many_connections().wire().rfind("421 4.7.0 ", 0) == 0);
}

TEST_CASE("envelope carries HELO, TLS and SMTPUTF8 addresses", "[smtp][session]") {
  auto cfg = test_config();
  cfg.implicit_tls = true;
  driver d(cfg);
  d.m.tls_started("TLSv1.3 TLS_CHACHA20_POLY1305_SHA256");
  d.feed(
      "EHLO [192.0.2.7]\r\nMAIL FROM:<δοκιμή@παράδειγμα.δοκιμή> SMTPUTF8\r\nRCPT "
      "TO:<@hop.test:ünï@cödé.test>\r\n"
      "DATA\r\nx\r\n.\r\n");
  REQUIRE(d.messages.size() == 1);
  const auto& env = d.messages[0].env;
  CHECK(env.helo == "[192.0.2.7]");
  CHECK(env.tls == "TLSv1.3 TLS_CHACHA20_POLY1305_SHA256");
  CHECK(env.smtputf8);
  CHECK(env.mail_from == "δοκιμή@παράδειγμα.δοκιμή");
  CHECK(env.rcpt_to == std::vector<std::string>{"ünï@cödé.test"});
}

TEST_CASE("lines_read counts whole command lines, not bytes or data lines", "[smtp][session]") {
  // The adapter's slowloris deadline restarts only when this moves.
  driver d(test_config());
  CHECK(d.m.lines_read() == 0);
  d.feed("NO");
  d.feed("OP");
  CHECK(d.m.lines_read() == 0);  // a dribbled line is not progress until its LF
  d.feed("\r\n");
  CHECK(d.m.lines_read() == 1);
  d.feed(std::string(5000, 'x'));  // over-long: 500 at once, the rest of the line discarded
  CHECK(d.m.lines_read() == 1);
  d.feed(std::string(5000, 'y'));
  CHECK(d.m.lines_read() == 1);
  d.feed("\r\n");
  CHECK(d.m.lines_read() == 2);
  d.feed("EHLO a\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\n");
  CHECK(d.m.lines_read() == 6);
  d.feed("Subject: s\r\n\r\nline\r\nline\r\n");
  CHECK(d.m.lines_read() == 6);  // DATA lines are bounded by the data deadline instead
  d.feed(".\r\n");
  CHECK(d.m.lines_read() == 6);
  CHECK(d.messages.size() == 1);
}

TEST_CASE("junk commands beyond 100 since the last message count as errors, then 421", "[smtp][session]") {
  // A slowloris that completes every line in time but never sends mail cannot stay forever.
  driver d(test_config());
  d.feed("EHLO a\r\n");  // junk 1
  for (int i = 0; i < 99; ++i) d.feed("NOOP\r\n");
  d.feed("MAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\nDATA\r\nSubject: s\r\n\r\nx\r\n.\r\n");
  REQUIRE(d.messages.size() == 1);  // a message resets the count
  d.out.clear();
  for (int i = 0; i < 119; ++i) d.feed("NOOP\r\n");
  CHECK_FALSE(d.closed);
  CHECK(d.out.find("421") == std::string::npos);
  d.feed("RSET\r\n");  // the 120th: 100 allowed + 20 errors
  CHECK(d.closed);
  CHECK(d.out.find("421 4.7.0") != std::string::npos);

  auto cfg = test_config();
  cfg.max_recipients = 1;
  driver r(cfg);
  r.feed("EHLO a\r\nMAIL FROM:<a@b.c>\r\nRCPT TO:<d@e.f>\r\n");
  for (int i = 0; i < 119 && !r.closed; ++i) r.feed("RCPT TO:<more@e.f>\r\n");  // 452 each, junk too
  CHECK(r.closed);
}
