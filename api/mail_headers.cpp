#include "api/mail_headers.hpp"

#include <cstring>

#include "api/paging.hpp"

namespace mailjar::api {

namespace {
bool is_tchar(unsigned char c) {
  if (c >= '0' && c <= '9') return true;
  if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') return true;
  return c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr;
}
}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    unsigned char x = static_cast<unsigned char>(a[i]), y = static_cast<unsigned char>(b[i]);
    if (x >= 'A' && x <= 'Z') x = static_cast<unsigned char>(x + 32);
    if (y >= 'A' && y <= 'Z') y = static_cast<unsigned char>(y + 32);
    if (x != y) return false;
  }
  return true;
}

std::string canonical_header_key(std::string_view name) {
  for (char c : name)
    if (!is_tchar(static_cast<unsigned char>(c))) return std::string(name);
  std::string out(name);
  bool upper = true;
  for (char& c : out) {
    if (upper && c >= 'a' && c <= 'z') c = static_cast<char>(c - 32);
    if (!upper && c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    upper = c == '-';
  }
  return out;
}

std::map<std::string, std::vector<std::string>> group_headers(const std::vector<header_field>& fields) {
  std::map<std::string, std::vector<std::string>> out;
  for (const auto& f : fields) out[canonical_header_key(f.name)].push_back(trim(f.value));
  return out;
}

std::optional<std::string> find_header(const std::vector<header_field>& fields, std::string_view name) {
  for (const auto& f : fields)
    if (iequals(f.name, name)) return trim(f.value);
  return std::nullopt;
}

}  // namespace mailjar::api
