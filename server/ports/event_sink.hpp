// Port: where services announce what changed, only after the change committed. These are
// Mailpit's WebSocket events (new, update, delete, truncate, prune); the stats event is derived
// by the hub. Implementations must not block and must be thread-safe.
#pragma once

#include <string>
#include <vector>

#include "core/message_summary.hpp"

namespace mailjar {

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void message_added(const message_summary& m) = 0;
  virtual void read_changed(const std::vector<std::string>& uids, bool read) = 0;
  virtual void tags_changed(const std::string& uid, const std::vector<std::string>& tags) = 0;
  virtual void deleted(const std::vector<std::string>& uids) = 0;
  virtual void truncated() = 0;  // every message deleted
  virtual void pruned() = 0;     // retention removed some messages
};

}  // namespace mailjar
