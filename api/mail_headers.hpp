// Header helpers for rendering stored messages: Go's textproto canonical key form, which is how
// Mailpit names headers in /headers ("Message-Id", "Mime-Version"), the grouping of fields into
// name -> [values] in message order, and case-insensitive lookup. Values are the stored unfolded
// raw values with surrounding whitespace trimmed (never decoded), as Mailpit returns them.
// Pure; thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/types.hpp"

namespace mailjar::api {

// "content-TYPE" -> "Content-Type"; names with bytes outside RFC 7230 tchar stay unchanged.
std::string canonical_header_key(std::string_view name);

// Canonical name -> values in message order.
std::map<std::string, std::vector<std::string>> group_headers(const std::vector<header_field>& fields);

// First value of `name` (case-insensitive), trimmed; nullopt when absent.
std::optional<std::string> find_header(const std::vector<header_field>& fields, std::string_view name);

bool iequals(std::string_view a, std::string_view b);

}  // namespace mailjar::api
