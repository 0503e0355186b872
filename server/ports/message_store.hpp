// Port: where ingest puts a fully parsed message. Implementations own their threads; the
// caller never blocks. Implemented by store::sqlite_store; faked in tests/support.
#pragma once

#include <functional>
#include <memory>
#include <string>

#include "core/types.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar {

struct new_message {
  std::string uid;  // core/message_uid.hpp
  envelope env;
  std::string raw;  // exactly as received after dot-unstuffing
  mime::parsed_message parsed;
};

struct store_outcome {
  bool ok = false;
  std::string error;  // why it was not stored, when !ok
};

class message_store {
 public:
  virtual ~message_store() = default;
  // Queue `msg` for the next group commit. `done` runs exactly once, on the store's own
  // thread, after the transaction holding the whole message committed (ok) or rolled back
  // (nothing of it stored). `done` must be quick: post elsewhere for real work.
  virtual void store(std::shared_ptr<const new_message> msg, std::function<void(store_outcome)> done) = 0;
};

}  // namespace mailjar
