// MailHog endpoints as its npm clients use them: GET /api/v2/messages, GET /api/v2/search
// (kind=from|to|containing, translated into Mailpit search terms), GET/DELETE
// /api/v1/messages/{ID}, POST /api/v1/messages/{ID}/release. Items in MailHog's shape.
#include <cctype>

#include "api/dto_mailhog.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"
#include "api/mailhog_content.hpp"
#include "api/message_ref.hpp"
#include "api/paging.hpp"

namespace mailjar::api::handlers {

namespace {

constexpr paging_rules mailhog_paging{50, 250, false};  // MailHog: limit=0 is the default

// Items for one page of summaries; messages deleted meanwhile are skipped.
std::vector<mailhog_message_dto> items_for(const call& c, const message_page& page) {
  std::vector<mailhog_message_dto> items;
  for (const auto& s : page.messages) {
    auto m = c.svc.box.get(s.uid);
    auto raw = c.svc.box.raw(s.uid);
    if (m && raw) items.push_back(make_mailhog_message(*m, *raw));
  }
  return items;
}

response list_reply(const call& c, const message_page& page, std::size_t start) {
  mailhog_list_dto d;
  d.total = page.matched;
  d.start = start;
  d.items = items_for(c, page);
  d.count = d.items.size();
  return json_reply(d);
}

// A MailHog query as one Mailpit phrase: quotes dropped, whitespace runs collapsed.
std::string phrase(const std::string& q) {
  std::string out;
  for (char ch : q) {
    bool space = ch == '"' || std::isspace(static_cast<unsigned char>(ch));
    if (!space)
      out += ch;
    else if (!out.empty() && out.back() != ' ')
      out += ' ';
  }
  return "\"" + trim(out) + "\"";
}

}  // namespace

response mailhog_messages(const call& c) {
  auto p = parse_paging(c.req, mailhog_paging);
  if (!p.ok()) return p.error_reply();
  page_request pr;
  pr.start = p->start;
  pr.limit = p->limit;
  auto page = c.svc.box.list(pr);
  if (!page.ok()) return error_response(store_failure(page.error_message()));
  page->matched = page->total;
  return list_reply(c, *page, pr.start);
}

response mailhog_search(const call& c) {
  auto p = parse_paging(c.req, mailhog_paging);
  if (!p.ok()) return p.error_reply();
  std::string kind = c.req.param("kind").value_or("");
  std::string query = trim(c.req.param("query").value_or(""));
  if (kind != "from" && kind != "to" && kind != "containing")
    return error_response(bad_request("kind must be one of from, to, containing"));
  if (query.empty() || trim(phrase(query)) == "\"\"") return error_response(bad_request("query is required"));
  // MailHog's "to" matches any envelope recipient or the To header: try To, then Cc, then Bcc
  // (which holds the envelope-only recipients).
  std::vector<std::string> terms;
  if (kind == "from") terms = {"from:" + phrase(query)};
  if (kind == "to") terms = {"to:" + phrase(query), "cc:" + phrase(query), "bcc:" + phrase(query)};
  if (kind == "containing") terms = {phrase(query)};
  page_request pr;
  pr.start = p->start;
  pr.limit = p->limit;
  result<message_page> page = error{"no search"};
  for (const auto& t : terms) {
    pr.search = t;
    page = c.svc.box.list(pr);
    if (!page.ok()) return error_response(bad_request(page.error_message()));
    if (page->matched > 0) break;
  }
  return list_reply(c, *page, pr.start);
}

response mailhog_message(const call& c) {
  auto m = load_message(c);
  if (!m.ok()) return m.error_reply();
  auto raw = c.svc.box.raw(m->uid);
  if (!raw) return error_response(not_found());
  return json_reply(make_mailhog_message(*m, *raw));
}

response mailhog_delete(const call& c) {
  auto id = resolve_message_id(c);
  if (!id.ok()) return id.error_reply();
  selection which;
  which.uids = {*id};
  auto removed = c.svc.box.remove(which);
  if (!removed.ok()) return error_response(store_failure(removed.error_message()));
  if (removed->empty()) return error_response(not_found());
  c.state.deleted += removed->size();
  c.svc.events.deleted(*removed);
  return empty_reply();  // MailHog's client JSON-parses any non-empty reply
}

}  // namespace mailjar::api::handlers
