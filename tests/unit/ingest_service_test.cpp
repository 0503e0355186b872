#include <catch2/catch.hpp>

#include "core/message_summary.hpp"
#include "core/message_uid.hpp"
#include "events/event_bus.hpp"
#include "ingest/ingest_service.hpp"
#include "support/fake_store.hpp"

using namespace mailjar;

namespace {
// Runs CPU jobs inline: the test sees the whole pipeline synchronously.
ingest::executor_fn inline_executor() {
  return [](std::function<void()> job) { job(); };
}
}  // namespace

TEST_CASE("ingest parses, stores, answers, then publishes", "[ingest]") {
  testing::fake_store store;
  testing::recording_sink sink;
  ingest::ingest_service svc(store, sink, inline_executor());
  envelope env;
  env.mail_from = "app@example.test";
  env.rcpt_to = {"user@example.test"};
  std::string raw = "From: App <app@example.test>\r\nTo: user@example.test\r\nSubject: Hello\r\n\r\nBody\r\n";
  std::vector<ingest::ingest_outcome> outcomes;
  svc.ingest(env, raw, [&](ingest::ingest_outcome o) { outcomes.push_back(o); });

  REQUIRE(outcomes.size() == 1);
  CHECK(outcomes[0].stored);
  CHECK(is_valid_message_uid(outcomes[0].uid));
  auto msgs = store.messages();
  REQUIRE(msgs.size() == 1);
  CHECK(msgs[0]->uid == outcomes[0].uid);
  CHECK(msgs[0]->raw == raw);
  CHECK(msgs[0]->env.mail_from == "app@example.test");
  CHECK(msgs[0]->parsed.subject == "Hello");
  auto events = sink.added();
  REQUIRE(events.size() == 1);
  CHECK(events[0].uid == outcomes[0].uid);
  CHECK(events[0].subject == "Hello");
  REQUIRE(events[0].from.has_value());
  CHECK(events[0].from->addr == "app@example.test");
  CHECK(events[0].from->name == "App");
  CHECK(events[0].size == raw.size());
  CHECK(events[0].bcc.empty());
  CHECK(svc.stats().accepted == 1);
  CHECK(svc.stats().accepted_bytes == raw.size());
}

TEST_CASE("a failed store answers not stored and publishes nothing", "[ingest]") {
  testing::fake_store store;
  testing::recording_sink sink;
  ingest::ingest_service svc(store, sink, inline_executor());
  store.fail_next();
  std::vector<ingest::ingest_outcome> outcomes;
  svc.ingest(envelope{}, "Subject: x\r\n\r\ny\r\n", [&](ingest::ingest_outcome o) { outcomes.push_back(o); });
  REQUIRE(outcomes.size() == 1);
  CHECK_FALSE(outcomes[0].stored);
  CHECK(outcomes[0].reason == "disk full");
  CHECK(sink.added().empty());
  CHECK(store.messages().empty());
  CHECK(svc.stats().failed == 1);
}

TEST_CASE("the event bus fans out to subscribers until they leave", "[events]") {
  events::event_bus bus;
  auto a = std::make_shared<testing::recording_sink>();
  auto b = std::make_shared<testing::recording_sink>();
  auto ida = bus.subscribe(a);
  bus.subscribe(b);
  bus.message_added({});
  bus.deleted({"x", "y"});
  bus.unsubscribe(ida);
  bus.truncated();
  CHECK(a->added().size() == 1);
  CHECK(a->log() == std::vector<std::string>{"deleted:x,y"});
  CHECK(b->log() == std::vector<std::string>{"deleted:x,y", "truncated"});
}

TEST_CASE("envelope recipients missing from the headers count as Bcc", "[ingest]") {
  mime::parsed_message p;
  p.to = {{"A", "a@example.test"}};
  p.cc = {{"", "C@Example.test"}};
  p.bcc = {{"", "b@example.test"}};
  auto bcc = effective_bcc(p, {"a@example.test", "c@example.test", "hidden@example.test", "B@example.test"});
  REQUIRE(bcc.size() == 2);
  CHECK(bcc[0].addr == "b@example.test");
  CHECK(bcc[1].addr == "hidden@example.test");
}

TEST_CASE("the new-message event carries the tags the store keeps (X-Tags and plus-addresses)", "[ingest]") {
  testing::fake_store store;
  testing::recording_sink sink;
  ingest::ingest_service svc(store, sink, inline_executor());
  envelope env;
  env.rcpt_to = {"dev+signup@example.test"};
  svc.ingest(env, "X-Tags: Beta, alpha\r\nTo: dev+signup@example.test\r\nSubject: t\r\n\r\nx\r\n",
             [](ingest::ingest_outcome) {});
  auto events = sink.added();
  REQUIRE(events.size() == 1);
  CHECK(events[0].tags == std::vector<std::string>{"alpha", "Beta", "signup"});
}

TEST_CASE("small messages are parsed on the calling thread, larger ones through the executor", "[ingest]") {
  testing::fake_store store;
  testing::recording_sink sink;
  std::vector<std::function<void()>> queued;
  ingest::ingest_service svc(
      store, sink, [&](std::function<void()> job) { queued.push_back(std::move(job)); }, {}, 64);
  int answered = 0;
  const std::string small = "Subject: small\r\n\r\nhi\r\n";
  const std::string large = "Subject: large\r\n\r\n" + std::string(100, 'x') + "\r\n";
  REQUIRE(small.size() <= 64);
  svc.ingest({}, small, [&](ingest::ingest_outcome o) { answered += o.stored; });
  CHECK(queued.empty());
  CHECK(answered == 1);
  REQUIRE(store.messages().size() == 1);
  CHECK(store.messages()[0]->parsed.subject == "small");

  svc.ingest({}, large, [&](ingest::ingest_outcome o) { answered += o.stored; });
  CHECK(answered == 1);  // waits for the executor
  REQUIRE(queued.size() == 1);
  queued[0]();
  CHECK(answered == 2);
  REQUIRE(store.messages().size() == 2);
  CHECK(store.messages()[1]->parsed.subject == "large");
}

TEST_CASE("a small message with many MIME entities is parsed through the executor", "[ingest]") {
  testing::fake_store store;
  testing::recording_sink sink;
  std::vector<std::function<void()>> queued;
  ingest::ingest_service svc(
      store, sink, [&](std::function<void()> job) { queued.push_back(std::move(job)); }, {}, 16 * 1024);
  const std::size_t limit = ingest::ingest_service::parse_here_max_entity_lines;
  auto with_parts = [](std::size_t parts) {
    std::string raw = "Subject: parts\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n";
    for (std::size_t i = 0; i < parts; ++i) raw += "--b\r\n\r\np\r\n";
    return raw + "--b--\r\n";
  };
  int answered = 0;
  // 1 Content-Type line + parts + the closing delimiter: at the limit, then one past it.
  svc.ingest({}, with_parts(limit - 2), [&](ingest::ingest_outcome o) { answered += o.stored; });
  CHECK(queued.empty());
  CHECK(answered == 1);
  const std::string hostile = with_parts(limit - 1);
  REQUIRE(hostile.size() <= 16 * 1024);
  svc.ingest({}, hostile, [&](ingest::ingest_outcome o) { answered += o.stored; });
  CHECK(answered == 1);
  REQUIRE(queued.size() == 1);
  queued[0]();
  CHECK(answered == 2);
  REQUIRE(store.messages().size() == 2);
  CHECK(store.messages()[1]->parsed.parts.size() == limit - 1);
}
