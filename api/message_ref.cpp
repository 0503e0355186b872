#include "api/message_ref.hpp"

#include "api/paging.hpp"
#include "core/message_uid.hpp"

namespace mailjar::api {

outcome<std::string> check_message_id(const std::string& id) {
  if (!is_valid_message_uid(id)) return bad_request("invalid message ID");
  return id;
}

outcome<std::string> resolve_message_id(const call& c, const std::string& param_name) {
  std::string id = c.param(param_name);
  if (id != "latest") return check_message_id(id);
  auto sp = parse_search_params(c.req);
  if (!sp.ok()) return sp.error();
  auto latest = c.svc.box.latest_uid(sp->query, sp->tz_offset_minutes);
  if (!latest.ok()) {
    if (sp->query.empty()) return store_failure(latest.error_message());
    return bad_request(latest.error_message());
  }
  if (!latest->has_value()) return not_found("Message not found");
  return **latest;
}

outcome<stored_message> load_message(const call& c, const std::string& param_name) {
  auto id = resolve_message_id(c, param_name);
  if (!id.ok()) return id.error();
  auto m = c.svc.box.get(*id);
  if (!m) return not_found("Message not found");
  return std::move(*m);
}

}  // namespace mailjar::api
