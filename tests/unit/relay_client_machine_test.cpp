#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "relay/protocol/client_machine.hpp"
#include "smtp/protocol/auth.hpp"
#include "smtp/protocol/base64.hpp"

using namespace mailjar::relay;

namespace {

// One turn of a scripted server: the exact bytes the client must have written since the last
// turn, then what the server does: reply bytes, or "!tls" (the client must ask for the TLS
// handshake, which succeeds), "!timeout", "!lost".
struct turn {
  std::string client;
  std::string server;
};

struct run_result {
  session_result result;
  std::vector<transcript_line> transcript;
  std::string tail;  // written after the last turn (normally "QUIT\r\n")
};

session_plan plan_for(std::vector<std::string> rcpts, std::string message = "Subject: t\r\n\r\nhi\r\n") {
  session_plan p;
  p.opts.helo_name = "relay.test";
  p.mail_from = "from@src.test";
  p.rcpts = std::move(rcpts);
  static std::vector<std::string> keep;  // plans hold a view of the message
  keep.push_back(std::move(message));
  p.message = keep.back();
  return p;
}

run_result run(session_plan plan, const std::vector<turn>& script, bool implicit_tls = false) {
  client_machine m(std::move(plan));
  if (implicit_tls) m.tls_started("TLSv1.3 TEST");
  std::string written;
  for (const auto& t : script) {
    const auto step = m.next();
    written += m.take_output();
    INFO("server turn: " << t.server);
    REQUIRE(written == t.client);
    written.clear();
    if (t.server == "!tls") {
      REQUIRE(step == client_step::start_tls);
      m.tls_started("TLSv1.3 TEST");
      continue;
    }
    REQUIRE(step == client_step::need_input);
    if (t.server == "!timeout") {
      m.timed_out();
    } else if (t.server == "!lost") {
      m.connection_lost("connection reset by peer");
    } else {
      m.receive(t.server);
    }
  }
  const auto step = m.next();
  run_result out;
  out.tail = m.take_output();
  if (step == client_step::need_input && out.tail == "QUIT\r\n") {
    m.receive("221 bye\r\n");
    REQUIRE(m.next() == client_step::done);
  } else {
    REQUIRE(step == client_step::done);
  }
  out.result = m.result();
  out.transcript = m.take_transcript();
  return out;
}

const std::string greeting = "220 mx.test ESMTP\r\n";
const std::string ehlo_plain = "250-mx.test\r\n250-8BITMIME\r\n250 SIZE 100000\r\n";

std::string transcript_text(const std::vector<transcript_line>& t) {
  std::string s;
  for (const auto& l : t) s += std::string(1, l.dir) + " " + l.text + "\n";
  return s;
}

}  // namespace

TEST_CASE("client: one transaction, 2xx and 5xx recipients, dot-stuffed data, QUIT", "[relay][client]") {
  auto plan = plan_for({"a@dst.test", "nobody@dst.test", "b@dst.test"},
                       "Subject: t\r\n\r\n.leading dot\r\n..two\r\nend");
  const auto r = run(
      plan, {
                {"", greeting},
                {"EHLO relay.test\r\n", ehlo_plain},
                {"MAIL FROM:<from@src.test> SIZE=38\r\n", "250 2.1.0 Ok\r\n"},
                {"RCPT TO:<a@dst.test>\r\n", "250 2.1.5 Ok\r\n"},
                {"RCPT TO:<nobody@dst.test>\r\n", "550-5.1.1 no such\r\n550 5.1.1 user\r\n"},
                {"RCPT TO:<b@dst.test>\r\n", "250 2.1.5 Ok\r\n"},
                {"DATA\r\n", "354 go\r\n"},
                {"Subject: t\r\n\r\n..leading dot\r\n...two\r\nend\r\n.\r\n", "250 2.0.0 queued as X\r\n"},
            });
  CHECK(r.tail == "QUIT\r\n");
  CHECK(r.result.error.empty());
  REQUIRE(r.result.recipients.size() == 3);
  CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  CHECK(r.result.recipients[0].code == 250);
  CHECK(r.result.recipients[0].reply == "2.0.0 queued as X");
  CHECK(r.result.recipients[1].status == rcpt_status::permanent);
  CHECK(r.result.recipients[1].code == 550);
  CHECK(r.result.recipients[1].reply == "5.1.1 no such\n5.1.1 user");
  CHECK(r.result.recipients[2].status == rcpt_status::delivered);
  CHECK_FALSE(r.result.tls_active);
  const auto t = transcript_text(r.transcript);
  CHECK_THAT(t, Catch::Contains("C EHLO relay.test\nS 250-mx.test\nS 250-8BITMIME\nS 250 SIZE 100000\n"));
  CHECK_THAT(t, Catch::Contains("S 550-5.1.1 no such\nS 550 5.1.1 user\n"));
  CHECK_THAT(t, Catch::Contains("I message: 45 octets"));
}

TEST_CASE("client: dot-stuffing", "[relay][client]") {
  CHECK(dot_stuff("") == ".\r\n");
  CHECK(dot_stuff("a\r\n") == "a\r\n.\r\n");
  CHECK(dot_stuff(".\r\n") == "..\r\n.\r\n");
  CHECK(dot_stuff("a\r\n.\r\nb") == "a\r\n..\r\nb\r\n.\r\n");
  CHECK(dot_stuff("x.y\r\n .z\r\n") == "x.y\r\n .z\r\n.\r\n");
}

TEST_CASE("client: HELO when EHLO is refused with 5xx; 4xx to EHLO fails the session", "[relay][client]") {
  auto r = run(plan_for({"a@dst.test"}), {
                                             {"", greeting},
                                             {"EHLO relay.test\r\n", "502 5.5.2 what\r\n"},
                                             {"HELO relay.test\r\n", "250 mx.test\r\n"},
                                             {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                                             {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                                             {"DATA\r\n", "354 go\r\n"},
                                             {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                                         });
  CHECK(r.result.recipients[0].status == rcpt_status::delivered);

  r = run(plan_for({"a@dst.test"}), {{"", greeting}, {"EHLO relay.test\r\n", "450 4.3.2 busy\r\n"}});
  CHECK(r.tail == "QUIT\r\n");
  CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  CHECK(r.result.recipients[0].code == 450);
  CHECK_THAT(r.result.error, Catch::Contains("EHLO refused: 450"));
}

TEST_CASE("client: 4xx/5xx greeting fails the session with every recipient temporary", "[relay][client]") {
  for (const char* g : {"554 5.7.1 go away\r\n", "421 4.3.2 busy\r\n"}) {
    const auto r = run(plan_for({"a@dst.test", "b@dst.test"}), {{"", g}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK_THAT(r.result.error, Catch::StartsWith("greeting refused"));
    for (const auto& o : r.result.recipients) {
      CHECK(o.status == rcpt_status::temporary);
      CHECK(o.code == std::stoi(std::string(g, 3)));
    }
  }
}

TEST_CASE("client: STARTTLS when offered; plaintext buffered before the handshake is discarded",
          "[relay][client]") {
  const std::string ehlo_tls = "250-mx.test\r\n250 STARTTLS\r\n";
  const auto r = run(plan_for({"a@dst.test"}),
                     {
                         {"", greeting},
                         {"EHLO relay.test\r\n", ehlo_tls},
                         // The injected reply after 220 must not be taken as the answer to anything.
                         {"STARTTLS\r\n", "220 2.0.0 go\r\n250 injected\r\n"},
                         {"", "!tls"},
                         {"EHLO relay.test\r\n", "250-mx.test\r\n250 8BITMIME\r\n"},
                         {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                         {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                         {"DATA\r\n", "354 go\r\n"},
                         {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                     });
  CHECK(r.result.tls_active);
  CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  const auto t = transcript_text(r.transcript);
  CHECK_THAT(t, Catch::Contains("I discarded 14 octets"));
  CHECK_THAT(t, Catch::Contains("I TLS established: TLSv1.3 TEST"));
}

TEST_CASE("client: STARTTLS modes", "[relay][client]") {
  SECTION("required but not offered: temporary failure, QUIT") {
    auto plan = plan_for({"a@dst.test"});
    plan.opts.tls = tls_mode::starttls_required;
    const auto r = run(plan, {{"", greeting}, {"EHLO relay.test\r\n", ehlo_plain}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK(r.result.error == "STARTTLS required but not offered");
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  }
  SECTION("opportunistic, refused with 454: goes on in plaintext") {
    const auto r = run(plan_for({"a@dst.test"}), {
                                                     {"", greeting},
                                                     {"EHLO relay.test\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                                                     {"STARTTLS\r\n", "454 4.7.0 not now\r\n"},
                                                     {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                                                     {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                                                     {"DATA\r\n", "354 go\r\n"},
                                                     {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                                                 });
    CHECK_FALSE(r.result.tls_active);
    CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  }
  SECTION("none: STARTTLS never sent even when offered") {
    auto plan = plan_for({"a@dst.test"});
    plan.opts.tls = tls_mode::none;
    const auto r = run(plan, {
                                 {"", greeting},
                                 {"EHLO relay.test\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                                 {"MAIL FROM:<from@src.test>\r\n", "451 4.3.0 later\r\n"},
                             });
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);
    CHECK_THAT(r.result.error, Catch::Contains("MAIL FROM refused: 451"));
  }
  SECTION("implicit TLS: handshake before the greeting, no STARTTLS") {
    auto plan = plan_for({"a@dst.test"});
    plan.opts.tls = tls_mode::implicit;
    const auto r = run(plan,
                       {
                           {"", greeting},
                           {"EHLO relay.test\r\n", "250-mx\r\n250 STARTTLS\r\n"},
                           {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                           {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                           {"DATA\r\n", "354 go\r\n"},
                           {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                       },
                       true);
    CHECK(r.result.tls_active);
    CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  }
}

TEST_CASE("client: AUTH PLAIN, LOGIN and CRAM-MD5 with secrets masked", "[relay][client]") {
  const std::string ehlo_auth = "250-mx\r\n250 AUTH PLAIN LOGIN CRAM-MD5\r\n";
  const std::vector<turn> tail = {
      {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
      {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
      {"DATA\r\n", "354 go\r\n"},
      {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
  };
  auto plan = plan_for({"a@dst.test"});
  plan.opts.user = "alice";
  plan.opts.password = "s3cret";
  std::vector<turn> script = {{"", greeting}, {"EHLO relay.test\r\n", ehlo_auth}};

  SECTION("PLAIN") {
    plan.opts.auth = auth_mech::plain;
    script.push_back(
        {"AUTH PLAIN " + mailjar::smtp::base64_encode(std::string("\0alice\0s3cret", 13)) + "\r\n",
         "235 2.7.0 ok\r\n"});
  }
  SECTION("LOGIN") {
    plan.opts.auth = auth_mech::login;
    script.push_back({"AUTH LOGIN\r\n", "334 VXNlcm5hbWU6\r\n"});
    script.push_back({"YWxpY2U=\r\n", "334 UGFzc3dvcmQ6\r\n"});
    script.push_back({"czNjcmV0\r\n", "235 2.7.0 ok\r\n"});
  }
  SECTION("CRAM-MD5") {
    plan.opts.auth = auth_mech::cram_md5;
    const std::string challenge = "<1896.697170952@mx.test>";
    script.push_back({"AUTH CRAM-MD5\r\n", "334 " + mailjar::smtp::base64_encode(challenge) + "\r\n"});
    const std::string expect = "alice " + mailjar::smtp::cram_md5_digest("s3cret", challenge);
    script.push_back({mailjar::smtp::base64_encode(expect) + "\r\n", "235 2.7.0 ok\r\n"});
  }
  script.insert(script.end(), tail.begin(), tail.end());
  const auto r = run(plan, script);
  CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  const auto t = transcript_text(r.transcript);
  CHECK_THAT(t, Catch::Contains("***"));
  CHECK_THAT(t, !Catch::Contains("s3cret"));
  CHECK_THAT(t, !Catch::Contains(mailjar::smtp::base64_encode("s3cret")));
  CHECK_THAT(t, !Catch::Contains("AGFsaWNl"));  // base64 of "\0alice..."
}

TEST_CASE("client: AUTH failures", "[relay][client]") {
  auto plan = plan_for({"a@dst.test"});
  plan.opts.auth = auth_mech::plain;
  plan.opts.user = "alice";
  plan.opts.password = "pw";
  SECTION("mechanism not offered") {
    const auto r = run(plan, {{"", greeting}, {"EHLO relay.test\r\n", "250-mx\r\n250 AUTH LOGIN\r\n"}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK(r.result.error == "AUTH PLAIN not offered by the server");
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  }
  SECTION("535 from the server") {
    const auto r = run(plan, {{"", greeting},
                              {"EHLO relay.test\r\n", "250-mx\r\n250 AUTH PLAIN\r\n"},
                              {"AUTH PLAIN AGFsaWNlAHB3\r\n", "535 5.7.8 bad\r\n"}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK_THAT(r.result.error, Catch::Contains("authentication failed: 535"));
    CHECK(r.result.recipients[0].code == 535);
  }
  SECTION("malformed CRAM-MD5 challenge") {
    plan.opts.auth = auth_mech::cram_md5;
    const auto r = run(plan, {{"", greeting},
                              {"EHLO relay.test\r\n", "250-mx\r\n250 AUTH CRAM-MD5\r\n"},
                              {"AUTH CRAM-MD5\r\n", "334 not*base64\r\n"}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK(r.result.error == "malformed CRAM-MD5 challenge");
  }
}

TEST_CASE("client: 4xx at RCPT is temporary; no DATA without an accepted recipient", "[relay][client]") {
  const auto r =
      run(plan_for({"a@dst.test", "b@dst.test"}), {
                                                      {"", greeting},
                                                      {"EHLO relay.test\r\n", ehlo_plain},
                                                      {"MAIL FROM:<from@src.test> SIZE=18\r\n", "250 ok\r\n"},
                                                      {"RCPT TO:<a@dst.test>\r\n", "451 4.7.1 later\r\n"},
                                                      {"RCPT TO:<b@dst.test>\r\n", "550 5.1.1 no\r\n"},
                                                  });
  CHECK(r.tail == "QUIT\r\n");
  CHECK(r.result.error.empty());
  CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  CHECK(r.result.recipients[0].code == 451);
  CHECK(r.result.recipients[1].status == rcpt_status::permanent);
}

TEST_CASE("client: MAIL 5xx is permanent for all; the final reply decides accepted recipients",
          "[relay][client]") {
  auto r = run(plan_for({"a@dst.test", "b@dst.test"}),
               {
                   {"", greeting},
                   {"EHLO relay.test\r\n", "250 mx\r\n"},
                   {"MAIL FROM:<from@src.test>\r\n", "553 5.7.1 sender\r\n"},
               });
  CHECK(r.result.recipients[0].status == rcpt_status::permanent);
  CHECK(r.result.recipients[1].status == rcpt_status::permanent);
  CHECK(r.result.recipients[1].code == 553);

  r = run(plan_for({"a@dst.test", "b@dst.test"}), {
                                                      {"", greeting},
                                                      {"EHLO relay.test\r\n", "250 mx\r\n"},
                                                      {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                                                      {"RCPT TO:<a@dst.test>\r\n", "550 no\r\n"},
                                                      {"RCPT TO:<b@dst.test>\r\n", "250 ok\r\n"},
                                                      {"DATA\r\n", "354 go\r\n"},
                                                      {"Subject: t\r\n\r\nhi\r\n.\r\n", "452 4.3.1 full\r\n"},
                                                  });
  CHECK(r.result.recipients[0].status == rcpt_status::permanent);
  CHECK(r.result.recipients[1].status == rcpt_status::temporary);
  CHECK(r.result.recipients[1].code == 452);

  r = run(plan_for({"a@dst.test"}), {
                                        {"", greeting},
                                        {"EHLO relay.test\r\n", "250 mx\r\n"},
                                        {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                                        {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                                        {"DATA\r\n", "554 5.5.1 no valid recipients\r\n"},
                                    });
  CHECK(r.result.recipients[0].status == rcpt_status::permanent);
  CHECK(r.result.recipients[0].code == 554);
}

TEST_CASE("client: timeouts, lost connections and garbage end the session", "[relay][client]") {
  const std::vector<turn> head = {{"", greeting},
                                  {"EHLO relay.test\r\n", "250 mx\r\n"},
                                  {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                                  {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"}};
  auto script = head;
  SECTION("timeout after RCPT") {
    script.push_back({"RCPT TO:<b@dst.test>\r\n", "!timeout"});
    const auto r = run(plan_for({"a@dst.test", "b@dst.test"}), script);
    CHECK(r.tail.empty());
    CHECK(r.result.error == "timeout waiting for the reply to RCPT TO");
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);  // accepted but never sent
    CHECK(r.result.recipients[1].status == rcpt_status::temporary);
    CHECK(r.result.recipients[1].code == 0);
  }
  SECTION("connection lost after the final dot") {
    script.push_back({"DATA\r\n", "354 go\r\n"});
    script.push_back({"Subject: t\r\n\r\nhi\r\n.\r\n", "!lost"});
    const auto r = run(plan_for({"a@dst.test"}), script);
    CHECK(r.tail.empty());
    CHECK_THAT(r.result.error, Catch::Contains("connection lost waiting for the reply to the end of data"));
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  }
  SECTION("malformed multi-line reply") {
    script.push_back({"DATA\r\n", "354-go\r\n250 mixed\r\n"});
    const auto r = run(plan_for({"a@dst.test"}), script);
    CHECK(r.tail.empty());
    CHECK_THAT(r.result.error, Catch::Contains("malformed reply to DATA: reply lines with different codes"));
    CHECK(r.result.recipients[0].status == rcpt_status::temporary);
  }
}

TEST_CASE("client: the final-reply wait uses the data timeout", "[relay][client]") {
  client_machine m(plan_for({"a@dst.test"}));
  for (const std::string& s :
       {greeting, std::string("250 mx\r\n"), std::string("250 ok\r\n"), std::string("250 ok\r\n")}) {
    REQUIRE(m.next() == client_step::need_input);
    CHECK(m.waiting_for() == wait_kind::command);
    m.receive(s);
  }
  REQUIRE(m.next() == client_step::need_input);
  m.receive("354 go\r\n");
  REQUIRE(m.next() == client_step::need_input);
  CHECK(m.waiting_for() == wait_kind::data_end);
  m.receive("250 ok\r\n");
  REQUIRE(m.next() == client_step::need_input);
  CHECK(m.waiting_for() == wait_kind::command);
}

TEST_CASE("client: extension parameters and limits", "[relay][client]") {
  SECTION("SMTPUTF8 and BODY=8BITMIME when needed and offered") {
    auto plan = plan_for({"jürgen@dst.test"});
    plan.eight_bit = true;
    const auto r = run(plan, {
                                 {"", greeting},
                                 {"EHLO relay.test\r\n", "250-mx\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n"},
                                 {"MAIL FROM:<from@src.test> SMTPUTF8 BODY=8BITMIME\r\n", "250 ok\r\n"},
                                 {"RCPT TO:<jürgen@dst.test>\r\n", "250 ok\r\n"},
                                 {"DATA\r\n", "354 go\r\n"},
                                 {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                             });
    CHECK(r.result.recipients[0].status == rcpt_status::delivered);
  }
  SECTION("non-ASCII address without SMTPUTF8: permanent, nothing sent") {
    const auto r =
        run(plan_for({"jürgen@dst.test"}), {{"", greeting}, {"EHLO relay.test\r\n", "250 mx\r\n"}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK(r.result.recipients[0].status == rcpt_status::permanent);
    CHECK_THAT(r.result.recipients[0].reply, Catch::Contains("SMTPUTF8"));
  }
  SECTION("message larger than the advertised SIZE: permanent") {
    const auto r =
        run(plan_for({"a@dst.test"}), {{"", greeting}, {"EHLO relay.test\r\n", "250-mx\r\n250 SIZE 10\r\n"}});
    CHECK(r.tail == "QUIT\r\n");
    CHECK(r.result.recipients[0].status == rcpt_status::permanent);
    CHECK_THAT(r.result.recipients[0].reply, Catch::Contains("exceeds the server's SIZE 10"));
  }
  SECTION("addresses with CR/LF or brackets are never sent") {
    const auto r = run(plan_for({"a@dst.test\r\nRSET", "b>@x", "c@dst.test"}),
                       {
                           {"", greeting},
                           {"EHLO relay.test\r\n", "250 mx\r\n"},
                           {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                           {"RCPT TO:<c@dst.test>\r\n", "250 ok\r\n"},
                           {"DATA\r\n", "354 go\r\n"},
                           {"Subject: t\r\n\r\nhi\r\n.\r\n", "250 ok\r\n"},
                       });
    CHECK(r.result.recipients[0].status == rcpt_status::permanent);
    CHECK(r.result.recipients[1].status == rcpt_status::permanent);
    CHECK(r.result.recipients[2].status == rcpt_status::delivered);
  }
}

TEST_CASE("client: server bytes never reach a command; byte-by-byte feeding gives the same session",
          "[relay][client]") {
  const std::vector<std::string> replies = {
      "220 zzEVILzz.test ESMTP zzEVILzz\r\n",
      "250-zzEVILzz\r\n250-AUTH PLAIN LOGIN zzEVILzz\r\n250-SIZE zzEVILzz\r\n250 zzEVILzz 8BITMIME\r\n",
      "334 enpFVklMeno=\r\n",  // base64 of "zzEVILzz" as the LOGIN username prompt
      "334 enpFVklMeno=\r\n",
      "235 zzEVILzz\r\n",
      "250 zzEVILzz\r\n",
      "250 zzEVILzz\r\n",
      "354 zzEVILzz\r\n",
      "250 zzEVILzz\r\n",
      "221 zzEVILzz\r\n",
  };
  for (const bool bytewise : {false, true}) {
    auto plan = plan_for({"a@dst.test"});
    plan.opts.auth = auth_mech::login;
    plan.opts.user = "u";
    plan.opts.password = "p";
    client_machine m(plan);
    std::string written;
    std::size_t next = 0;
    for (int guard = 0; guard < 100; ++guard) {
      const auto step = m.next();
      written += m.take_output();
      if (step == client_step::done) break;
      REQUIRE(step == client_step::need_input);
      REQUIRE(next < replies.size());
      if (bytewise) {
        for (const char c : replies[next]) m.receive(std::string_view(&c, 1));
      } else {
        m.receive(replies[next]);
      }
      ++next;
    }
    INFO(written);
    CHECK(next == replies.size());
    CHECK(written.find("zzEVILzz") == std::string::npos);
    CHECK(written.find("enpFVklMeno") == std::string::npos);
    CHECK(m.result().recipients[0].status == rcpt_status::delivered);
    CHECK(written ==
          "EHLO relay.test\r\nAUTH LOGIN\r\ndQ==\r\ncA==\r\nMAIL FROM:<from@src.test> SIZE=18\r\n"
          "RCPT TO:<a@dst.test>\r\nDATA\r\nSubject: t\r\n\r\nhi\r\n.\r\nQUIT\r\n");
  }
}

TEST_CASE("client: 421 closes the session at once, without QUIT", "[relay][client]") {
  const auto r = run(plan_for({"a@dst.test", "b@dst.test", "c@dst.test"}),
                     {
                         {"", greeting},
                         {"EHLO relay.test\r\n", "250 mx\r\n"},
                         {"MAIL FROM:<from@src.test>\r\n", "250 ok\r\n"},
                         {"RCPT TO:<a@dst.test>\r\n", "250 ok\r\n"},
                         {"RCPT TO:<b@dst.test>\r\n", "421 4.4.2 closing\r\n"},
                     });
  CHECK(r.tail.empty());
  CHECK(r.result.error == "server closing the session after RCPT TO: 421");
  for (const auto& o : r.result.recipients) {
    CHECK(o.status == rcpt_status::temporary);
    CHECK(o.code == 421);
  }
}
