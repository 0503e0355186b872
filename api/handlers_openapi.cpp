// GET /api/v1/openapi.json: the hand-written document, with `servers` naming the webroot.
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/openapi_document.hpp"

namespace mailjar::api::handlers {

response openapi(const call& c) {
  static const json doc = json::parse(openapi_document());
  json out = doc;
  out["servers"] = json::array({json{{"url", c.svc.config.webroot.empty() ? "/" : c.svc.config.webroot}}});
  out["info"]["version"] = c.svc.config.version.empty() ? "1" : c.svc.config.version;
  return json_reply(out);
}

}  // namespace mailjar::api::handlers
