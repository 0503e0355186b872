// Message IDs as the API shows them: 22 characters of base62 drawn from a CSPRNG (~131 bits),
// the same shape as Mailpit's. Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace mailjar {

std::string new_message_uid();
bool is_valid_message_uid(std::string_view s);

}  // namespace mailjar
