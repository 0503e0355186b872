// Tags: list, set on messages (replacing theirs), rename and delete.
#include "api/dto_requests.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/message_ref.hpp"
#include "api/paging.hpp"
#include "search/tags.hpp"

namespace mailjar::api::handlers {

namespace {

outcome<std::string> tag_param(const call& c) {
  std::string tag = trim(c.param("Tag"));
  if (tag.empty()) return bad_request("tag name is empty");
  return tag;
}

}  // namespace

response get_tags(const call& c) { return json_reply(json(c.svc.box.tags())); }

response set_tags(const call& c) {
  auto body = decode_body<set_tags_request>(c.req);
  if (!body.ok()) return body.error_reply();
  for (const auto& id : body->ids)
    if (!check_message_id(id).ok()) return error_response(bad_request("invalid message ID: " + id));
  if (body->ids.empty()) return ok_reply();  // nothing selected (Mailpit answers ok)
  auto changed = c.svc.box.set_tags(body->ids, body->tags);
  if (!changed.ok()) return error_response(store_failure(changed.error_message()));
  // Publish the tags each message now carries, as the store keeps them.
  for (const auto& uid : *changed) {
    auto m = c.svc.box.get(uid);
    c.svc.events.tags_changed(uid, m ? m->parsed.tags : body->tags);
  }
  return ok_reply();
}

response rename_tag(const call& c) {
  auto tag = tag_param(c);
  if (!tag.ok()) return tag.error_reply();
  auto body = decode_body<rename_tag_request>(c.req);
  if (!body.ok()) return body.error_reply();
  // Mailpit cleans tag names (see search/tags.hpp); one that cleans to nothing is refused.
  std::string name = trim(body->name);
  if (search::clean_tag(name).empty()) return error_response(bad_request("invalid tag name"));
  auto changed = c.svc.box.rename_tag(*tag, name);
  if (!changed.ok()) return error_response(bad_request(changed.error_message()));
  // Mailpit tells live clients to reload after a rename with a `prune` event.
  if (!changed->empty()) c.svc.events.pruned();
  return ok_reply();
}

response delete_tag(const call& c) {
  auto tag = tag_param(c);
  if (!tag.ok()) return tag.error_reply();
  auto changed = c.svc.box.delete_tag(*tag);
  if (!changed.ok()) return error_response(store_failure(changed.error_message()));
  if (!changed->empty()) c.svc.events.pruned();
  return ok_reply();
}

}  // namespace mailjar::api::handlers
