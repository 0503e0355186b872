// One stored message as read back: envelope, flags, sizes and every parsed field. What the store
// returns and the API renders. Plain data, safe to copy between threads.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/types.hpp"
#include "mime/parsed_message.hpp"

namespace mailjar {

struct stored_message {
  std::int64_t row_id = 0;  // internal rowid (stable; newest-first order is received_ms, row_id)
  std::string uid;          // the public ID
  envelope env;             // includes received_ms
  bool read = false;
  std::uint64_t size = 0;  // raw size in bytes
  std::uint64_t attachment_count = 0;
  std::uint64_t inline_count = 0;
  // Every parsed field as stored. `parts[i].content` is never loaded here (it may be large):
  // use sqlite_store::part_content. Header values, stored as JSON, come back with any invalid
  // UTF-8 replaced by U+FFFD; the raw message always has the exact bytes.
  mime::parsed_message parsed;
};

}  // namespace mailjar
