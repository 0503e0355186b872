// Fan-out of committed changes to subscribers (the WebSocket hub, tests). Implements the
// event_sink port by forwarding each call to every subscriber. Thread-safe: publishers call
// from any thread; subscribers are called on the publisher's thread, outside the lock, and must
// not block (post elsewhere).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include "ports/event_sink.hpp"

namespace mailjar::events {

class event_bus final : public event_sink {
 public:
  std::uint64_t subscribe(std::shared_ptr<event_sink> sub);
  void unsubscribe(std::uint64_t id);

  void message_added(const message_summary& m) override;
  void read_changed(const std::vector<std::string>& uids, bool read) override;
  void tags_changed(const std::string& uid, const std::vector<std::string>& tags) override;
  void deleted(const std::vector<std::string>& uids) override;
  void truncated() override;
  void pruned() override;
  void error(const client_error& e) override;
  void delivery_changed(const delivery_change& d) override;

 private:
  std::vector<std::shared_ptr<event_sink>> snapshot();

  std::mutex mu_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::shared_ptr<event_sink>> subs_;
};

}  // namespace mailjar::events
