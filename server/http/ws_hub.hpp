// WebSocket fan-out: subscribes to the event bus (implements event_sink), turns each event into
// frames ONCE and offers them to every connected client. Mailpit clients (/api/events) get
// {"Type":..,"Data":..} frames: new, update, delete, truncate, prune, error (a client's SMTP
// session got a 4xx/5xx reply, as Mailpit reports it), delivery (a release changed; Mailpit
// clients ignore unknown types), and stats coalesced to at most one per stats_interval; MailHog clients
// (/api/v2/websocket) get each new message in MailHog's item shape.
//
// Threads: event_sink calls only enqueue (they come from the store's thread and must not block);
// the hub's own thread serialises, computes stats (may read SQLite: never a network thread) and
// fans out. Sends happen outside the hub's lock. A client whose bounded queue is full (offer()
// returns false) is dropped. Clients are held weakly; they leave() when their socket closes.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "ports/event_sink.hpp"

namespace mailjar::http {

// One connected WebSocket, as the hub sees it. Implementations are thread-safe.
class ws_client {
 public:
  virtual ~ws_client() = default;
  // Queue a text frame; false when the client's queue is full (the hub then drops it). Must not block.
  virtual bool offer(std::shared_ptr<const std::string> frame) = 0;
  // Close the connection (dropped as too slow, or the server stops). Must not block.
  virtual void drop() = 0;
};

enum class ws_flavour { mailpit, mailhog };

struct hub_stats {
  std::uint64_t total = 0;
  std::uint64_t unread = 0;
};

struct hub_codecs {
  // Mailpit MessageSummary JSON object for a `new` frame.
  std::function<std::string(const message_summary&)> summary_json;
  // MailHog item JSON for /api/v2/websocket; may read the store. nullopt: message gone.
  std::function<std::optional<std::string>(const message_summary&)> mailhog_json;
  // Mailbox totals for `stats` frames; may read the store.
  std::function<hub_stats()> stats;
  std::string version;  // "Version" in stats frames
};

struct hub_options {
  std::chrono::milliseconds stats_interval{250};  // Mailpit's UI expects at most 4/s
  std::size_t max_pending_events = 10'000;        // events not yet fanned out; beyond: dropped (logged)
  std::size_t max_frames_per_event = 1'000;       // per-ID update/delete frames of one mass change
};

struct hub_counters {
  std::uint64_t clients = 0;
  std::uint64_t dropped_clients = 0;  // queue full
  std::uint64_t frames = 0;           // frames offered
  std::uint64_t lost_events = 0;      // pending queue full
};

class ws_hub final : public event_sink {
 public:
  ws_hub(hub_codecs codecs, hub_options opts = {});
  ~ws_hub() override;  // stops the thread; drops every client
  ws_hub(const ws_hub&) = delete;
  ws_hub& operator=(const ws_hub&) = delete;

  std::uint64_t join(std::weak_ptr<ws_client> client, ws_flavour flavour);
  void leave(std::uint64_t id);
  void stop();  // drop every client and stop the thread (idempotent)
  hub_counters counters() const;

  // event_sink: enqueue and return.
  void message_added(const message_summary& m) override;
  void read_changed(const std::vector<std::string>& uids, bool read) override;
  void tags_changed(const std::string& uid, const std::vector<std::string>& tags) override;
  void deleted(const std::vector<std::string>& uids) override;
  void truncated() override;
  void pruned() override;
  void error(const client_error& e) override;
  void delivery_changed(const delivery_change& d) override;

 private:
  struct event {
    enum class kind { added, read, tags, deleted, truncated, pruned, error, delivery } what = kind::pruned;
    message_summary summary;        // added
    std::vector<std::string> uids;  // read, deleted; tags: the one uid
    std::vector<std::string> tags;  // tags
    bool read = false;              // read
    client_error err;               // error
    delivery_change delivery;       // delivery
  };
  struct member {
    std::weak_ptr<ws_client> client;
    ws_flavour flavour;
  };

  void enqueue(event e);
  void run();
  void process(const event& e);
  void broadcast(ws_flavour flavour, std::shared_ptr<const std::string> frame);
  bool has_clients(ws_flavour flavour) const;

  hub_codecs codecs_;
  hub_options opts_;

  mutable std::mutex mu_;  // guards everything below
  std::condition_variable wake_;
  std::deque<event> pending_;
  std::map<std::uint64_t, member> members_;
  std::uint64_t next_id_ = 1;
  bool stats_dirty_ = false;
  bool stopping_ = false;
  hub_counters counters_;
  std::thread thread_;  // last: starts after everything above is built
};

}  // namespace mailjar::http
