// The release engine over the real SQLite delivery log with a scripted transport and a fake
// clock: retry schedule, recipient policy, temp/perm judgement, grouping by domain, persistence
// before the first attempt, back-off and retries, give-up, restarts (deferred resumed once,
// in-flight never resent), envelope sender choice, the same bytes on every retry.
#include <catch2/catch.hpp>

#include "relay/release_policy.hpp"
#include "relay/release_service.hpp"
#include "relay/retry_schedule.hpp"
#include "store/delivery_store.hpp"
#include "store/schema.hpp"
#include "support/fake_relay.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;
using relay::recipient_state;

namespace {

struct engine_fixture {
  test::temp_dir dir;
  std::string path = dir.file("mail.db");
  std::unique_ptr<store::delivery_store> log;
  testing::fake_transport transport;
  testing::fake_clock clock;
  testing::delivery_events events;
  testing::fake_messages messages;
  std::vector<relay::prepare_request> prepared;
  std::unique_ptr<relay::release_service> svc;

  engine_fixture() {
    REQUIRE(store::migrate_file(path, store::latest_schema_version).ok());
    relay::source_message m;
    m.raw =
        "From: App <app@example.com>\r\nTo: a@x.test\r\nBcc: hidden@x.test\r\nSubject: hi\r\n\r\nbody\r\n";
    m.env.mail_from = "bounce@example.com";
    m.env.rcpt_to = {"a@x.test"};
    m.from = "app@example.com";
    messages.add("MSG1", m);
  }

  relay::release_config config(const std::string& mode = "relay") {
    relay::release_config c;
    c.enabled = true;
    c.mode = mode;
    c.smart_host = "smart.host:2525";
    c.policy = *relay::release_policy::create("@(x|y)\\.test$", false, "^blocked@");
    c.retry = *relay::retry_schedule::parse("1m,5m");
    c.hostname = "mj.local";
    c.background = false;
    return c;
  }

  void open(relay::release_config c) {
    svc.reset();
    log.reset();
    auto opened = store::delivery_store::open(path);
    REQUIRE(opened.ok());
    log = std::move(*opened);
    relay::release_deps deps{*log,
                             events,
                             [this](const std::string& uid) { return messages.load(uid); },
                             [this](const std::string& raw, const relay::prepare_request& p) {
                               prepared.push_back(p);
                               return "Message-ID: <" + p.new_message_id + ">\r\n" + raw;
                             },
                             std::ref(transport),
                             [this] { return clock.now(); },
                             [] { return std::string("tok"); }};
    svc = std::make_unique<relay::release_service>(std::move(c), std::move(deps));
    REQUIRE(svc->start().ok());
  }

  relay::recipient_record recipient(const std::string& address) {
    auto all = log->for_message("MSG1");
    REQUIRE(all.ok());
    for (const auto& d : *all) {
      for (const auto& r : d.recipients) {
        if (r.address == address) return r;
      }
    }
    FAIL("no recipient " << address);
    return {};
  }
};

release_call call_for(std::vector<std::string> to, std::string uid = "MSG1") {
  release_call c;
  c.uid = std::move(uid);
  c.to = std::move(to);
  return c;
}

}  // namespace

TEST_CASE("retry schedule: parsing, delays after each attempt, give-up, canonical text", "[release]") {
  auto s = relay::retry_schedule::parse("1m, 5m,30m,2h");
  REQUIRE(s.ok());
  CHECK(s->max_attempts() == 5);
  CHECK(s->delay_after(1) == 60'000);
  CHECK(s->delay_after(2) == 300'000);
  CHECK(s->delay_after(4) == 7'200'000);
  CHECK_FALSE(s->delay_after(5).has_value());
  CHECK(s->to_string() == "1m,5m,30m,2h");
  CHECK(relay::retry_schedule::parse("90s,1d")->to_string() == "90s,1d");
  for (const char* bad : {"", "1", "5x", "0s", "1m,,", "8d", "-1m", "1.5m", "m"}) {
    INFO(bad);
    CHECK_FALSE(relay::retry_schedule::parse(bad).ok());
  }
}

TEST_CASE("release policy: allowed, blocked, allow-any, malformed addresses, bad regexes", "[release]") {
  auto p = relay::release_policy::create("@example\\.(com|org)$", false, "^ceo@");
  REQUIRE(p.ok());
  CHECK(p->check({"dev@example.com", "QA@Example.ORG"}).empty());
  auto refused = p->check({"dev@example.com", "x@other.net", "ceo@example.com", "bad address@x"});
  REQUIRE(refused.size() == 3);
  CHECK(refused[0] == "x@other.net: not allowed by --relay-allowed-recipients");
  CHECK(refused[1] == "ceo@example.com: blocked by --relay-blocked-recipients");
  CHECK(refused[2].find("not a valid email address") != std::string::npos);
  CHECK(p->check({}).size() == 1);
  CHECK(p->check({"a@b\r\nRCPT TO:<x@y>"}).size() == 1);

  auto any = relay::release_policy::create("", true, "@blocked\\.test$");
  REQUIRE(any.ok());
  CHECK(any->check({"anyone@anywhere.test"}).empty());
  CHECK(any->check({"x@BLOCKED.test"}).size() == 1);
  CHECK(relay::release_policy{}.check({"a@b.test"}).size() == 1);  // nothing allowed by default
  CHECK_FALSE(relay::release_policy::create("(", false, "").ok());
  CHECK_FALSE(relay::release_policy::create("", true, "[z-a]").ok());
}

TEST_CASE("temporary vs permanent is judged in one place", "[release]") {
  using relay::rcpt_status;
  auto judge = [](int code, rcpt_status s = rcpt_status::temporary) {
    return relay::judge(relay::rcpt_outcome{"a@b", s, code, ""});
  };
  CHECK(judge(250) == rcpt_status::delivered);
  CHECK(judge(251) == rcpt_status::delivered);
  CHECK(judge(550) == rcpt_status::permanent);
  CHECK(judge(554, rcpt_status::temporary) == rcpt_status::permanent);
  CHECK(judge(450) == rcpt_status::temporary);
  CHECK(judge(421, rcpt_status::permanent) == rcpt_status::temporary);
  CHECK(judge(0) == rcpt_status::temporary);                          // connection lost, timeout
  CHECK(judge(0, rcpt_status::permanent) == rcpt_status::permanent);  // NXDOMAIN, null MX
  CHECK(judge(0, rcpt_status::delivered) == rcpt_status::temporary);  // no reply is never a delivery
  CHECK(relay::reply_text({"a@b", rcpt_status::permanent, 550, "5.1.1 no\nsuch user"}) ==
        "550 5.1.1 no such user");
  CHECK(relay::reply_text({"a@b", rcpt_status::temporary, 0, "connection refused"}) == "connection refused");
  CHECK(relay::domain_of("Someone@Mail.X.Test") == "mail.x.test");
}

TEST_CASE("release through the smart host: persisted before the first attempt, delivered, logged",
          "[release]") {
  engine_fixture f;
  f.open(f.config());
  f.transport.script("a@x.test", 250, "2.0.0 queued");
  auto r = f.svc->release(call_for({"a@x.test", "b@y.test", "A@x.test"}));
  REQUIRE(r.failure == release_failure::none);
  REQUIRE(r.recipients.size() == 2);  // A@x.test is a@x.test again
  CHECK(r.recipients[0].state == recipient_state::delivered);
  CHECK(r.recipients[0].last_reply == "250 2.0.0 queued");
  CHECK(r.recipients[1].state == recipient_state::delivered);
  auto calls = f.transport.calls();
  REQUIRE(calls.size() == 1);  // smart host: one transaction for all
  CHECK(calls[0].rcpts == std::vector<std::string>{"a@x.test", "b@y.test"});
  CHECK(calls[0].mail_from == "bounce@example.com");
  CHECK(calls[0].how.mode == "relay");

  auto all = f.log->for_message("MSG1");
  REQUIRE(all.ok());
  REQUIRE(all->size() == 1);
  const auto& d = all->front();
  CHECK(d.id == r.delivery_id);
  CHECK(d.mode == "relay");
  CHECK(d.mail_from == "bounce@example.com");
  REQUIRE(d.attempts.size() == 1);
  CHECK(d.attempts[0].session.host == "smart.host");
  CHECK(d.attempts[0].session.transcript.size() == 6);
  CHECK(d.attempts[0].session.transcript[2].text == "RCPT TO:<a@x.test>");
  CHECK(d.attempts[0].session.recipients.size() == 2);
  CHECK(d.recipients[0].attempts == 1);
  auto changes = f.events.changes();
  REQUIRE(changes.size() == 3);
  CHECK(changes[0].status == "pending");
  CHECK(changes[1].recipient == "a@x.test");
  CHECK(changes[1].status == "delivered");
  CHECK(changes[2].delivery_id == r.delivery_id);
}

TEST_CASE("the delivery is in the log, in flight, while the first attempt runs", "[release]") {
  engine_fixture f;
  auto c = f.config();
  f.svc.reset();
  auto opened = store::delivery_store::open(f.path);
  REQUIRE(opened.ok());
  f.log = std::move(*opened);
  std::vector<relay::delivery_record> seen;
  relay::release_deps deps{*f.log,
                           f.events,
                           [&f](const std::string& uid) { return f.messages.load(uid); },
                           [](const std::string& raw, const relay::prepare_request&) { return raw; },
                           [&](const relay::route& how, const std::string& from,
                               const std::vector<std::string>& rcpts, std::string_view data) {
                             seen = *f.log->for_message("MSG1");
                             return f.transport(how, from, rcpts, data);
                           },
                           [&f] { return f.clock.now(); }};
  relay::release_service svc(c, std::move(deps));
  REQUIRE(svc.start().ok());
  REQUIRE(svc.release(call_for({"a@x.test"})).failure == release_failure::none);
  REQUIRE(seen.size() == 1);
  REQUIRE(seen[0].recipients.size() == 1);
  CHECK(seen[0].recipients[0].state == recipient_state::in_flight);
  CHECK(relay::api_status(seen[0].recipients[0].state) == std::string("pending"));
}

TEST_CASE("MX mode: one transaction per recipient domain", "[release]") {
  engine_fixture f;
  f.open(f.config("mx"));
  auto r = f.svc->release(call_for({"a@x.test", "b@Y.test", "c@X.TEST"}));
  REQUIRE(r.failure == release_failure::none);
  auto calls = f.transport.calls();
  REQUIRE(calls.size() == 2);
  std::map<std::string, std::vector<std::string>> by_domain;
  for (const auto& c : calls) by_domain[c.how.domain] = c.rcpts;
  CHECK(by_domain["x.test"] == std::vector<std::string>{"a@x.test", "c@X.TEST"});
  CHECK(by_domain["y.test"] == std::vector<std::string>{"b@Y.test"});
}

TEST_CASE("4xx defers with back-off, nothing is sent before it is due, then delivered once", "[release]") {
  engine_fixture f;
  f.open(f.config());
  f.transport.script("a@x.test", 451, "4.3.0 try later");
  auto r = f.svc->release(call_for({"a@x.test", "b@y.test"}));
  REQUIRE(r.failure == release_failure::none);
  CHECK(r.recipients[0].state == recipient_state::deferred);
  CHECK(r.recipients[0].next_attempt_ms == f.clock.now() + 60'000);
  CHECK(r.recipients[0].last_reply == "451 4.3.0 try later");
  CHECK(r.recipients[1].state == recipient_state::delivered);

  CHECK(f.svc->run_due() == 0);
  f.clock.advance_ms(59'999);
  CHECK(f.svc->run_due() == 0);
  f.clock.advance_ms(1);
  CHECK(f.svc->run_due() == 1);
  CHECK(f.recipient("a@x.test").state == recipient_state::delivered);
  CHECK(f.recipient("a@x.test").attempts == 2);
  CHECK_FALSE(f.recipient("a@x.test").next_attempt_ms.has_value());
  f.clock.advance_ms(3'600'000);
  CHECK(f.svc->run_due() == 0);
  CHECK(f.transport.sends_to("a@x.test") == 2);
  CHECK(f.transport.sends_to("b@y.test") == 1);  // the delivered one is never sent again
  auto calls = f.transport.calls();
  CHECK(calls[1].data == calls[0].data);  // the retry sends the very same bytes
  auto all = f.log->for_message("MSG1");
  CHECK(all->front().attempts.size() == 2);
}

TEST_CASE("temporary failures give up after the last delay; 5xx fails at once", "[release]") {
  engine_fixture f;
  f.open(f.config());
  f.transport.script("a@x.test", 0, "connection refused");
  f.transport.script("a@x.test", 421, "4.7.0 busy");
  f.transport.script("a@x.test", 450, "4.2.0 mailbox busy");
  f.transport.script("b@y.test", 550, "5.1.1 no such user");
  auto r = f.svc->release(call_for({"a@x.test", "b@y.test"}));
  CHECK(r.recipients[0].state == recipient_state::deferred);
  CHECK(r.recipients[0].last_reply == "connection refused");
  CHECK(r.recipients[1].state == recipient_state::failed);
  CHECK(r.recipients[1].last_reply == "550 5.1.1 no such user");
  f.clock.advance_ms(60'000);
  CHECK(f.svc->run_due() == 1);
  CHECK(f.recipient("a@x.test").state == recipient_state::deferred);
  CHECK(f.recipient("a@x.test").next_attempt_ms == f.clock.now() + 300'000);
  f.clock.advance_ms(300'000);
  CHECK(f.svc->run_due() == 1);
  auto a = f.recipient("a@x.test");
  CHECK(a.state == recipient_state::failed);
  CHECK(a.attempts == 3);
  CHECK(a.last_reply == "gave up after 3 attempts: 450 4.2.0 mailbox busy");
  f.clock.advance_ms(86'400'000);
  CHECK(f.svc->run_due() == 0);
  CHECK(f.transport.sends_to("b@y.test") == 1);
}

TEST_CASE("DNS answers judged by the transport: NXDOMAIN permanent, SERVFAIL deferred", "[release]") {
  engine_fixture f;
  f.open(f.config("mx"));
  f.transport.script("a@x.test", 0, "NXDOMAIN for x.test", true);
  f.transport.script("b@y.test", 0, "SERVFAIL for y.test", false);
  auto r = f.svc->release(call_for({"a@x.test", "b@y.test"}));
  CHECK(r.recipients[0].state == recipient_state::failed);
  CHECK(r.recipients[1].state == recipient_state::deferred);
}

TEST_CASE("a restart resumes deferred recipients (delivered once) and never resends in-flight ones",
          "[release]") {
  engine_fixture f;
  f.open(f.config());
  f.transport.script("a@x.test", 452, "4.2.2 full");
  REQUIRE(f.svc->release(call_for({"a@x.test"})).recipients[0].state == recipient_state::deferred);

  // A second delivery left in flight, as if the process died during its session.
  relay::new_delivery nd;
  nd.uid = "MSG1";
  nd.created_ms = f.clock.now();
  nd.mode = "relay";
  nd.mail_from = "bounce@example.com";
  nd.data = "X: y\r\n\r\nz\r\n";
  nd.recipients = {"b@y.test"};
  REQUIRE(f.log->create(nd).ok());

  f.open(f.config());  // "restart": new log connection, new service, start() recovers
  CHECK(f.recipient("b@y.test").state == recipient_state::failed);
  CHECK(f.recipient("b@y.test").last_reply.find("not retried") != std::string::npos);
  f.clock.advance_ms(60'000);
  CHECK(f.svc->run_due() == 1);
  f.clock.advance_ms(3'600'000);
  CHECK(f.svc->run_due() == 0);
  CHECK(f.recipient("a@x.test").state == recipient_state::delivered);
  CHECK(f.transport.sends_to("a@x.test") == 2);
  CHECK(f.transport.sends_to("b@y.test") == 0);
}

TEST_CASE("refused, unconfigured and unknown releases send and store nothing", "[release]") {
  engine_fixture f;
  f.open(f.config());
  auto r = f.svc->release(call_for({"a@x.test", "someone@elsewhere.com"}));
  CHECK(r.failure == release_failure::refused);
  CHECK(r.message == "someone@elsewhere.com: not allowed by --relay-allowed-recipients");
  r = f.svc->release(call_for({"blocked@x.test"}));
  CHECK(r.failure == release_failure::refused);
  CHECK(r.message == "blocked@x.test: blocked by --relay-blocked-recipients");
  CHECK(f.svc->release(call_for({})).failure == release_failure::refused);
  CHECK(f.svc->release(call_for({"a@x.test"}, "NOPE")).failure == release_failure::not_found);
  auto off = f.config();
  off.enabled = false;
  f.open(off);
  r = f.svc->release(call_for({"a@x.test"}));
  CHECK(r.failure == release_failure::not_configured);
  CHECK(r.message == "release is not configured");
  CHECK(f.transport.calls().empty());
  CHECK(f.log->for_message("MSG1")->empty());
}

TEST_CASE("envelope sender: --relay-return-path, else Return-Path, MAIL FROM, From; new Message-ID",
          "[release]") {
  engine_fixture f;
  auto c = f.config();
  c.return_path = "fixed@example.com";
  c.new_message_id = true;
  c.override_from = "Relay <relay@example.com>";
  f.open(c);
  f.svc->release(call_for({"a@x.test"}));
  REQUIRE(f.prepared.size() == 1);
  CHECK(f.prepared[0].new_message_id == "tok@mj.local");
  CHECK(f.prepared[0].override_from == "Relay <relay@example.com>");
  CHECK(f.transport.calls().back().mail_from == "fixed@example.com");
  CHECK(f.transport.calls().back().data.rfind("Message-ID: <tok@mj.local>\r\n", 0) == 0);

  f.open(f.config());
  auto m = *f.messages.load("MSG1");
  m.return_path = "rp@example.com";
  f.messages.add("MSG2", m);
  f.svc->release(call_for({"a@x.test"}, "MSG2"));
  CHECK(f.transport.calls().back().mail_from == "rp@example.com");
  CHECK(f.prepared.back().new_message_id.empty());
  m.return_path.clear();
  m.env.mail_from.clear();
  f.messages.add("MSG3", m);
  f.svc->release(call_for({"a@x.test"}, "MSG3"));
  CHECK(f.transport.calls().back().mail_from == "app@example.com");
}

TEST_CASE("a one-off host (MailHog) is used for every recipient; its password is not stored", "[release]") {
  engine_fixture f;
  f.open(f.config("mx"));
  release_call c = call_for({"a@x.test", "b@y.test"});
  c.via = relay::route_override{"127.0.0.1", 2526, "user", "PLAIN"};
  c.via_password = "s3cret";
  f.transport.script("a@x.test", 421, "4.4.2 later");
  auto r = f.svc->release(c);
  REQUIRE(r.failure == release_failure::none);
  auto calls = f.transport.calls();
  REQUIRE(calls.size() == 1);
  REQUIRE(calls[0].how.via.has_value());
  CHECK(calls[0].how.via->port == 2526);
  CHECK(calls[0].how.via_password == "s3cret");
  f.clock.advance_ms(60'000);
  CHECK(f.svc->run_due() == 1);
  CHECK(f.transport.calls().back().how.via_password == "s3cret");  // kept in memory for retries
  CHECK(f.transport.calls().back().how.via->host == "127.0.0.1");
  CHECK(test::sql_int(f.path, "SELECT count(*) FROM deliveries WHERE via_json LIKE '%s3cret%'") == 0);
  CHECK(f.log->for_message("MSG1")->front().mode == "relay");
}

TEST_CASE("background workers: release waits for every group's first outcome", "[release]") {
  engine_fixture f;
  auto c = f.config("mx");
  c.background = true;
  c.workers = 3;
  f.open(c);
  auto r = f.svc->release(call_for({"a@x.test", "b@y.test"}));
  REQUIRE(r.failure == release_failure::none);
  CHECK(r.recipients[0].state == recipient_state::delivered);
  CHECK(r.recipients[1].state == recipient_state::delivered);
  CHECK(f.transport.calls().size() == 2);
  f.svc->stop();
}
