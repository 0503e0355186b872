// Test fakes for the ports: a message_store that keeps messages in memory and can be told to
// fail, and an event_sink that records what it was told. Thread-safe.
#pragma once

#include <mutex>
#include <vector>

#include "ports/event_sink.hpp"
#include "ports/message_store.hpp"

namespace mailjar::testing {

class fake_store final : public message_store {
 public:
  void store(std::shared_ptr<const new_message> msg, std::function<void(store_outcome)> done) override {
    bool fail;
    {
      std::lock_guard lock(mu_);
      fail = fail_next_;
      fail_next_ = false;
      if (!fail) messages_.push_back(msg);
    }
    done(fail ? store_outcome{false, "disk full"} : store_outcome{true, {}});
  }
  void fail_next() {
    std::lock_guard lock(mu_);
    fail_next_ = true;
  }
  std::vector<std::shared_ptr<const new_message>> messages() {
    std::lock_guard lock(mu_);
    return messages_;
  }

 private:
  std::mutex mu_;
  bool fail_next_ = false;
  std::vector<std::shared_ptr<const new_message>> messages_;
};

class recording_sink final : public event_sink {
 public:
  void message_added(const message_added_event& e) override {
    std::lock_guard lock(mu_);
    added_.push_back(e);
  }
  std::vector<message_added_event> added() {
    std::lock_guard lock(mu_);
    return added_;
  }

 private:
  std::mutex mu_;
  std::vector<message_added_event> added_;
};

}  // namespace mailjar::testing
