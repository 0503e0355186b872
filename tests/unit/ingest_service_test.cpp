#include <catch2/catch.hpp>

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
  CHECK(events[0].from == "app@example.test");
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
  int a = 0, b = 0;
  auto ida = bus.subscribe([&](const message_added_event&) { ++a; });
  bus.subscribe([&](const message_added_event&) { ++b; });
  bus.message_added({});
  bus.unsubscribe(ida);
  bus.message_added({});
  CHECK(a == 1);
  CHECK(b == 2);
}
