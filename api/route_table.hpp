// The API's routes as data: method + path pattern -> handler. Patterns are '/'-separated
// segments; a segment is a literal, "{Name}" (one non-empty segment), or "{Name}.ext" (a
// parameter followed by a literal suffix, as in /view/{ID}.html). The table is also what the
// OpenAPI test checks the document against. Pure; thread-safe (immutable after first use).
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "api/handler_context.hpp"

namespace mailjar::api {

struct route {
  std::string_view method;  // GET, PUT, POST, DELETE (HEAD is served by GET routes)
  std::string_view pattern;
  handler_fn handler;
};

const std::vector<route>& route_table();

// True when `path` matches `pattern`; captured parameters are added to `params`.
bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params);

}  // namespace mailjar::api
