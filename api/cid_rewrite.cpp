#include "api/cid_rewrite.hpp"

#include <cctype>

#include "api/percent_decode.hpp"

namespace mailjar::api {

namespace {

bool ends_url(char c) {
  return std::isspace(static_cast<unsigned char>(c)) || c == '"' || c == '\'' || c == '>' || c == ')' ||
         c == '<' || c == ',' || c == ';';
}

bool url_start_context(char prev) {
  return prev == '=' || prev == '"' || prev == '\'' || prev == '(' || prev == ',' ||
         std::isspace(static_cast<unsigned char>(prev));
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
  return out;
}

}  // namespace

std::string rewrite_cid_urls(std::string_view html, const std::map<std::string, std::string>& parts_by_cid) {
  std::map<std::string, const std::string*> folded;
  for (const auto& [k, v] : parts_by_cid) folded.emplace(lower(k), &v);
  auto lookup = [&](const std::string& cid) -> const std::string* {
    if (auto it = parts_by_cid.find(cid); it != parts_by_cid.end()) return &it->second;
    if (auto it = folded.find(lower(cid)); it != folded.end()) return it->second;
    return nullptr;
  };
  std::string out;
  out.reserve(html.size());
  std::size_t i = 0;
  while (i < html.size()) {
    bool at_cid = i + 4 <= html.size() && (html[i] == 'c' || html[i] == 'C') && (html[i + 1] | 0x20) == 'i' &&
                  (html[i + 2] | 0x20) == 'd' && html[i + 3] == ':' &&
                  (i == 0 || url_start_context(html[i - 1]));
    if (!at_cid || parts_by_cid.empty()) {
      out += html[i++];
      continue;
    }
    std::size_t end = i + 4;
    while (end < html.size() && !ends_url(html[end])) ++end;
    std::string cid = *percent_decode(html.substr(i + 4, end - i - 4), {.strict = false});
    if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>') cid = cid.substr(1, cid.size() - 2);
    if (const std::string* url = cid.empty() ? nullptr : lookup(cid)) {
      out += *url;
    } else {
      out.append(html.substr(i, end - i));
    }
    i = end;
  }
  return out;
}

}  // namespace mailjar::api
