// Mailpit v1 list endpoints: GET/PUT/DELETE /api/v1/messages, GET/DELETE /api/v1/search.
#include "api/dto_message.hpp"
#include "api/dto_requests.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/message_ref.hpp"
#include "api/paging.hpp"

namespace mailjar::api::handlers {

namespace {

response page_reply(const call& c, const page_request& pr, bool searched) {
  auto page = c.svc.box.list(pr);
  if (!page.ok()) return error_response(mailbox_error(page.error_message(), searched));
  return json_reply(make_messages_summary_dto(*page, pr.start, c.svc.box.tags(), searched));
}

// Delete what `which` selects and publish it: truncate for everything, delete for the rest.
outcome<std::vector<std::string>> remove_and_publish(const call& c, const selection& which) {
  auto removed = c.svc.box.remove(which);
  if (!removed.ok()) return mailbox_error(removed.error_message(), which.search.has_value());
  c.state.deleted += removed->size();
  if (which.all()) {
    c.svc.events.truncated();
  } else if (!removed->empty()) {
    c.svc.events.deleted(*removed);
  }
  return std::move(*removed);
}

outcome<bool> check_ids(const std::vector<std::string>& ids) {
  for (const auto& id : ids) {
    auto ok = check_message_id(id);
    if (!ok.ok()) return bad_request("invalid message ID: " + id);
  }
  return true;
}

}  // namespace

response list_messages(const call& c) {
  auto p = parse_paging(c.req);
  if (!p.ok()) return p.error_reply();
  page_request pr;
  pr.start = p->start;
  pr.limit = p->limit;
  return page_reply(c, pr, false);
}

response search(const call& c) {
  auto p = parse_paging(c.req);
  if (!p.ok()) return p.error_reply();
  auto sp = parse_search_params(c.req);
  if (!sp.ok()) return sp.error_reply();
  if (sp->query.empty()) return error_response(bad_request("Error: no search query"));
  page_request pr;
  pr.search = sp->query;
  pr.tz_offset_minutes = sp->tz_offset_minutes;
  pr.start = p->start;
  pr.limit = p->limit;
  return page_reply(c, pr, true);
}

response set_read(const call& c) {
  auto body = decode_body<set_read_request>(c.req);
  if (!body.ok()) return body.error_reply();
  if (!body->ids.empty() && !body->search.empty())
    return error_response(bad_request("You may specify either IDs or a search query, not both"));
  if (auto ok = check_ids(body->ids); !ok.ok()) return ok.error_reply();
  selection which;
  which.uids = body->ids;
  if (!body->search.empty()) {
    auto sp = parse_search_params(c.req);  // for tz
    if (!sp.ok()) return sp.error_reply();
    which.search = trim(body->search);
    which.tz_offset_minutes = sp->tz_offset_minutes;
  }
  auto changed = c.svc.box.set_read(which, body->read);
  if (!changed.ok()) return error_response(mailbox_error(changed.error_message(), which.search.has_value()));
  if (!changed->empty()) c.svc.events.read_changed(*changed, body->read);
  return ok_reply();
}

response delete_messages(const call& c) {
  // No body at all: delete everything and answer with an EMPTY body, because MailHog's client
  // (which sends no body) JSON-parses any non-empty reply. Mailpit's clients accept it too.
  if (body_is_empty(c.req)) {
    auto removed = remove_and_publish(c, selection{});
    return removed.ok() ? empty_reply() : removed.error_reply();
  }
  auto body = decode_body<delete_request>(c.req);
  if (!body.ok()) return body.error_reply();
  if (auto ok = check_ids(body->ids); !ok.ok()) return ok.error_reply();
  selection which;
  which.uids = body->ids;  // empty: everything (Mailpit)
  auto removed = remove_and_publish(c, which);
  return removed.ok() ? ok_reply() : removed.error_reply();
}

response delete_search(const call& c) {
  auto sp = parse_search_params(c.req);
  if (!sp.ok()) return sp.error_reply();
  if (sp->query.empty()) return error_response(bad_request("Error: no search query"));
  selection which;
  which.search = sp->query;
  which.tz_offset_minutes = sp->tz_offset_minutes;
  auto removed = remove_and_publish(c, which);
  return removed.ok() ? ok_reply() : removed.error_reply();
}

}  // namespace mailjar::api::handlers
