// Shared helpers of the libFuzzer targets: FUZZ_CHECK (an invariant that, when broken, prints
// what was expected and aborts so libFuzzer saves the input as a crash) and a strict UTF-8
// validator (RFC 3629: no overlongs, no surrogates, nothing past U+10FFFF). Header-only.
#pragma once

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#define FUZZ_CHECK(cond, ...)                                                              \
  do {                                                                                     \
    if (!(cond)) {                                                                         \
      std::fprintf(stderr, "FUZZ_CHECK failed at %s:%d: %s\n", __FILE__, __LINE__, #cond); \
      ::mailjar::fuzz::explain(__VA_ARGS__);                                               \
      std::abort();                                                                        \
    }                                                                                      \
  } while (0)

namespace mailjar::fuzz {

inline void explain() {}
inline void explain(std::string_view what) {
  std::fprintf(stderr, "  %.*s\n", static_cast<int>(std::min<std::size_t>(what.size(), 4000)), what.data());
}
template <class... More>
void explain(std::string_view what, std::string_view next, const More&... more) {
  explain(what);
  explain(next, more...);
}

// Printable form of bytes for failure messages: controls and non-ASCII as \xNN.
inline std::string printable(std::string_view s, std::size_t max = 600) {
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < s.size() && i < max; ++i) {
    const auto u = static_cast<unsigned char>(s[i]);
    if (u >= 0x20 && u < 0x7f && u != '\\') {
      out.push_back(static_cast<char>(u));
    } else {
      out += "\\x";
      out.push_back(hex[u >> 4]);
      out.push_back(hex[u & 15]);
    }
  }
  if (s.size() > max) out += "...";
  return out;
}

inline bool valid_utf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned cp = 0;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return false;
    }
    if (i + len > s.size()) return false;
    for (std::size_t k = 1; k < len; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3F);
    }
    if ((len == 3 && cp < 0x800) || (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) return false;
    if (cp >= 0xD800 && cp <= 0xDFFF) return false;
    i += len;
  }
  return true;
}

}  // namespace mailjar::fuzz
