// Port: where services announce what changed, only after the change committed. These are
// Mailpit's WebSocket events (new, update, delete, truncate, prune, error); the stats event is
// derived by the hub. Implementations must not block and must be thread-safe. The last two
// methods have no-op defaults so fakes need not implement them.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/message_summary.hpp"

namespace mailjar {

// Mailpit's `error` frame: {"Type":"error","Data":{"Level":"error","Type":"smtpd","IP":..,"Message":..}}
struct client_error {
  std::string level = "error";  // "error" | "warning"
  std::string type = "smtpd";   // which service saw it: "smtpd", "relay"
  std::string ip;               // client or server address concerned
  std::string message;
};

// A delivery (release) changed: a recipient got an outcome or an attempt was logged.
struct delivery_change {
  std::string uid;                // the released message
  std::uint64_t delivery_id = 0;  // GET /api/v1/message/{uid}/deliveries lists it
  std::string recipient;          // "" when the change is not about one recipient
  std::string status;             // "pending" | "delivered" | "deferred" | "failed"
  std::string detail;             // last SMTP reply or error
};

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void message_added(const message_summary& m) = 0;
  virtual void read_changed(const std::vector<std::string>& uids, bool read) = 0;
  virtual void tags_changed(const std::string& uid, const std::vector<std::string>& tags) = 0;
  virtual void deleted(const std::vector<std::string>& uids) = 0;
  virtual void truncated() = 0;  // every message deleted
  virtual void pruned() = 0;     // retention removed some messages
  virtual void error(const client_error&) {}
  virtual void delivery_changed(const delivery_change&) {}
};

}  // namespace mailjar
