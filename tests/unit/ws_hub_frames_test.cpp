// ws_hub: the `error` frame (Mailpit's BroadCastClientError shape) and the `delivery` frame,
// who receives them (Mailpit clients only) and that neither triggers a stats frame.
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

class recording_client final : public ws_client {
 public:
  bool offer(std::shared_ptr<const std::string> frame) override {
    std::lock_guard lock(mu_);
    frames_.push_back(*frame);
    cv_.notify_all();
    return true;
  }
  void drop() override {}

  bool wait_for(std::size_t n, std::chrono::milliseconds timeout = 3000ms) {
    std::unique_lock lock(mu_);
    return cv_.wait_for(lock, timeout, [&] { return frames_.size() >= n; });
  }
  std::vector<std::string> raw() {
    std::lock_guard lock(mu_);
    return frames_;
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::string> frames_;
};

struct fixture {
  std::atomic<int> stats_calls{0};  // counted on the hub's thread
  ws_hub hub;
  std::shared_ptr<recording_client> mailpit = std::make_shared<recording_client>();
  std::shared_ptr<recording_client> mailhog = std::make_shared<recording_client>();

  static hub_options options() {
    hub_options o;
    o.stats_interval = 10ms;
    return o;
  }
  hub_codecs codecs() {
    hub_codecs c;
    c.summary_json = [](const message_summary& m) { return json{{"ID", m.uid}}.dump(); };
    c.mailhog_json = [](const message_summary& m) -> std::optional<std::string> {
      return json{{"ID", m.uid}}.dump();
    };
    c.stats = [this] {
      ++stats_calls;
      return hub_stats{7, 3};
    };
    c.version = "1.0";
    return c;
  }
  fixture() : hub(codecs(), options()) {
    hub.join(mailpit, ws_flavour::mailpit);
    hub.join(mailhog, ws_flavour::mailhog);
  }
};

}  // namespace

TEST_CASE("error events become Mailpit's error frame, for /api/events clients only", "[http][ws_hub]") {
  fixture f;
  client_error e;
  e.level = "warning";
  e.type = "smtpd";
  e.ip = "127.0.0.1";
  e.message = "452 4.5.3 Too many recipients";
  f.hub.error(e);
  client_error e2;  // defaults: level "error", type "smtpd"
  e2.ip = "::1";
  e2.message = "535 5.7.8 Authentication credentials invalid \xff";  // not UTF-8: replaced, not thrown
  f.hub.error(e2);
  REQUIRE(f.mailpit->wait_for(2));
  std::this_thread::sleep_for(60ms);  // several stats intervals: nothing else may follow

  auto frames = f.mailpit->raw();
  REQUIRE(frames.size() == 2);
  CHECK(json::parse(frames[0]) == json::parse(R"({"Type":"error","Data":{"Level":"warning","Type":"smtpd",
      "IP":"127.0.0.1","Message":"452 4.5.3 Too many recipients"}})"));
  auto second = json::parse(frames[1]);
  CHECK(second["Type"] == "error");
  CHECK(second["Data"]["Level"] == "error");
  CHECK(second["Data"]["Type"] == "smtpd");
  CHECK(second["Data"]["IP"] == "::1");
  CHECK(second["Data"]["Message"].get<std::string>().rfind("535 5.7.8 Authentication credentials invalid",
                                                           0) == 0);
  CHECK(second["Data"].size() == 4);  // exactly Level, Type, IP, Message
  CHECK(f.mailhog->raw().empty());    // MailHog clients get new messages only
  CHECK(f.stats_calls == 0);          // an error changes no totals
}

TEST_CASE("delivery events become `delivery` frames {ID,DeliveryID,Recipient,Status,Detail}",
          "[http][ws_hub]") {
  fixture f;
  delivery_change d;
  d.uid = "AbCdEfGhIjKlMnOpQrStUv";
  d.delivery_id = 42;
  d.recipient = "someone@example.com";
  d.status = "deferred";
  d.detail = "451 4.7.1 try again later";
  f.hub.delivery_changed(d);
  REQUIRE(f.mailpit->wait_for(1));
  std::this_thread::sleep_for(60ms);

  auto frames = f.mailpit->raw();
  REQUIRE(frames.size() == 1);
  CHECK(json::parse(frames[0]) == json::parse(R"({"Type":"delivery","Data":{"ID":"AbCdEfGhIjKlMnOpQrStUv",
      "DeliveryID":42,"Recipient":"someone@example.com","Status":"deferred","Detail":"451 4.7.1 try again later"}})"));
  CHECK(f.mailhog->raw().empty());
  CHECK(f.stats_calls == 0);
}

TEST_CASE("error and delivery frames keep their order among other events", "[http][ws_hub]") {
  fixture f;
  message_summary m;
  m.uid = "id1";
  f.hub.message_added(m);
  client_error e;
  e.message = "554 5.7.1 not allowed";
  f.hub.error(e);
  delivery_change d;
  d.uid = "id1";
  d.status = "delivered";
  f.hub.delivery_changed(d);
  f.hub.deleted({"id1"});
  std::vector<std::string> types;
  for (int i = 0; i < 300 && (types.empty() || types.back() != "delete"); ++i) {
    std::this_thread::sleep_for(10ms);
    types.clear();
    for (const auto& raw : f.mailpit->raw()) {
      auto j = json::parse(raw);
      if (j["Type"] != "stats") types.push_back(j["Type"]);
    }
  }
  CHECK(types == std::vector<std::string>{"new", "error", "delivery", "delete"});
  REQUIRE(f.mailhog->wait_for(1));
  CHECK(f.mailhog->raw().size() == 1);  // only the new message
}
