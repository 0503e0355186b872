// MailHog's view of a raw message, rebuilt from the exact stored bytes the way MailHog parses:
// headers and body split at the first blank line, folded header lines joined, values grouped
// by name (first spelling kept), and multipart bodies split on "--boundary" into parts that are
// parsed the same way (nested to a bounded depth and part count). Body texts stay
// transfer-encoded, as MailHog's clients decode them. Pure; thread-safe.
#pragma once

#include <string_view>

#include "api/dto_mailhog.hpp"
#include "core/stored_message.hpp"

namespace mailjar::api {

struct mailhog_limits {
  int max_depth = 8;  // each level copies its part; real mail nests 4-6
  std::size_t max_parts = 1000;
};

mailhog_content_dto mailhog_content(std::string_view data, const mailhog_limits& limits = {});

mailhog_path_dto mailhog_path(std::string_view path);  // "user@example.com" -> Mailbox/Domain

// One MailHog item: `raw` is the message's exact bytes.
mailhog_message_dto make_mailhog_message(const stored_message& m, std::string_view raw);

}  // namespace mailjar::api
