// POST /api/v1/send: a Mailpit SendRequest becomes a MIME message stored through the same path
// as SMTP (services.send -> ingest); answers {"ID"} of the stored message.
#include "api/dto_message.hpp"
#include "api/dto_send.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/mime_encoding.hpp"
#include "api/send_message_builder.hpp"
#include "api/time_format.hpp"
#include "smtp/protocol/base64.hpp"

namespace mailjar::api::handlers {

namespace {

// The user of "Authorization: Basic ..." (recorded as the message's Username, as Mailpit does).
std::string basic_auth_user(const request& req) {
  std::string h = req.header("authorization");
  if (h.size() < 6 || (h.compare(0, 6, "Basic ") != 0 && h.compare(0, 6, "basic ") != 0)) return {};
  auto decoded = smtp::base64_decode(h.substr(6));
  if (!decoded) return {};
  auto colon = decoded->find(':');
  std::string user = decoded->substr(0, colon);
  return is_ascii_printable(user) ? user : std::string();
}

}  // namespace

response send(const call& c) {
  std::uint64_t limit = c.svc.config.max_message_size;
  if (limit > 0 && c.req.body.size() > limit)
    return error_response({error_kind::payload_too_large, "request body exceeds the maximum message size"});
  auto body = decode_body<send_request>(c.req);
  if (!body.ok()) return body.error_reply();
  build_context ctx;
  ctx.now_ms = now_unix_ms();
  ctx.remote_addr = c.req.remote_addr;
  ctx.auth_user = basic_auth_user(c.req);
  auto built = build_send_message(*body, ctx);
  if (!built.ok()) return built.error_reply();
  if (limit > 0 && built->raw.size() > limit)
    return error_response({error_kind::payload_too_large, "message exceeds the maximum message size"});
  if (!c.svc.send) return error_response(store_failure("sending is not available"));
  auto id = c.svc.send(std::move(built->env), std::move(built->raw));
  if (!id.ok()) return error_response(store_failure("message not stored: " + id.error_message()));
  return json_reply(send_response_dto{*id});
}

}  // namespace mailjar::api::handlers
