// Decoding request bodies into request DTOs: the body must be one JSON object (nesting depth
// bounded before parsing), field names match exactly or, as Go's encoding/json does for
// Mailpit, case-insensitively; a missing or null field is the zero value; a field of the wrong
// type is a 400 that names the field. Unknown fields are ignored. Pure; thread-safe.
#pragma once

#include <map>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/errors.hpp"
#include "api/http_types.hpp"

namespace mailjar::api {

using json = nlohmann::json;

// Thrown by from_json functions of request DTOs; turned into a 400 by decode_body.
struct dto_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

constexpr std::size_t max_json_depth = 64;

const json* find_field(const json& obj, std::string_view name);
std::string string_field(const json& obj, std::string_view name);
bool bool_field(const json& obj, std::string_view name);
std::vector<std::string> string_array_field(const json& obj, std::string_view name);
std::map<std::string, std::string> string_map_field(const json& obj, std::string_view name);
void require_object(const json& j, std::string_view what);

// True when the body is absent or only whitespace.
bool body_is_empty(const request& req);

// Parse the body as one JSON object (400 with the reason otherwise).
outcome<json> parse_body_object(const request& req);

template <class T>
outcome<T> decode_body(const request& req) {
  auto j = parse_body_object(req);
  if (!j.ok()) return j.error();
  try {
    return j->template get<T>();
  } catch (const dto_error& e) {
    return bad_request(e.what());
  } catch (const json::exception& e) {
    return bad_request(std::string("invalid request: ") + e.what());
  }
}

}  // namespace mailjar::api
