// The API's front door: maps an api::request to its handler (Mailpit v1, MailHog v2, /view,
// health, OpenAPI) and returns an api::response. Pure of I/O itself: handlers reach the mailbox
// and ingest through the `services` they are given. Thread-safe: handle() runs concurrently on
// the HTTP adapter's worker threads (never on a network thread) and may block on the store.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "api/http_types.hpp"
#include "core/result.hpp"
#include "core/types.hpp"
#include "ports/event_sink.hpp"
#include "ports/mailbox.hpp"
#include "ports/release_port.hpp"

namespace mailjar::api {

// Settings the handlers show or obey (from app::config).
struct settings {
  std::string version;                           // "0.1.0"
  std::string label;                             // web UI label (Mailpit --label)
  std::uint64_t max_message_size = 50ull << 20;  // /api/v1/send body limit and message size
  std::string webroot = "/";                     // for links the API returns (e.g. part URLs in /view HTML)
  std::string database_path;
};

// Storing a message submitted through /api/v1/send: same path as SMTP (ingest). Blocks until
// stored; returns the new message's uid, or an error.
using send_fn = std::function<result<std::string>(envelope env, std::string raw)>;

// Counters the daemon keeps outside the mailbox, shown by GET /api/v1/info (RuntimeStats).
// Optional: when services.runtime is empty they read as zero.
struct runtime_stats {
  std::uint64_t memory_bytes = 0;      // resident memory
  std::uint64_t messages_deleted = 0;  // by retention; the router adds the deletions it made
  std::uint64_t smtp_accepted = 0;     // stored and acknowledged
  std::uint64_t smtp_accepted_bytes = 0;
  std::uint64_t smtp_rejected = 0;  // answered with a failure
  std::uint64_t smtp_ignored = 0;
};
using runtime_stats_fn = std::function<runtime_stats()>;

struct services {
  mailbox& box;
  event_sink& events;  // handlers publish update/delete/truncate after a mutation succeeded
  send_fn send;
  settings config;
  runtime_stats_fn runtime;  // optional (added for /api/v1/info)
  release_port* release = nullptr;  // optional: release and deliveries (nullptr: release is off)
};

class router {
 public:
  explicit router(services svc);
  ~router();
  response handle(const request& req) const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace mailjar::api
