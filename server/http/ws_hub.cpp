#include "http/ws_hub.hpp"

#include <nlohmann/json.hpp>

#include "log/log.hpp"

namespace mailjar::http {

namespace {

using json = nlohmann::json;
using clock_type = std::chrono::steady_clock;

std::shared_ptr<const std::string> frame_of(const char* type, json data) {
  json f = {{"Type", type}, {"Data", std::move(data)}};
  // Mail headers are not always valid UTF-8: replace rather than throw.
  return std::make_shared<const std::string>(f.dump(-1, ' ', false, json::error_handler_t::replace));
}

}  // namespace

ws_hub::ws_hub(hub_codecs codecs, hub_options opts)
    : codecs_(std::move(codecs)), opts_(opts), thread_([this] { run(); }) {}

ws_hub::~ws_hub() { stop(); }

void ws_hub::stop() {
  std::map<std::uint64_t, member> members;
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    members.swap(members_);
    pending_.clear();
  }
  wake_.notify_all();
  if (thread_.joinable() && thread_.get_id() != std::this_thread::get_id()) thread_.join();
  for (auto& [id, m] : members) {
    if (auto c = m.client.lock()) c->drop();
  }
}

std::uint64_t ws_hub::join(std::weak_ptr<ws_client> client, ws_flavour flavour) {
  std::lock_guard lock(mu_);
  if (stopping_) {
    if (auto c = client.lock()) c->drop();
    return 0;
  }
  auto id = next_id_++;
  members_.emplace(id, member{std::move(client), flavour});
  counters_.clients = members_.size();
  return id;
}

void ws_hub::leave(std::uint64_t id) {
  std::lock_guard lock(mu_);
  members_.erase(id);
  counters_.clients = members_.size();
}

hub_counters ws_hub::counters() const {
  std::lock_guard lock(mu_);
  return counters_;
}

bool ws_hub::has_clients(ws_flavour flavour) const {
  std::lock_guard lock(mu_);
  for (const auto& [id, m] : members_) {
    if (m.flavour == flavour) return true;
  }
  return false;
}

void ws_hub::enqueue(event e) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (members_.empty()) {
      // Nobody listens: nothing to serialise. Stats are computed when asked for.
      return;
    }
    if (pending_.size() >= opts_.max_pending_events) {
      ++counters_.lost_events;
      stats_dirty_ = true;  // at least the counts will catch up
      return;
    }
    pending_.push_back(std::move(e));
  }
  wake_.notify_one();
}

void ws_hub::message_added(const message_summary& m) {
  event e;
  e.what = event::kind::added;
  e.summary = m;
  enqueue(std::move(e));
}

void ws_hub::read_changed(const std::vector<std::string>& uids, bool read) {
  event e;
  e.what = event::kind::read;
  e.uids = uids;
  e.read = read;
  enqueue(std::move(e));
}

void ws_hub::tags_changed(const std::string& uid, const std::vector<std::string>& tags) {
  event e;
  e.what = event::kind::tags;
  e.uids = {uid};
  e.tags = tags;
  enqueue(std::move(e));
}

void ws_hub::deleted(const std::vector<std::string>& uids) {
  event e;
  e.what = event::kind::deleted;
  e.uids = uids;
  enqueue(std::move(e));
}

void ws_hub::truncated() {
  event e;
  e.what = event::kind::truncated;
  enqueue(std::move(e));
}

void ws_hub::pruned() {
  event e;
  e.what = event::kind::pruned;
  enqueue(std::move(e));
}

void ws_hub::error(const client_error& err) {
  event e;
  e.what = event::kind::error;
  e.err = err;
  enqueue(std::move(e));
}

void ws_hub::delivery_changed(const delivery_change& d) {
  event e;
  e.what = event::kind::delivery;
  e.delivery = d;
  enqueue(std::move(e));
}

void ws_hub::run() {
  auto last_stats = clock_type::now() - opts_.stats_interval;
  std::unique_lock lock(mu_);
  while (!stopping_) {
    auto now = clock_type::now();
    if (stats_dirty_ && now >= last_stats + opts_.stats_interval) {
      stats_dirty_ = false;
      last_stats = now;
      lock.unlock();
      if (has_clients(ws_flavour::mailpit) && codecs_.stats) {
        hub_stats s = codecs_.stats();
        broadcast(
            ws_flavour::mailpit,
            frame_of("stats", {{"Total", s.total}, {"Unread", s.unread}, {"Version", codecs_.version}}));
      }
      lock.lock();
      continue;
    }
    if (!pending_.empty()) {
      event e = std::move(pending_.front());
      pending_.pop_front();
      // Tags, errors and deliveries do not change the totals.
      stats_dirty_ = stats_dirty_ || e.what == event::kind::added || e.what == event::kind::read ||
                     e.what == event::kind::deleted || e.what == event::kind::truncated ||
                     e.what == event::kind::pruned;
      lock.unlock();
      process(e);
      lock.lock();
      continue;
    }
    if (stats_dirty_) {
      wake_.wait_until(lock, last_stats + opts_.stats_interval);
    } else {
      wake_.wait(lock);
    }
  }
}

void ws_hub::process(const event& e) {
  switch (e.what) {
    case event::kind::added: {
      if (has_clients(ws_flavour::mailpit) && codecs_.summary_json) {
        std::string data = codecs_.summary_json(e.summary);
        broadcast(ws_flavour::mailpit,
                  std::make_shared<const std::string>("{\"Type\":\"new\",\"Data\":" + data + "}"));
      }
      if (has_clients(ws_flavour::mailhog) && codecs_.mailhog_json) {
        if (auto item = codecs_.mailhog_json(e.summary)) {
          broadcast(ws_flavour::mailhog, std::make_shared<const std::string>(std::move(*item)));
        }
      }
      break;
    }
    case event::kind::read: {
      std::size_t n = 0;
      for (const auto& uid : e.uids) {
        if (n++ >= opts_.max_frames_per_event) break;  // stats carries the rest
        broadcast(ws_flavour::mailpit, frame_of("update", {{"ID", uid}, {"Read", e.read}}));
      }
      break;
    }
    case event::kind::tags:
      for (const auto& uid : e.uids) {
        broadcast(ws_flavour::mailpit, frame_of("update", {{"ID", uid}, {"Tags", e.tags}}));
      }
      break;
    case event::kind::deleted: {
      std::size_t n = 0;
      for (const auto& uid : e.uids) {
        if (n++ >= opts_.max_frames_per_event) break;
        broadcast(ws_flavour::mailpit, frame_of("delete", {{"ID", uid}}));
      }
      break;
    }
    case event::kind::truncated:
      broadcast(ws_flavour::mailpit, frame_of("truncate", nullptr));
      break;
    case event::kind::pruned:
      broadcast(ws_flavour::mailpit, frame_of("prune", nullptr));
      break;
    case event::kind::error:
      // Mailpit's BroadCastClientError: {"Level","Type","IP","Message"}.
      broadcast(ws_flavour::mailpit, frame_of("error", {{"Level", e.err.level},
                                                        {"Type", e.err.type},
                                                        {"IP", e.err.ip},
                                                        {"Message", e.err.message}}));
      break;
    case event::kind::delivery:
      broadcast(ws_flavour::mailpit, frame_of("delivery", {{"ID", e.delivery.uid},
                                                           {"DeliveryID", e.delivery.delivery_id},
                                                           {"Recipient", e.delivery.recipient},
                                                           {"Status", e.delivery.status},
                                                           {"Detail", e.delivery.detail}}));
      break;
  }
}

void ws_hub::broadcast(ws_flavour flavour, std::shared_ptr<const std::string> frame) {
  std::vector<std::pair<std::uint64_t, std::shared_ptr<ws_client>>> targets;
  {
    std::lock_guard lock(mu_);
    for (auto it = members_.begin(); it != members_.end();) {
      auto c = it->second.client.lock();
      if (!c) {
        it = members_.erase(it);
        continue;
      }
      if (it->second.flavour == flavour) targets.emplace_back(it->first, std::move(c));
      ++it;
    }
    counters_.clients = members_.size();
  }
  // Outside the lock: offer() never blocks, but a client may call leave() from its own thread.
  std::vector<std::shared_ptr<ws_client>> slow;
  for (auto& [id, c] : targets) {
    if (c->offer(frame)) continue;
    slow.push_back(c);
    std::lock_guard lock(mu_);
    members_.erase(id);
    counters_.clients = members_.size();
    ++counters_.dropped_clients;
  }
  {
    std::lock_guard lock(mu_);
    counters_.frames += targets.size() - slow.size();
  }
  for (auto& c : slow) {
    log::line(log::level::warn, "ws_dropped").kv("reason", "send queue full").emit();
    c->drop();
  }
}

}  // namespace mailjar::http
