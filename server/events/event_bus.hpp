// Fan-out of committed changes to subscribers (the WebSocket hub, logs, tests). Implements the
// event_sink port. Thread-safe: publishers call from the store thread; subscribers are called on
// the publisher's thread, outside the lock, and must not block (post elsewhere).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>

#include "ports/event_sink.hpp"

namespace mailjar::events {

class event_bus final : public event_sink {
 public:
  using subscriber = std::function<void(const message_added_event&)>;

  std::uint64_t subscribe(subscriber fn);
  void unsubscribe(std::uint64_t id);
  void message_added(const message_added_event& e) override;

 private:
  std::mutex mu_;
  std::uint64_t next_ = 1;
  std::map<std::uint64_t, std::shared_ptr<subscriber>> subs_;
};

}  // namespace mailjar::events
