// Release endpoints: Mailpit's POST /api/v1/message/{ID}/release {"To":[...]}, MailHog's
// POST /api/v1/messages/{ID}/release {Host,Port,Email,Username,Password,Mechanism}, and
// GET /api/v1/message/{ID}/deliveries (the delivery log). Thin: decode, call the release port
// (which blocks until each recipient has a first outcome; handlers run on API workers), map
// the result. Without a release port every release is a 400 "release is not configured".
#include <algorithm>
#include <cctype>

#include "api/dto_delivery.hpp"
#include "api/dto_requests.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/message_ref.hpp"

namespace mailjar::api::handlers {

namespace {

struct mailhog_release_request {
  std::string host, email, username, password, mechanism;
  std::string port;  // MailHog's UI sends a string; numbers are accepted too
};

void from_json(const json& j, mailhog_release_request& r) {
  require_object(j, "the request");
  r.host = string_field(j, "Host");
  r.email = string_field(j, "Email");
  r.username = string_field(j, "Username");
  r.password = string_field(j, "Password");
  r.mechanism = string_field(j, "Mechanism");
  if (const json* p = find_field(j, "Port"); p && !p->is_null()) {
    if (p->is_number_unsigned()) {
      r.port = std::to_string(p->get<std::uint64_t>());
    } else if (p->is_string()) {
      r.port = p->get<std::string>();
    } else {
      throw dto_error("Port: expected a port number");
    }
  }
}

response release_reply(const release_result& r) {
  switch (r.failure) {
    case release_failure::none:
      break;
    case release_failure::not_configured:
    case release_failure::refused:
      return error_response(bad_request(r.message));
    case release_failure::not_found:
      return error_response(not_found());
    case release_failure::store:
      return error_response(store_failure(r.message));
  }
  std::string failed = failed_recipients_text(r.recipients);
  if (!failed.empty()) return error_response(bad_request(failed));
  return ok_reply();
}

}  // namespace

response release(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  if (!c.svc.box.get(*id)) return error_response(not_found());
  auto body = decode_body<release_request>(c.req);
  if (!body.ok()) return body.error_reply();
  if (!c.svc.release) return error_response(bad_request("release is not configured"));
  release_call call;
  call.uid = *id;
  call.to = body->to;
  return release_reply(c.svc.release->release(call));
}

response mailhog_release(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  if (!c.svc.box.get(*id)) return error_response(not_found());
  auto body = decode_body<mailhog_release_request>(c.req);
  if (!body.ok()) return body.error_reply();
  if (!c.svc.release || !c.svc.release->settings().enabled)
    return error_response(bad_request("release is not configured"));
  if (body->email.empty()) return error_response(bad_request("Email: a recipient is required"));
  release_call call;
  call.uid = *id;
  call.to = {body->email};
  if (!body->host.empty()) {
    relay::route_override via;
    via.host = body->host;
    via.port = 25;
    if (!body->port.empty()) {
      if (body->port.size() > 5 ||
          !std::all_of(body->port.begin(), body->port.end(),
                       [](unsigned char ch) { return std::isdigit(ch); }) ||
          std::stoul(body->port) == 0 || std::stoul(body->port) > 65535) {
        return error_response(bad_request("Port: expected a port number"));
      }
      via.port = static_cast<std::uint16_t>(std::stoul(body->port));
    }
    via.user = body->username;
    std::string mech = body->mechanism;
    std::transform(mech.begin(), mech.end(), mech.begin(), [](unsigned char ch) { return std::toupper(ch); });
    if (!mech.empty() && mech != "PLAIN" && mech != "LOGIN" && mech != "CRAM-MD5")
      return error_response(bad_request("Mechanism: expected PLAIN, LOGIN or CRAM-MD5"));
    via.mechanism = mech.empty() && !via.user.empty() ? "PLAIN" : mech;
    call.via = via;
    call.via_password = body->password;
  }
  return release_reply(c.svc.release->release(call));
}

response deliveries(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  if (!c.svc.box.get(*id)) return error_response(not_found());
  if (!c.svc.release) return json_reply(deliveries_json({}));
  auto list = c.svc.release->deliveries(*id);
  if (!list.ok()) return error_response(store_failure(list.error_message()));
  return json_reply(deliveries_json(*list));
}

}  // namespace mailjar::api::handlers
