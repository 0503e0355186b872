// --relay-auto QUERY: releases each newly stored message that matches a search to its own
// envelope recipients. Subscribed to the event bus: message_added only queues the uid (it is
// called right after the commit, on the store's side, and must not block), so the SMTP client's
// 250 is never delayed. Its own thread matches queued messages against the query with the
// mailbox's readers (paging newest first until every queued message is found or passed) and
// calls release_port::release, which blocks that thread only. Refused or failed releases are
// logged. Thread-safe; stop() (or the destructor) finishes the message being released.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include "ports/event_sink.hpp"
#include "ports/mailbox.hpp"
#include "ports/release_port.hpp"

namespace mailjar::relay {

class auto_release final : public event_sink {
 public:
  auto_release(std::string query, mailbox& box, release_port& port);
  ~auto_release() override;
  void start();
  void stop();

  void message_added(const message_summary& m) override;
  void read_changed(const std::vector<std::string>&, bool) override {}
  void tags_changed(const std::string&, const std::vector<std::string>&) override {}
  void deleted(const std::vector<std::string>&) override {}
  void truncated() override {}
  void pruned() override {}

  std::uint64_t released() const;  // messages handed to release so far

 private:
  struct queued {
    std::string uid;
    std::int64_t received_ms;
  };
  void loop();
  // The queued messages that match the query (at most a few pages beyond the newest).
  std::vector<std::string> matching(const std::vector<queued>& batch);

  std::string query_;
  mailbox& box_;
  release_port& port_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::deque<queued> queue_;
  bool stopping_ = false;
  std::uint64_t released_ = 0;
  std::thread thread_;
};

}  // namespace mailjar::relay
