// The hand-written OpenAPI 3.0 description of every route in route_table.cpp (a unit test
// checks that each route appears and that the text is valid JSON). Served by
// GET /api/v1/openapi.json with `servers` set to the configured webroot. Pure; thread-safe.
#pragma once

#include <string_view>

namespace mailjar::api {

std::string_view openapi_document();

}  // namespace mailjar::api
