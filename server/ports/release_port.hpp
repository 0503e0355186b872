// Port: releasing a stored message to real recipients (issue 5) as the API sees it. Implemented
// by relay::release_service; absent (nullptr in api::services) when the daemon runs without
// release. Blocking: release() returns once every recipient has a first outcome, so call it
// from a worker thread, never a network thread. Thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "relay/delivery_records.hpp"

namespace mailjar {

// What the web UI shows about release (GET /api/v1/webui MessageRelay).
struct release_settings {
  bool enabled = false;
  std::string mode;         // "relay" | "mx"
  std::string smtp_server;  // smart host "host:port" ("" in MX mode)
  std::string allowed_recipients;
  std::string blocked_recipients;
  bool allow_any = false;
  std::string return_path;
  std::string override_from;
  bool preserve_message_ids = true;
};

struct release_call {
  std::string uid;
  std::vector<std::string> to;
  // MailHog's release body: deliver through this host instead of the configured route.
  std::optional<relay::route_override> via;
  std::string via_password;  // kept in memory only
};

enum class release_failure {
  none,
  not_configured,  // 400 "release is not configured"
  not_found,       // 404
  refused,         // 400: recipients not allowed or blocked; nothing sent
  store,           // 500: could not persist the delivery
};

struct release_result {
  release_failure failure = release_failure::none;
  std::string message;  // the reason when failure != none
  std::uint64_t delivery_id = 0;
  // First outcome of each recipient (delivered, deferred or failed).
  std::vector<relay::recipient_record> recipients;
};

class release_port {
 public:
  virtual ~release_port() = default;
  virtual release_settings settings() const = 0;
  virtual release_result release(const release_call& call) = 0;
  virtual result<std::vector<relay::delivery_record>> deliveries(const std::string& uid) = 0;
};

}  // namespace mailjar
