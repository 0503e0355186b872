#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "http/ws_hub.hpp"

using namespace mailjar;
using namespace mailjar::http;
using json = nlohmann::json;
using namespace std::chrono_literals;

namespace {

// A WebSocket stand-in: records frames; can refuse (full queue) after `capacity` frames.
class fake_client final : public ws_client {
 public:
  explicit fake_client(std::size_t capacity = 1'000'000) : capacity_(capacity) {}
  bool offer(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock(mu_);
    if (frames_.size() >= capacity_) return false;
    frames_.push_back(*frame);
    cv_.notify_all();
    return true;
  }
  void drop() override { dropped_ = true; }

  std::vector<json> frames() {
    std::lock_guard lock(mu_);
    std::vector<json> out;
    for (const auto& f : frames_) out.push_back(json::parse(f));
    return out;
  }
  std::vector<std::string> raw() {
    std::lock_guard lock(mu_);
    return frames_;
  }
  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
  }
  bool wait_type(const std::string& type, std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (of_type(type).size() < n) {
      if (std::chrono::steady_clock::now() > deadline) return false;
      std::this_thread::sleep_for(2ms);
    }
    return true;
  }
  std::vector<json> of_type(const std::string& type) {
    std::vector<json> out;
    for (auto& f : frames()) {
      if (f["Type"] == type) out.push_back(f);
    }
    return out;
  }
  std::atomic<bool> dropped_{false};

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t capacity_;
  std::vector<std::string> frames_;
};

message_summary summary(std::string uid, std::string subject) {
  message_summary m;
  m.uid = std::move(uid);
  m.subject = std::move(subject);
  return m;
}

struct counting_stats {
  std::atomic<int> calls{0};
  std::atomic<std::uint64_t> total{0};
};

hub_codecs codecs(counting_stats& st) {
  hub_codecs c;
  c.summary_json = [](const message_summary& m) {
    return json{{"ID", m.uid}, {"Subject", m.subject}}.dump();
  };
  c.mailhog_json = [](const message_summary& m) -> std::optional<std::string> {
    if (m.uid == "gone") return std::nullopt;
    return json{{"ID", m.uid}, {"Content", {{"Headers", {{"Subject", {m.subject}}}}}}}.dump();
  };
  c.stats = [&st] {
    ++st.calls;
    return hub_stats{st.total.load(), 1};
  };
  c.version = "9.9.9";
  return c;
}

}  // namespace

TEST_CASE("each event becomes Mailpit frames for /api/events clients", "[http][ws_hub]") {
  counting_stats st;
  hub_options o;
  o.stats_interval = 20ms;
  ws_hub hub(codecs(st), o);
  auto a = std::make_shared<fake_client>();
  auto b = std::make_shared<fake_client>();
  hub.join(a, ws_flavour::mailpit);
  hub.join(b, ws_flavour::mailpit);

  st.total = 1;
  hub.message_added(summary("id1", "Hello \xC3\xA9"));
  hub.read_changed({"id1"}, true);
  hub.tags_changed("id1", {"a", "b"});
  hub.deleted({"id1"});
  hub.pruned();
  hub.truncated();
  REQUIRE(a->wait_for(7));
  std::this_thread::sleep_for(100ms);  // let the trailing stats frame arrive

  auto frames = a->frames();
  std::vector<json> events;
  for (auto& f : frames) {
    if (f["Type"] != "stats") events.push_back(f);
  }
  REQUIRE(events.size() == 6);
  CHECK(events[0] == json::parse(R"({"Type":"new","Data":{"ID":"id1","Subject":"Hello é"}})"));
  CHECK(events[1] == json::parse(R"({"Type":"update","Data":{"ID":"id1","Read":true}})"));
  CHECK(events[2] == json::parse(R"({"Type":"update","Data":{"ID":"id1","Tags":["a","b"]}})"));
  CHECK(events[3] == json::parse(R"({"Type":"delete","Data":{"ID":"id1"}})"));
  CHECK(events[4] == json::parse(R"({"Type":"prune","Data":null})"));
  CHECK(events[5] == json::parse(R"({"Type":"truncate","Data":null})"));
  auto stats = a->of_type("stats");
  REQUIRE_FALSE(stats.empty());
  CHECK(stats.back()["Data"] == json::parse(R"({"Total":1,"Unread":1,"Version":"9.9.9"})"));
  // Both clients got the same frames (serialised once, shared).
  CHECK(a->raw() == b->raw());
}

TEST_CASE("stats frames are coalesced to the configured rate", "[http][ws_hub]") {
  counting_stats st;
  hub_options o;
  o.stats_interval = 250ms;
  ws_hub hub(codecs(st), o);
  auto c = std::make_shared<fake_client>();
  hub.join(c, ws_flavour::mailpit);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < 500; ++i) {
    st.total = static_cast<std::uint64_t>(i + 1);
    hub.message_added(summary("m" + std::to_string(i), "s"));
  }
  REQUIRE(c->wait_type("new", 500));
  std::this_thread::sleep_for(400ms);
  auto elapsed = std::chrono::steady_clock::now() - start;
  auto stats = c->of_type("stats");
  CHECK(c->of_type("new").size() == 500);
  REQUIRE_FALSE(stats.empty());
  // At most one per 250 ms (plus the first), and the last one reflects the final state.
  auto allowed = 1 + std::chrono::duration_cast<std::chrono::milliseconds>(elapsed).count() / 250;
  CHECK(static_cast<long>(stats.size()) <= allowed);
  CHECK(st.calls.load() == static_cast<int>(stats.size()));
  CHECK(stats.back()["Data"]["Total"] == 500);
}

TEST_CASE("a client with a full queue is dropped; the others keep receiving", "[http][ws_hub]") {
  counting_stats st;
  ws_hub hub(codecs(st));
  auto slow = std::make_shared<fake_client>(3);
  auto fast = std::make_shared<fake_client>();
  hub.join(slow, ws_flavour::mailpit);
  hub.join(fast, ws_flavour::mailpit);
  for (int i = 0; i < 20; ++i) hub.deleted({"d" + std::to_string(i)});
  REQUIRE(fast->wait_type("delete", 20));
  for (int i = 0; i < 200 && !slow->dropped_; ++i) std::this_thread::sleep_for(5ms);
  CHECK(slow->dropped_);
  CHECK(slow->frames().size() == 3);  // what fitted before the queue was full (stats frames count too)
  CHECK(slow->of_type("delete").size() >= 2);
  CHECK(fast->of_type("delete").size() == 20);
  auto c = hub.counters();
  CHECK(c.dropped_clients == 1);
  CHECK(c.clients == 1);
  CHECK_FALSE(fast->dropped_);
}

TEST_CASE("MailHog clients get new messages in MailHog's shape only", "[http][ws_hub]") {
  counting_stats st;
  ws_hub hub(codecs(st));
  auto mailhog = std::make_shared<fake_client>();
  auto mailpit = std::make_shared<fake_client>();
  hub.join(mailhog, ws_flavour::mailhog);
  hub.join(mailpit, ws_flavour::mailpit);
  hub.deleted({"x"});
  hub.message_added(summary("gone", "vanished before serialising"));
  hub.message_added(summary("id2", "Hi"));
  REQUIRE(mailhog->wait_for(1));
  REQUIRE(mailpit->wait_type("new", 2));
  std::this_thread::sleep_for(50ms);
  auto f = mailhog->frames();
  REQUIRE(f.size() == 1);
  CHECK(f[0]["ID"] == "id2");
  CHECK(f[0]["Content"]["Headers"]["Subject"][0] == "Hi");
  CHECK(mailpit->of_type("new").size() == 2);
}

TEST_CASE("clients that went away or left get nothing; mass changes are capped", "[http][ws_hub]") {
  counting_stats st;
  hub_options o;
  o.max_frames_per_event = 10;
  ws_hub hub(codecs(st), o);
  auto stays = std::make_shared<fake_client>();
  auto leaves = std::make_shared<fake_client>();
  auto id = hub.join(leaves, ws_flavour::mailpit);
  hub.join(stays, ws_flavour::mailpit);
  {
    auto gone = std::make_shared<fake_client>();
    hub.join(gone, ws_flavour::mailpit);
  }  // destroyed: held weakly by the hub
  hub.leave(id);
  std::vector<std::string> many;
  for (int i = 0; i < 50; ++i) many.push_back("u" + std::to_string(i));
  hub.read_changed(many, false);
  REQUIRE(stays->wait_type("update", 10));
  std::this_thread::sleep_for(50ms);
  CHECK(stays->of_type("update").size() == 10);
  CHECK(leaves->frames().empty());
  CHECK(hub.counters().clients == 1);
}

TEST_CASE("stop drops every client and later events are ignored", "[http][ws_hub]") {
  counting_stats st;
  ws_hub hub(codecs(st));
  auto c = std::make_shared<fake_client>();
  hub.join(c, ws_flavour::mailpit);
  hub.stop();
  CHECK(c->dropped_);
  hub.message_added(summary("late", "x"));
  auto late = std::make_shared<fake_client>();
  CHECK(hub.join(late, ws_flavour::mailpit) == 0);
  CHECK(late->dropped_);
  std::this_thread::sleep_for(20ms);
  CHECK(c->frames().empty());
}
