// Mailpit v1 single-message endpoints: the message, its headers, its raw source, and
// the checks mailjar does not run (HTML/link/SpamAssassin).
#include "api/content_disposition.hpp"
#include "api/dto_message.hpp"
#include "api/dto_requests.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/message_ref.hpp"

namespace mailjar::api::handlers {

response get_message(const call& c) {
  auto m = load_message(c);
  if (!m.ok()) return m.error_reply();
  response r = json_reply(make_message_dto(*m));
  // Viewing marks the message read (Mailpit), and tells the live clients. HEAD only looks.
  if (!m->read && c.req.method != "HEAD") {
    selection which;
    which.uids = {m->uid};
    auto changed = c.svc.box.set_read(which, true);
    if (changed.ok() && !changed->empty()) c.svc.events.read_changed(*changed, true);
  }
  return r;
}

response get_headers(const call& c) {
  auto m = load_message(c);
  if (!m.ok()) return m.error_reply();
  return json_reply(make_headers_dto(*m));
}

response get_raw(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  auto raw = c.svc.box.raw(*id);
  if (!raw) return error_response(not_found());
  response r = response::text(200, std::move(*raw));  // exactly the bytes received
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  if (c.req.param("dl").value_or("") == "1")
    r.headers.emplace_back("Content-Disposition", content_disposition("attachment", *id + ".eml"));
  return r;
}

response html_check(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  return error_response(bad_request("HTML check is not available in mailjar"));
}

response link_check(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  return error_response(bad_request("link check is disabled: mailjar never fetches URLs found in mail"));
}

response sa_check(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  return error_response(bad_request("SpamAssassin is not enabled"));
}

}  // namespace mailjar::api::handlers
