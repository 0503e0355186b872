// Port: where services announce what changed (new message, deletions, ...). Called only after
// the change committed. Implementations must not block and must be thread-safe.
#pragma once

#include <string>

#include "core/types.hpp"

namespace mailjar {

struct message_added_event {
  std::string uid;
  std::string subject;
  std::string from;
  std::size_t size = 0;
};

class event_sink {
 public:
  virtual ~event_sink() = default;
  virtual void message_added(const message_added_event& e) = 0;
};

}  // namespace mailjar
