#include "events/event_bus.hpp"

#include <vector>

namespace mailjar::events {

std::uint64_t event_bus::subscribe(subscriber fn) {
  std::lock_guard lock(mu_);
  auto id = next_++;
  subs_.emplace(id, std::make_shared<subscriber>(std::move(fn)));
  return id;
}

void event_bus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  subs_.erase(id);
}

void event_bus::message_added(const message_added_event& e) {
  std::vector<std::shared_ptr<subscriber>> targets;
  {
    std::lock_guard lock(mu_);
    targets.reserve(subs_.size());
    for (const auto& [id, fn] : subs_) targets.push_back(fn);
  }
  for (const auto& fn : targets) (*fn)(e);
}

}  // namespace mailjar::events
