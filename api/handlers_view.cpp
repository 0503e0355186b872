// Rendered views for UI tests (Mailpit's /view/{ID}.html and .txt): the HTML body with cid:
// URLs pointing at the parts and links opening in a new tab, under a CSP that sandboxes it (no
// script, no forms, no plugins; images and inline styles only; popups for links), and the text body.
#include "api/cid_rewrite.hpp"
#include "api/handlers.hpp"
#include "api/link_target.hpp"
#include "api/message_ref.hpp"
#include "api/paging.hpp"

namespace mailjar::api::handlers {

namespace {

constexpr const char* view_csp =
    "default-src 'none'; img-src * data: cid:; style-src 'unsafe-inline'; font-src * data:; "
    "form-action 'none'; frame-ancestors 'self'; sandbox allow-popups allow-popups-to-escape-sandbox";

std::string part_url(const call& c, const std::string& uid, const std::string& part_id) {
  std::string root = c.svc.config.webroot.empty() ? "/" : c.svc.config.webroot;
  if (root.back() != '/') root += '/';
  return root + "api/v1/message/" + uid + "/part/" + part_id;
}

}  // namespace

response view_html(const call& c) {
  auto m = load_message(c);
  if (!m.ok()) return m.error_reply();
  if (m->parsed.html.empty()) return error_response(not_found("This message does not contain a HTML part"));
  std::map<std::string, std::string> by_cid;
  for (const auto& p : m->parsed.parts)
    if (!p.content_id.empty()) by_cid.emplace(p.content_id, part_url(c, m->uid, p.part_id));
  response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = open_links_in_new_tab(rewrite_cid_urls(m->parsed.html, by_cid));
  r.headers.emplace_back("Content-Security-Policy", view_csp);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  return r;
}

response view_text(const call& c) {
  auto m = load_message(c);
  if (!m.ok()) return m.error_reply();
  response r = response::text(200, m->parsed.text);
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

response view_latest(const call& c) {
  auto id = resolve_message_id(call{c.req, c.svc, c.state, {{"ID", "latest"}}});
  std::string root = c.svc.config.webroot.empty() ? "/" : c.svc.config.webroot;
  if (root.back() != '/') root += '/';
  if (!id.ok() && id.error().kind != error_kind::not_found) return id.error_reply();
  response r = response::text(302, "");
  r.headers.emplace_back("Location", id.ok() ? root + "view/" + *id : root);
  return r;
}

}  // namespace mailjar::api::handlers
