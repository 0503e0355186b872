#include "search/fold.hpp"

#include <glib.h>

#include <memory>

namespace mailjar::search {

namespace {

struct g_free_deleter {
  void operator()(gchar* p) const { g_free(p); }
};
using g_string_ptr = std::unique_ptr<gchar, g_free_deleter>;

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// The code point starting at s[i] and its length; nullopt-like (-1) for an invalid sequence.
gunichar next_char(std::string_view s, std::size_t i, std::size_t& len) {
  const auto b = static_cast<unsigned char>(s[i]);
  if (b < 0x80) {
    len = 1;
    return b;
  }
  const std::size_t max = std::min<std::size_t>(4, s.size() - i);
  const gunichar c = g_utf8_get_char_validated(s.data() + i, static_cast<gssize>(max));
  if (c == static_cast<gunichar>(-1) || c == static_cast<gunichar>(-2)) {
    len = 1;
    return static_cast<gunichar>(-1);
  }
  len = static_cast<std::size_t>(g_utf8_skip[b]);
  return c;
}

bool is_space(gunichar c) { return c == 0xFEFF || g_unichar_isspace(c); }

}  // namespace

std::string fold(std::string_view text) {
  if (is_ascii(text)) return ascii_lower(text);
  g_string_ptr valid(g_utf8_make_valid(text.data(), static_cast<gssize>(text.size())));
  g_string_ptr decomposed(g_utf8_normalize(valid.get(), -1, G_NORMALIZE_NFKD));
  if (!decomposed) return ascii_lower(text);  // cannot happen for valid UTF-8
  g_string_ptr folded(g_utf8_casefold(decomposed.get(), -1));

  // Drop combining marks that sit on a Latin letter ("e" + U+0301 → "e"); keep the others.
  std::string stripped;
  stripped.reserve(std::char_traits<char>::length(folded.get()));
  bool base_is_latin = false;
  for (const gchar* p = folded.get(); *p != '\0'; p = g_utf8_next_char(p)) {
    const gunichar c = g_utf8_get_char(p);
    if (g_unichar_ismark(c)) {
      if (base_is_latin) continue;
    } else {
      base_is_latin = g_unichar_get_script(c) == G_UNICODE_SCRIPT_LATIN;
    }
    stripped.append(p, static_cast<std::size_t>(g_utf8_next_char(p) - p));
  }
  g_string_ptr composed(
      g_utf8_normalize(stripped.data(), static_cast<gssize>(stripped.size()), G_NORMALIZE_NFC));
  return composed ? std::string(composed.get()) : stripped;
}

std::string clean(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  bool pending_space = false;
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const gunichar c = next_char(text, i, len);
    bool space = false;
    if (c != static_cast<gunichar>(-1)) {
      switch (c) {
        case '<':
        case '>':
        case '"':
        case ',':
        case ';':
        case '(':
        case ')':
          space = true;
          break;
        default:
          space = is_space(c);
      }
    }
    if (space) {
      pending_space = !out.empty();
    } else {
      if (pending_space) out += ' ';
      pending_space = false;
      if (c == static_cast<gunichar>(-1)) {
        out += "\xEF\xBF\xBD";  // invalid byte: U+FFFD, so values are always valid UTF-8
      } else {
        out.append(text.substr(i, len));
      }
    }
    i += len;
  }
  return out;
}

std::string fold_clean(std::string_view text) { return fold(clean(text)); }

bool has_letter_or_digit(std::string_view text) {
  for (std::size_t i = 0; i < text.size();) {
    std::size_t len = 1;
    const gunichar c = next_char(text, i, len);
    if (c != static_cast<gunichar>(-1) && g_unichar_isalnum(c)) return true;
    i += len;
  }
  return false;
}

}  // namespace mailjar::search
