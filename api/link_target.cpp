#include "api/link_target.hpp"

#include <cctype>

namespace mailjar::api {

namespace {

constexpr std::string_view base_tag = "<base target=\"_blank\">";

char lower(char c) { return static_cast<char>(std::tolower(static_cast<unsigned char>(c))); }

// Position of the first tag `<name` followed by whitespace, '>' or '/', case-insensitively.
std::size_t find_tag(std::string_view html, std::string_view name) {
  for (std::size_t i = 0; i + 1 + name.size() <= html.size(); ++i) {
    if (html[i] != '<') continue;
    bool match = true;
    for (std::size_t k = 0; k < name.size() && match; ++k) match = lower(html[i + 1 + k]) == name[k];
    if (!match) continue;
    const std::size_t after = i + 1 + name.size();
    if (after == html.size()) return i;
    const char c = html[after];
    if (c == '>' || c == '/' || std::isspace(static_cast<unsigned char>(c))) return i;
  }
  return std::string_view::npos;
}

// Just past the '>' closing the tag that starts at `at` (npos if unterminated).
std::size_t tag_end(std::string_view html, std::size_t at) {
  const std::size_t gt = html.find('>', at);
  return gt == std::string_view::npos ? gt : gt + 1;
}

}  // namespace

std::string open_links_in_new_tab(std::string_view html) {
  if (find_tag(html, "base") != std::string_view::npos) return std::string(html);
  std::size_t at = std::string_view::npos;
  for (std::string_view name : {"head", "html"}) {
    const std::size_t tag = find_tag(html, name);
    if (tag != std::string_view::npos) {
      at = tag_end(html, tag);
      if (at != std::string_view::npos) break;
    }
  }
  if (at == std::string_view::npos) {
    at = 0;
    const std::size_t doctype = find_tag(html, "!doctype");
    if (doctype != std::string_view::npos && html.find_first_not_of(" \t\r\n") == doctype) {
      const std::size_t end = tag_end(html, doctype);
      if (end != std::string_view::npos) at = end;
    }
  }
  std::string out;
  out.reserve(html.size() + base_tag.size());
  out.append(html.substr(0, at));
  out.append(base_tag);
  out.append(html.substr(at));
  return out;
}

}  // namespace mailjar::api
