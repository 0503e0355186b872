// Test fakes for the ports: a message_store that keeps messages in memory and can be told to
// fail, and an event_sink that records what it was told. Thread-safe.
#pragma once

#include <mutex>
#include <string>
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
  void message_added(const message_summary& m) override {
    std::lock_guard lock(mu_);
    added_.push_back(m);
  }
  void read_changed(const std::vector<std::string>& uids, bool read) override {
    std::lock_guard lock(mu_);
    log_.push_back(std::string(read ? "read:" : "unread:") + join(uids));
  }
  void tags_changed(const std::string& uid, const std::vector<std::string>& tags) override {
    std::lock_guard lock(mu_);
    log_.push_back("tags:" + uid + "=" + join(tags));
  }
  void deleted(const std::vector<std::string>& uids) override {
    std::lock_guard lock(mu_);
    log_.push_back("deleted:" + join(uids));
  }
  void truncated() override {
    std::lock_guard lock(mu_);
    log_.push_back("truncated");
  }
  void pruned() override {
    std::lock_guard lock(mu_);
    log_.push_back("pruned");
  }
  std::vector<message_summary> added() {
    std::lock_guard lock(mu_);
    return added_;
  }
  std::vector<std::string> log() {
    std::lock_guard lock(mu_);
    return log_;
  }

 private:
  static std::string join(const std::vector<std::string>& v) {
    std::string out;
    for (const auto& s : v) out += (out.empty() ? "" : ",") + s;
    return out;
  }
  std::mutex mu_;
  std::vector<message_summary> added_;
  std::vector<std::string> log_;
};

}  // namespace mailjar::testing
