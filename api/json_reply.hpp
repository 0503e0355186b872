// Building replies: JSON bodies are always valid UTF-8 (bytes that are not — mail headers can
// hold anything — are replaced by U+FFFD when dumping), mutations answer `ok`, bodies that must
// stay empty (MailHog's client JSON-parses any non-empty reply) are empty. Pure; thread-safe.
#pragma once

#include <string>

#include <nlohmann/json.hpp>

#include "api/http_types.hpp"

namespace mailjar::api {

using json = nlohmann::json;

// Compact dump that never throws on invalid UTF-8: such bytes become U+FFFD.
std::string dump_utf8(const json& j);

// 200 application/json (or `status`).
response json_reply(const json& j, int status = 200);

// 200 text/plain "ok": Mailpit's answer to a successful mutation.
response ok_reply();

// 200 with an empty body.
response empty_reply();

}  // namespace mailjar::api
