#include "mime/text_util.hpp"

#include <algorithm>

namespace mailjar::mime {
namespace {

bool is_ascii_space(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
}

}  // namespace

std::string_view truncate_utf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t cut = max_bytes;
  // Step back over continuation bytes so the cut lands on a sequence start.
  while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80) --cut;
  return s.substr(0, cut);
}

std::string collapse_whitespace(std::string_view s, std::size_t max_bytes) {
  std::string out;
  out.reserve(max_bytes == std::string::npos ? s.size() : std::min(s.size(), max_bytes + 1));
  bool pending_space = false;
  for (char c : s) {
    if (is_ascii_space(c)) {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out += ' ';
      pending_space = false;
    }
    out += c;
    if (out.size() > max_bytes) break;
  }
  return out;
}

std::string make_snippet(std::string_view text, std::string_view html_as_text, std::size_t max_bytes) {
  // Collapse a little more than needed so we know whether anything follows the cut.
  std::string s = collapse_whitespace(text, max_bytes + 1);
  if (s.empty()) s = collapse_whitespace(html_as_text, max_bytes + 1);
  if (s.size() <= max_bytes) return s;
  std::string_view cut = truncate_utf8(s, max_bytes);
  while (!cut.empty() && cut.back() == ' ') cut.remove_suffix(1);
  return std::string(cut) + "...";
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string unfold_header_value(std::string_view raw_value) {
  std::string out;
  out.reserve(raw_value.size());
  for (char c : raw_value)
    if (c != '\r' && c != '\n') out += c;
  return std::string(trim(out));
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

bool starts_with_ascii_ci(std::string_view s, std::string_view lower_prefix) {
  if (s.size() < lower_prefix.size()) return false;
  for (std::size_t i = 0; i < lower_prefix.size(); ++i) {
    const char c = s[i];
    if ((c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c) != lower_prefix[i]) return false;
  }
  return true;
}

}  // namespace mailjar::mime
