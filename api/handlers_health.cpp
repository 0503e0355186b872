// Health probes: /livez answers while the process serves requests; /readyz also asks the
// mailbox for something cheap (the newest message) and answers 503 when it cannot.
#include "api/handlers.hpp"
#include "api/json_reply.hpp"

namespace mailjar::api::handlers {

response livez(const call&) { return ok_reply(); }

response readyz(const call& c) {
  auto latest = c.svc.box.latest_uid("", 0);
  if (!latest.ok()) return error_response({error_kind::unavailable, "not ready: " + latest.error_message()});
  return ok_reply();
}

}  // namespace mailjar::api::handlers
