// Message IDs as the API shows them: 22 base62 characters, the same shape as Mailpit's. The first
// 8 encode the creation time in milliseconds (so new IDs sort after older ones and the store's
// uid index grows at its end instead of dirtying a random page per message); the other 14 come
// from a CSPRNG (~83 bits), so IDs stay unguessable. Thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

namespace mailjar {

// `unix_ms` is the creation time; the no-argument form reads the system clock.
std::string new_message_uid(std::int64_t unix_ms);
std::string new_message_uid();
bool is_valid_message_uid(std::string_view s);

}  // namespace mailjar
