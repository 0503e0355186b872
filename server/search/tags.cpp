#include "search/tags.hpp"

#include <algorithm>

#include "core/message_summary.hpp"

namespace mailjar::search {

namespace {

bool tag_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '_' ||
         c == '.';
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

}  // namespace

std::string clean_tag(std::string_view tag) {
  std::string out;
  bool pending_space = false;
  for (char c : tag) {
    if (!tag_char(c)) {  // spaces and invalid characters alike
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      if (out.size() + 2 > max_tag_bytes) break;  // the space and this character would not fit
      out += ' ';
    }
    pending_space = false;
    out += c;
    if (out.size() >= max_tag_bytes) break;
  }
  return out;
}

std::vector<std::string> normalize_tags(const std::vector<std::string>& tags) {
  std::vector<std::string> out, seen;
  for (const auto& t : tags) {
    std::string c = clean_tag(t);
    if (c.empty()) continue;
    std::string key = lower(c);
    if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
    seen.push_back(std::move(key));
    out.push_back(std::move(c));
  }
  // Case-insensitive order (then bytes), as SQLite's NOCASE orders the stored tag names.
  std::sort(out.begin(), out.end(), [](const std::string& a, const std::string& b) {
    const std::string la = lower(a), lb = lower(b);
    return la != lb ? la < lb : a < b;
  });
  return out;
}

std::vector<std::string> plus_address_tags(std::string_view addr) {
  std::vector<std::string> out;
  const std::size_t plus = addr.find('+');
  if (plus == std::string_view::npos) return out;
  const std::size_t at = addr.find('@', plus + 1);
  if (at == std::string_view::npos) return out;
  std::string_view rest = addr.substr(plus + 1, at - plus - 1);
  for (;;) {
    const std::size_t p = rest.find('+');
    out.emplace_back(rest.substr(0, p));
    if (p == std::string_view::npos) break;
    rest.remove_prefix(p + 1);
  }
  return out;
}

std::vector<std::string> message_tags(const mime::parsed_message& parsed,
                                      const std::vector<std::string>& rcpt_to) {
  std::vector<std::string> all = parsed.tags;
  auto add_from = [&all](const address& a) {
    for (auto& t : plus_address_tags(a.addr)) all.push_back(std::move(t));
  };
  for (const auto& a : parsed.to) add_from(a);
  for (const auto& a : parsed.cc) add_from(a);
  for (const auto& a : effective_bcc(parsed, rcpt_to)) add_from(a);
  if (parsed.from) add_from(*parsed.from);
  return normalize_tags(all);
}

}  // namespace mailjar::search
