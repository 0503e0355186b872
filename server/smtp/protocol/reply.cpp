#include "smtp/protocol/reply.hpp"

#include <cstdio>
#include <string_view>

namespace mailjar::smtp {

namespace {

constexpr std::size_t max_reply_line = 512;  // RFC 5321 4.5.3.1.5, including CRLF

// Replies are ASCII; anything else (control characters, bytes from the peer) becomes '?'.
void append_clean(std::string& out, std::string_view text, std::size_t budget) {
  if (text.size() > budget) text = text.substr(0, budget);
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out.push_back(u < 0x20 || u >= 0x7f ? '?' : c);
  }
}

}  // namespace

std::string reply::wire() const {
  char code_text[8];
  const int clamped = code < 100 || code > 599 ? 500 : code;
  std::snprintf(code_text, sizeof code_text, "%03d", clamped);

  static const std::string empty_line;
  const std::size_t count = lines.empty() ? 1 : lines.size();
  std::string out;
  for (std::size_t i = 0; i < count; ++i) {
    const std::size_t start = out.size();
    out.append(code_text, 3);
    out.push_back(i + 1 < count ? '-' : ' ');
    if (!enhanced.empty()) {
      append_clean(out, enhanced, 16);
      out.push_back(' ');
    }
    const std::size_t used = out.size() - start;
    const std::string& text = lines.empty() ? empty_line : lines[i];
    append_clean(out, text, max_reply_line - 2 - used);
    out += "\r\n";
  }
  return out;
}

}  // namespace mailjar::smtp
