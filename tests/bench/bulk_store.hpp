// Bulk filling for benchmark tools (api_bench, ui_fill): queues messages into a store while
// keeping at most `window` of them outstanding (bounded memory, the writer always has a full
// batch), then waits for every callback. Not thread-safe: one feeding thread.
#pragma once

#include <condition_variable>
#include <cstddef>
#include <memory>
#include <mutex>

#include "ports/message_store.hpp"

namespace mailjar::bench {

class bulk_store {
 public:
  explicit bulk_store(message_store& s, std::size_t window = 4096) : store_(s), window_(window) {}
  ~bulk_store() { finish(); }

  void put(std::shared_ptr<const new_message> m) {
    {
      std::unique_lock lock(mu_);
      cv_.wait(lock, [&] { return outstanding_ < window_; });
      ++outstanding_;
    }
    store_.store(std::move(m), [this](store_outcome o) {
      std::lock_guard lock(mu_);
      --outstanding_;
      if (!o.ok) ++failed_;
      cv_.notify_all();
    });
  }

  // Waits until every queued message has its outcome; returns how many failed so far.
  std::size_t finish() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return outstanding_ == 0; });
    return failed_;
  }

 private:
  message_store& store_;
  const std::size_t window_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::size_t outstanding_ = 0;
  std::size_t failed_ = 0;
};

}  // namespace mailjar::bench
