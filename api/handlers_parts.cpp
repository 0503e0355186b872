// Message parts: decoded bytes of one part, served so that nothing from a message can run as
// the app's own content (see content_disposition.hpp), and its thumbnail (the image itself).
#include "api/content_disposition.hpp"
#include "api/handlers.hpp"
#include "api/message_ref.hpp"

namespace mailjar::api::handlers {

namespace {

bool valid_part_id(const std::string& s) {
  if (s.empty() || s.size() > 64 || s.front() == '.' || s.back() == '.') return false;
  for (char c : s)
    if (!((c >= '0' && c <= '9') || c == '.')) return false;
  return s.find("..") == std::string::npos;
}

// 404 unless the part exists; the part and its decoded bytes otherwise.
struct loaded_part {
  std::string uid;
  mime::part part;
  std::string bytes;
};

outcome<loaded_part> load_part(const call& c) {
  std::string part_id = c.param("PartID");
  if (!valid_part_id(part_id)) return bad_request("invalid part ID");
  auto m = load_message(c);
  if (!m.ok()) return m.error();
  for (const auto& p : m->parsed.parts) {
    if (p.part_id != part_id) continue;
    auto bytes = c.svc.box.part_content(m->uid, part_id);
    if (!bytes) return not_found("Part not found");
    return loaded_part{m->uid, p, std::move(*bytes)};
  }
  return not_found("Part not found");
}

response serve(loaded_part lp) {
  part_delivery d = deliver_part(lp.part.content_type, lp.part.charset);
  std::string fallback = lp.uid + "-part-" + lp.part.part_id;
  std::string name =
      safe_file_name(lp.part.file_name.empty() ? lp.part.content_id : lp.part.file_name, fallback);
  response r;
  r.status = 200;
  r.content_type = d.content_type;
  r.body = std::move(lp.bytes);
  r.headers.emplace_back("Content-Disposition",
                         content_disposition(d.inline_ok ? "inline" : "attachment", name));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Content-Security-Policy", "default-src 'none'; img-src 'self' data:; sandbox");
  return r;
}

}  // namespace

response get_part(const call& c) {
  auto lp = load_part(c);
  if (!lp.ok()) return lp.error_reply();
  return serve(std::move(*lp));
}

response get_part_thumb(const call& c) {
  auto lp = load_part(c);
  if (!lp.ok()) return lp.error_reply();
  if (!deliver_part(lp->part.content_type, "").inline_ok) return error_response(not_found("not an image"));
  return serve(std::move(*lp));
}

}  // namespace mailjar::api::handlers
