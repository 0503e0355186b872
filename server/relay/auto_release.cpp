#include "relay/auto_release.hpp"

#include <algorithm>
#include <set>

#include "log/log.hpp"

namespace mailjar::relay {

namespace {
constexpr std::size_t k_max_queue = 10'000;  // beyond this new mail is not auto-released (logged)
constexpr std::size_t k_page = 200;
}  // namespace

auto_release::auto_release(std::string query, mailbox& box, release_port& port)
    : query_(std::move(query)), box_(box), port_(port) {}

auto_release::~auto_release() { stop(); }

void auto_release::start() {
  thread_ = std::thread([this] { loop(); });
}

void auto_release::stop() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

std::uint64_t auto_release::released() const {
  std::lock_guard lock(mu_);
  return released_;
}

void auto_release::message_added(const message_summary& m) {
  {
    std::lock_guard lock(mu_);
    if (stopping_) return;
    if (queue_.size() >= k_max_queue) {
      log::line(log::level::warn, "auto_release_skipped").kv("uid", m.uid).kv("reason", "queue full").emit();
      return;
    }
    queue_.push_back(queued{m.uid, m.received_ms});
  }
  cv_.notify_one();
}

std::vector<std::string> auto_release::matching(const std::vector<queued>& batch) {
  std::set<std::string> wanted;
  std::int64_t oldest = batch.front().received_ms;
  for (const auto& q : batch) {
    wanted.insert(q.uid);
    oldest = std::min(oldest, q.received_ms);
  }
  std::vector<std::string> found;
  page_request req;
  req.search = query_;
  req.limit = k_page;
  while (!wanted.empty()) {
    auto page = box_.list(req);
    if (!page.ok()) {
      log::line(log::level::error, "auto_release_search_failed").kv("error", page.error_message()).emit();
      break;
    }
    for (const auto& m : page->messages) {
      if (wanted.erase(m.uid)) found.push_back(m.uid);
    }
    // Newest first: once a page ends before the oldest queued message, the rest cannot match.
    if (page->messages.size() < k_page || page->messages.back().received_ms < oldest) break;
    req.start += k_page;
  }
  return found;
}

void auto_release::loop() {
  while (true) {
    std::vector<queued> batch;
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      while (!queue_.empty() && batch.size() < k_page) {
        batch.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
    }
    for (const auto& uid : matching(batch)) {
      {
        std::lock_guard lock(mu_);
        if (stopping_) return;
      }
      auto stored = box_.get(uid);
      if (!stored) continue;  // deleted meanwhile
      release_call call;
      call.uid = uid;
      call.to = stored->env.rcpt_to;
      auto r = port_.release(call);
      {
        std::lock_guard lock(mu_);
        ++released_;
      }
      auto line =
          log::line(r.failure == release_failure::none ? log::level::info : log::level::warn, "auto_release");
      line.kv("uid", uid).kv("delivery", static_cast<long long>(r.delivery_id));
      if (r.failure != release_failure::none) line.kv("refused", r.message);
      line.emit();
    }
  }
}

}  // namespace mailjar::relay
