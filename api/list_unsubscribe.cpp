#include "api/list_unsubscribe.hpp"

#include <cctype>

#include "api/paging.hpp"

namespace mailjar::api {

namespace {

bool starts_with_icase(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(s[i])) != prefix[i]) return false;
  return true;
}

bool alnum_at(std::string_view s, std::size_t i) {
  return i < s.size() && std::isalnum(static_cast<unsigned char>(s[i]));
}

std::string strip_comments(std::string_view v) {
  std::string out;
  std::size_t i = 0;
  while (i < v.size()) {
    if (v[i] == '(') {
      std::size_t close = v.find(')', i);
      if (close != std::string_view::npos) {
        i = close + 1;
        continue;
      }
    }
    out += v[i++];
  }
  return trim(out);
}

std::string quoted(std::string_view s) { return "\"" + std::string(s) + "\""; }

}  // namespace

list_unsubscribe_check check_list_unsubscribe(std::string_view header) {
  list_unsubscribe_check r;
  std::string v = strip_comments(trim(header));

  // Every <...> group, shortest match first.
  std::vector<std::string> links;
  std::vector<std::string> joins;  // text between one '>' and the next '<'
  std::size_t pos = 0;
  std::size_t last_close = std::string::npos;
  while (true) {
    std::size_t open = v.find('<', pos);
    if (open == std::string::npos) break;
    std::size_t close = v.find('>', open + 1);
    if (close == std::string::npos) break;
    if (last_close != std::string::npos) joins.push_back(v.substr(last_close + 1, open - last_close - 1));
    links.push_back(v.substr(open + 1, close - open - 1));
    last_close = close;
    pos = close + 1;
  }
  if (links.empty()) {
    r.errors = quoted(v) + " no valid unsubscribe links found";
    return r;
  }
  if (v.front() != '<' || v.back() != '>') {
    r.errors = quoted(v) + " should be enclosed in <>";
    return r;
  }
  std::vector<std::string> errors;
  if (links.size() > 2) {
    r.errors = quoted(v) + " should include a maximum of one email and one HTTP link";
    return r;
  }
  for (const auto& j : joins) {
    if (trim(j) != ",") {
      r.errors = quoted(v) + " <> should be split with a comma and optional spaces";
      return r;
    }
  }
  bool has_mailto = false, has_http = false;
  for (const auto& l : links) {
    bool space = false;
    for (char c : l) space = space || std::isspace(static_cast<unsigned char>(c));
    if (space) {
      errors.push_back(quoted(l) + " should not contain spaces");
      continue;
    }
    if (l.rfind("mailto:", 0) == 0 && alnum_at(l, 7)) {
      if (has_mailto) {
        errors.push_back(quoted(l) + " should only contain one mailto:");
        continue;
      }
      has_mailto = true;
    } else if ((starts_with_icase(l, "http://") && alnum_at(l, 7)) ||
               (starts_with_icase(l, "https://") && alnum_at(l, 8))) {
      if (has_http) {
        errors.push_back(quoted(l) + " should only contain one HTTP link");
        continue;
      }
      has_http = true;
    } else {
      errors.push_back(quoted(l) + " should start with either http(s):// or mailto:");
      continue;
    }
    r.links.push_back(l);
  }
  for (std::size_t i = 0; i < errors.size(); ++i) r.errors += (i ? ", " : "") + errors[i];
  return r;
}

}  // namespace mailjar::api
