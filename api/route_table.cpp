#include "api/route_table.hpp"

#include "api/handlers.hpp"

namespace mailjar::api {

namespace h = handlers;

const std::vector<route>& route_table() {
  static const std::vector<route> table = {
      {"GET", "/api/v1/messages", h::list_messages},
      {"PUT", "/api/v1/messages", h::set_read},
      {"DELETE", "/api/v1/messages", h::delete_messages},
      {"GET", "/api/v1/search", h::search},
      {"DELETE", "/api/v1/search", h::delete_search},
      {"GET", "/api/v1/message/{ID}", h::get_message},
      {"GET", "/api/v1/message/{ID}/headers", h::get_headers},
      {"GET", "/api/v1/message/{ID}/raw", h::get_raw},
      {"GET", "/api/v1/message/{ID}/part/{PartID}", h::get_part},
      {"GET", "/api/v1/message/{ID}/part/{PartID}/thumb", h::get_part_thumb},
      {"POST", "/api/v1/message/{ID}/release", h::release},
      {"GET", "/api/v1/message/{ID}/deliveries", h::deliveries},
      {"GET", "/api/v1/message/{ID}/html-check", h::html_check},
      {"GET", "/api/v1/message/{ID}/link-check", h::link_check},
      {"GET", "/api/v1/message/{ID}/sa-check", h::sa_check},
      {"POST", "/api/v1/send", h::send},
      {"GET", "/api/v1/tags", h::get_tags},
      {"PUT", "/api/v1/tags", h::set_tags},
      {"PUT", "/api/v1/tags/{Tag}", h::rename_tag},
      {"DELETE", "/api/v1/tags/{Tag}", h::delete_tag},
      {"GET", "/api/v1/info", h::info},
      {"GET", "/api/v1/webui", h::webui},
      {"GET", "/api/v1/chaos", h::chaos},
      {"PUT", "/api/v1/chaos", h::chaos},
      {"GET", "/api/v1/openapi.json", h::openapi},
      {"GET", "/view/latest", h::view_latest},
      {"GET", "/view/{ID}.html", h::view_html},
      {"GET", "/view/{ID}.txt", h::view_text},
      {"GET", "/livez", h::livez},
      {"GET", "/readyz", h::readyz},
      // MailHog
      {"GET", "/api/v2/messages", h::mailhog_messages},
      {"GET", "/api/v2/search", h::mailhog_search},
      {"GET", "/api/v1/messages/{ID}", h::mailhog_message},
      {"DELETE", "/api/v1/messages/{ID}", h::mailhog_delete},
      {"POST", "/api/v1/messages/{ID}/release", h::mailhog_release},
  };
  return table;
}

bool match_pattern(std::string_view pattern, std::string_view path,
                   std::map<std::string, std::string>& params) {
  std::map<std::string, std::string> found;
  std::size_t pi = 0, si = 0;
  while (true) {
    bool p_end = pi >= pattern.size(), s_end = si >= path.size();
    if (p_end || s_end) {
      if (!(p_end && s_end)) return false;
      break;
    }
    if (pattern[pi] != '/' || path[si] != '/') return false;
    ++pi;
    ++si;
    std::size_t pe = pattern.find('/', pi), se = path.find('/', si);
    std::string_view pseg =
        pattern.substr(pi, pe == std::string_view::npos ? std::string_view::npos : pe - pi);
    std::string_view sseg = path.substr(si, se == std::string_view::npos ? std::string_view::npos : se - si);
    if (!pseg.empty() && pseg.front() == '{') {
      std::size_t close = pseg.find('}');
      std::string_view name = pseg.substr(1, close - 1);
      std::string_view suffix = pseg.substr(close + 1);
      if (sseg.size() <= suffix.size() || sseg.substr(sseg.size() - suffix.size()) != suffix) return false;
      found[std::string(name)] = std::string(sseg.substr(0, sseg.size() - suffix.size()));
    } else if (pseg != sseg) {
      return false;
    }
    pi += pseg.size();
    si += sseg.size();
  }
  for (auto& [k, v] : found) params[k] = std::move(v);
  return true;
}

}  // namespace mailjar::api
