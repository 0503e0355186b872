#include "api/dto_requests.hpp"

namespace mailjar::api {

void from_json(const json& j, set_read_request& r) {
  require_object(j, "the request");
  r.ids = string_array_field(j, "IDs");
  r.read = bool_field(j, "Read");
  r.search = string_field(j, "Search");
}

void from_json(const json& j, delete_request& r) {
  require_object(j, "the request");
  r.ids = string_array_field(j, "IDs");
}

void from_json(const json& j, set_tags_request& r) {
  require_object(j, "the request");
  r.ids = string_array_field(j, "IDs");
  r.tags = string_array_field(j, "Tags");
}

void from_json(const json& j, rename_tag_request& r) {
  require_object(j, "the request");
  r.name = string_field(j, "Name");
}

void from_json(const json& j, release_request& r) {
  require_object(j, "the request");
  r.to = string_array_field(j, "To");
}

}  // namespace mailjar::api
