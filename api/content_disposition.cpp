#include "api/content_disposition.hpp"

#include <array>
#include <cctype>
#include <cstring>

namespace mailjar::api {

namespace {

// Length of the valid UTF-8 sequence at s[i], or 0.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  unsigned char c = static_cast<unsigned char>(s[i]);
  std::size_t n = c < 0x80 ? 1 : (c >> 5) == 0x6 ? 2 : (c >> 4) == 0xE ? 3 : (c >> 3) == 0x1E ? 4 : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return 0;
  if (n == 2 && c < 0xC2) return 0;  // overlong
  if (n == 3) {
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 >= 0xA0)) return 0;  // overlong / surrogate
  }
  if (n == 4) {
    unsigned char c1 = static_cast<unsigned char>(s[i + 1]);
    if ((c == 0xF0 && c1 < 0x90) || c > 0xF4 || (c == 0xF4 && c1 >= 0x90)) return 0;
  }
  return n;
}

bool is_attr_char(unsigned char c) {  // RFC 8187 attr-char
  if (std::isalnum(c)) return true;
  return c != 0 && std::strchr("!#$&+-.^_`|~", c) != nullptr;
}

bool token(std::string_view s) {
  if (s.empty() || s.size() > 127) return false;
  for (char ch : s) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (!(std::isalnum(c) || (c != 0 && std::strchr("!#$&^_.+-", c) != nullptr))) return false;
  }
  return true;
}

}  // namespace

std::string safe_file_name(std::string_view name, std::string_view fallback) {
  std::string out;
  for (std::size_t i = 0; i < name.size() && out.size() < 200;) {
    std::size_t n = utf8_len(name, i);
    if (n == 0) {
      out += "_";
      ++i;
      continue;
    }
    unsigned char c = static_cast<unsigned char>(name[i]);
    if (n == 1) {
      if (c < 0x20 || c == 0x7F) {
        ++i;  // CR, LF, NUL, TAB ... dropped
        continue;
      }
      if (std::strchr("/\\:*?\"<>|", c) != nullptr) c = '_';
      out += static_cast<char>(c);
    } else {
      if (out.size() + n > 200) break;
      out.append(name.substr(i, n));
    }
    i += n;
  }
  std::size_t b = 0;
  while (b < out.size() && (out[b] == '.' || out[b] == ' ')) ++b;
  out.erase(0, b);
  while (!out.empty() && (out.back() == ' ' || out.back() == '.')) out.pop_back();
  if (out.empty()) return std::string(fallback);
  return out;
}

std::string content_disposition(std::string_view disposition, std::string_view name) {
  std::string ascii;
  std::string encoded;
  static const char* hex = "0123456789ABCDEF";
  for (std::size_t i = 0; i < name.size();) {
    std::size_t n = utf8_len(name, i);
    if (n == 0) n = 1;
    unsigned char c = static_cast<unsigned char>(name[i]);
    bool plain = n == 1 && c >= 0x20 && c < 0x7F && c != '"' && c != '\\' && c != '%';
    ascii += plain ? static_cast<char>(c) : '_';
    for (std::size_t k = 0; k < n; ++k) {
      unsigned char b = static_cast<unsigned char>(name[i + k]);
      if (is_attr_char(b)) {
        encoded += static_cast<char>(b);
      } else {
        encoded += '%';
        encoded += hex[b >> 4];
        encoded += hex[b & 0xF];
      }
    }
    i += n;
  }
  std::string out(disposition);
  out += "; filename=\"" + ascii + "\"";
  out += "; filename*=UTF-8''" + encoded;
  return out;
}

part_delivery deliver_part(std::string_view content_type, std::string_view charset) {
  static const std::array<std::string_view, 8> inline_images = {
      "image/png", "image/jpeg", "image/gif",    "image/webp",
      "image/bmp", "image/avif", "image/x-icon", "image/vnd.microsoft.icon"};
  part_delivery d;
  auto slash = content_type.find('/');
  bool valid = slash != std::string_view::npos && token(content_type.substr(0, slash)) &&
               token(content_type.substr(slash + 1));
  if (!valid) {
    d.content_type = "application/octet-stream";
    return d;
  }
  for (auto t : inline_images) {
    if (content_type == t) {
      d.content_type = std::string(content_type);
      d.inline_ok = true;
      return d;
    }
  }
  auto has = [&](std::string_view needle) { return content_type.find(needle) != std::string_view::npos; };
  if (has("html") || has("xml") || has("svg") || has("javascript") || has("ecmascript") || has("xsl") ||
      has("multipart/")) {
    d.content_type = "application/octet-stream";
    return d;
  }
  d.content_type = std::string(content_type);
  if (content_type.substr(0, 5) == "text/" && token(charset))
    d.content_type += "; charset=" + std::string(charset);
  return d;
}

}  // namespace mailjar::api
