// Test fakes for the release engine: a scripted transport (what each recipient gets, per call,
// with a recorded log of every call), a settable clock, an event sink that records
// delivery_changed, and a message source over an in-memory map. Thread-safe (one mutex each).
#pragma once

#include <cctype>
#include <deque>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "ports/event_sink.hpp"
#include "relay/release_service.hpp"

namespace mailjar::testing {

class fake_transport {
 public:
  struct call {
    relay::route how;
    std::string mail_from;
    std::vector<std::string> rcpts;
    std::string data;
  };

  // The next outcome for `address`: code and reply (code 0 = no reply, e.g. connection lost;
  // `perm` marks a reply-less outcome the transport judged permanent, like NXDOMAIN). Queued per
  // address; when the queue is empty the address gets 250.
  void script(const std::string& address, int code, std::string reply = "", bool perm = false) {
    std::lock_guard lock(mu_);
    scripts_[address].push_back(
        relay::rcpt_outcome{address, perm ? relay::rcpt_status::permanent : relay::rcpt_status::temporary,
                            code, std::move(reply)});
  }

  relay::delivery_report operator()(const relay::route& how, const std::string& mail_from,
                                    const std::vector<std::string>& rcpts, std::string_view data) {
    std::lock_guard lock(mu_);
    calls_.push_back(call{how, mail_from, rcpts, std::string(data)});
    relay::delivery_report rep;
    relay::attempt a;
    a.host = how.via ? how.via->host : (how.mode == "mx" ? "mx." + how.domain : "smart.host");
    a.address = "127.0.0.1:2525";
    a.connected = true;
    a.transcript.push_back({'S', "220 fake ESMTP", 1});
    a.transcript.push_back({'C', "MAIL FROM:<" + mail_from + ">", 2});
    for (const auto& r : rcpts) {
      relay::rcpt_outcome o{r, relay::rcpt_status::delivered, 250, "2.0.0 Ok"};
      auto& q = scripts_[r];
      if (!q.empty()) {
        o = q.front();
        q.pop_front();
      }
      a.transcript.push_back({'C', "RCPT TO:<" + r + ">", 3});
      a.transcript.push_back({'S', std::to_string(o.code) + " " + o.reply, 4});
      a.recipients.push_back(o);
      rep.recipients.push_back(o);
    }
    rep.attempts.push_back(std::move(a));
    return rep;
  }

  std::vector<call> calls() const {
    std::lock_guard lock(mu_);
    return calls_;
  }
  // How many times `address` was handed to the transport.
  std::size_t sends_to(const std::string& address) const {
    std::lock_guard lock(mu_);
    std::size_t n = 0;
    for (const auto& c : calls_) {
      for (const auto& r : c.rcpts) n += r == address;
    }
    return n;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, std::deque<relay::rcpt_outcome>> scripts_;
  std::vector<call> calls_;
};

class fake_clock {
 public:
  std::int64_t now() const {
    std::lock_guard lock(mu_);
    return now_;
  }
  void advance_ms(std::int64_t ms) {
    std::lock_guard lock(mu_);
    now_ += ms;
  }

 private:
  mutable std::mutex mu_;
  std::int64_t now_ = 1'700'000'000'000;
};

class delivery_events : public event_sink {
 public:
  void message_added(const message_summary&) override {}
  void read_changed(const std::vector<std::string>&, bool) override {}
  void tags_changed(const std::string&, const std::vector<std::string>&) override {}
  void deleted(const std::vector<std::string>&) override {}
  void truncated() override {}
  void pruned() override {}
  void delivery_changed(const delivery_change& d) override {
    std::lock_guard lock(mu_);
    changes_.push_back(d);
  }
  std::vector<delivery_change> changes() const {
    std::lock_guard lock(mu_);
    return changes_;
  }

 private:
  mutable std::mutex mu_;
  std::vector<delivery_change> changes_;
};

class fake_messages {
 public:
  void add(const std::string& uid, relay::source_message m) {
    std::lock_guard lock(mu_);
    messages_[uid] = std::move(m);
  }
  std::optional<relay::source_message> load(const std::string& uid) const {
    std::lock_guard lock(mu_);
    auto it = messages_.find(uid);
    if (it == messages_.end()) return std::nullopt;
    return it->second;
  }

 private:
  mutable std::mutex mu_;
  std::map<std::string, relay::source_message> messages_;
};

}  // namespace mailjar::testing
