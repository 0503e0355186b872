#include "api/json_reply.hpp"

namespace mailjar::api {

std::string dump_utf8(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

response json_reply(const json& j, int status) {
  response r;
  r.status = status;
  r.content_type = "application/json";
  r.body = dump_utf8(j);
  return r;
}

response ok_reply() { return response::text(200, "ok"); }

response empty_reply() { return response::text(200, ""); }

}  // namespace mailjar::api
