#include "events/event_bus.hpp"

namespace mailjar::events {

std::uint64_t event_bus::subscribe(std::shared_ptr<event_sink> sub) {
  std::lock_guard lock(mu_);
  auto id = next_++;
  subs_.emplace(id, std::move(sub));
  return id;
}

void event_bus::unsubscribe(std::uint64_t id) {
  std::lock_guard lock(mu_);
  subs_.erase(id);
}

std::vector<std::shared_ptr<event_sink>> event_bus::snapshot() {
  std::lock_guard lock(mu_);
  std::vector<std::shared_ptr<event_sink>> out;
  out.reserve(subs_.size());
  for (const auto& [id, s] : subs_) out.push_back(s);
  return out;
}

void event_bus::message_added(const message_summary& m) {
  for (const auto& s : snapshot()) s->message_added(m);
}
void event_bus::read_changed(const std::vector<std::string>& uids, bool read) {
  for (const auto& s : snapshot()) s->read_changed(uids, read);
}
void event_bus::tags_changed(const std::string& uid, const std::vector<std::string>& tags) {
  for (const auto& s : snapshot()) s->tags_changed(uid, tags);
}
void event_bus::deleted(const std::vector<std::string>& uids) {
  for (const auto& s : snapshot()) s->deleted(uids);
}
void event_bus::truncated() {
  for (const auto& s : snapshot()) s->truncated();
}
void event_bus::pruned() {
  for (const auto& s : snapshot()) s->pruned();
}

void event_bus::error(const client_error& e) {
  for (const auto& s : snapshot()) s->error(e);
}

void event_bus::delivery_changed(const delivery_change& d) {
  for (const auto& s : snapshot()) s->delivery_changed(d);
}

}  // namespace mailjar::events
