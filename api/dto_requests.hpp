// Request bodies of the Mailpit v1 mutations, with from_json (see json_body.hpp for the
// decoding rules): PUT /messages, DELETE /messages, PUT /tags, PUT /tags/{Tag}, POST release.
// Plain data.
#pragma once

#include <string>
#include <vector>

#include "api/json_body.hpp"

namespace mailjar::api {

struct set_read_request {  // PUT /api/v1/messages
  std::vector<std::string> ids;
  bool read = false;
  std::string search;
};
void from_json(const json& j, set_read_request& r);

struct delete_request {  // DELETE /api/v1/messages
  std::vector<std::string> ids;
};
void from_json(const json& j, delete_request& r);

struct set_tags_request {  // PUT /api/v1/tags
  std::vector<std::string> ids;
  std::vector<std::string> tags;
};
void from_json(const json& j, set_tags_request& r);

struct rename_tag_request {  // PUT /api/v1/tags/{Tag}
  std::string name;
};
void from_json(const json& j, rename_tag_request& r);

struct release_request {  // POST /api/v1/message/{ID}/release
  std::vector<std::string> to;
};
void from_json(const json& j, release_request& r);

}  // namespace mailjar::api
