// Resolving the {ID} of a route: a message ID (22 base62 characters; anything else is a 400),
// or `latest` — the newest message, or with ?query=<search> (and ?tz=) the newest one matching
// the search, as Mailpit accepts everywhere an ID is taken. Also loads the message (404 when
// unknown). Blocking on the mailbox; thread-safe.
#pragma once

#include <string>

#include "api/errors.hpp"
#include "api/handler_context.hpp"
#include "core/stored_message.hpp"

namespace mailjar::api {

outcome<std::string> resolve_message_id(const call& c, const std::string& param_name = "ID");
outcome<stored_message> load_message(const call& c, const std::string& param_name = "ID");

// 400 unless `id` looks like a message ID.
outcome<std::string> check_message_id(const std::string& id);

}  // namespace mailjar::api
