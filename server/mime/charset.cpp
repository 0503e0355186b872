#include "mime/charset.hpp"

#include <iconv.h>

#include <cerrno>
#include <cstdint>

namespace mailjar::mime {
namespace {

constexpr std::string_view replacement = "\xEF\xBF\xBD";  // U+FFFD

// Length of the valid UTF-8 sequence starting at s[i], or 0 when it is invalid (overlongs,
// surrogates and code points above U+10FFFF are invalid). NUL counts as invalid here.
std::size_t utf8_sequence_length(std::string_view s, std::size_t i) {
  const auto b0 = static_cast<unsigned char>(s[i]);
  if (b0 < 0x80) return b0 == 0 ? 0 : 1;
  auto cont = [&](std::size_t k) {
    return i + k < s.size() && (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
  };
  if (b0 >= 0xC2 && b0 <= 0xDF) return cont(1) ? 2 : 0;
  if (b0 >= 0xE0 && b0 <= 0xEF) {
    if (!cont(1) || !cont(2)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xE0 && b1 < 0xA0) return 0;   // overlong
    if (b0 == 0xED && b1 >= 0xA0) return 0;  // surrogate
    return 3;
  }
  if (b0 >= 0xF0 && b0 <= 0xF4) {
    if (!cont(1) || !cont(2) || !cont(3)) return 0;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b0 == 0xF0 && b1 < 0x90) return 0;   // overlong
    if (b0 == 0xF4 && b1 >= 0x90) return 0;  // > U+10FFFF
    return 4;
  }
  return 0;
}

struct utf8_stats {
  std::size_t multibyte = 0;  // valid sequences of 2+ bytes
  std::size_t invalid = 0;    // invalid bytes (NUL not counted)
};

utf8_stats scan_utf8(std::string_view s) {
  utf8_stats st;
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      if (s[i] != '\0') ++st.invalid;
      ++i;
    } else {
      if (n > 1) ++st.multibyte;
      i += n;
    }
  }
  return st;
}

bool is_ascii(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) >= 0x80 || c == '\0') return false;
  return true;
}

std::string lower_trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t' || s.front() == '"')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t' || s.back() == '"')) s.remove_suffix(1);
  std::string out(s);
  for (char& c : out)
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  return out;
}

// Only plain charset tokens reach iconv_open (no paths, no "//TRANSLIT" suffixes).
bool plausible_charset_name(std::string_view name) {
  if (name.empty() || name.size() > 40) return false;
  for (char c : name) {
    const bool ok =
        (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_' || c == '.' || c == ':';
    if (!ok) return false;
  }
  return true;
}

// 7-bit encodings whose ASCII bytes do not mean ASCII characters (escape sequences).
bool is_seven_bit_encoding(std::string_view cs) {
  return cs.rfind("iso-2022", 0) == 0 || cs.rfind("csiso2022", 0) == 0 || cs == "utf-7" || cs == "x-utf-7" ||
         cs == "unicode-1-1-utf-7" || cs == "hz-gb-2312";
}

// Labels that mean "probably UTF-8 or plain ASCII, decide from the bytes".
bool is_auto_label(std::string_view cs) {
  return cs.empty() || cs == "us-ascii" || cs == "ascii" || cs == "utf-8" || cs == "utf8" ||
         cs == "ansi_x3.4-1968" || cs == "x-unknown" || cs == "unknown-8bit" || cs == "default";
}

std::string iconv_name_for(const std::string& cs) {
  if (cs == "iso-8859-1" || cs == "iso8859-1" || cs == "latin1" || cs == "l1" || cs == "iso_8859-1" ||
      cs == "cp1252" || cs == "windows-1252" || cs == "x-cp1252")
    return "WINDOWS-1252";
  if (cs == "ks_c_5601-1987" || cs == "ks_c_5601" || cs == "euc-kr") return "CP949";
  if (cs == "gb2312" || cs == "gbk" || cs == "x-gbk") return "GB18030";
  if (cs == "shift_jis" || cs == "x-sjis" || cs == "sjis" || cs == "ms_kanji") return "CP932";
  if (cs == "tis-620" || cs == "iso-8859-11") return "CP874";
  if (cs.rfind("windows-", 0) == 0) return "CP" + cs.substr(8);
  return cs;
}

// Converts with iconv, replacing every byte iconv rejects by U+FFFD. Returns false when
// the conversion cannot be opened.
bool iconv_convert(const std::string& from, std::string_view in, std::string& out, bool& lossy) {
  iconv_t cd = iconv_open("UTF-8", from.c_str());
  if (cd == reinterpret_cast<iconv_t>(-1)) return false;
  out.assign(in.size() * 2 + 16, '\0');
  char* inptr = const_cast<char*>(in.data());  // iconv's API is not const-correct; it only reads
  std::size_t inleft = in.size();
  std::size_t used = 0;
  auto ensure_room = [&](std::size_t n) {
    if (out.size() - used < n) out.resize(out.size() * 2 + n);
  };
  while (inleft > 0) {
    char* outptr = out.data() + used;
    std::size_t outleft = out.size() - used;
    const std::size_t rc = iconv(cd, &inptr, &inleft, &outptr, &outleft);
    used = static_cast<std::size_t>(outptr - out.data());
    if (rc != static_cast<std::size_t>(-1)) continue;
    if (errno == E2BIG) {
      ensure_room(out.size());
      continue;
    }
    lossy = true;
    ensure_room(replacement.size());
    out.replace(used, replacement.size(), replacement);
    used += replacement.size();
    if (errno == EILSEQ) {
      ++inptr;  // skip the offending byte and go on
      --inleft;
    } else {
      inleft = 0;  // EINVAL: truncated sequence at the end
    }
  }
  while (true) {  // flush any shift state (stateful encodings such as ISO-2022-JP)
    char* outptr = out.data() + used;
    std::size_t outleft = out.size() - used;
    const std::size_t rc = iconv(cd, nullptr, nullptr, &outptr, &outleft);
    used = static_cast<std::size_t>(outptr - out.data());
    if (rc == static_cast<std::size_t>(-1) && errno == E2BIG) {
      ensure_room(64);
      continue;
    }
    break;
  }
  out.resize(used);
  iconv_close(cd);
  return true;
}

std::string windows_1252(std::string_view bytes, bool& lossy) {
  std::string out;
  if (!iconv_convert("WINDOWS-1252", bytes, out, lossy)) out = sanitize_utf8(bytes);
  return out;
}

std::string decode_auto(std::string_view bytes, std::string* note) {
  const utf8_stats st = scan_utf8(bytes);
  if (st.invalid == 0) {
    if (bytes.find('\0') == std::string_view::npos) return std::string(bytes);
    if (note) *note = "NUL bytes replaced";
    return sanitize_utf8(bytes);
  }
  bool lossy = false;
  if (st.multibyte == 0) {
    std::string out = windows_1252(bytes, lossy);
    sanitize_utf8_in_place(out);  // NUL bytes survive iconv
    if (note) *note = "8-bit text without a usable charset read as windows-1252";
    return out;
  }
  if (note) *note = "invalid UTF-8 bytes replaced";
  return sanitize_utf8(bytes);
}

}  // namespace

bool is_valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string sanitize_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    const std::size_t n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += replacement;
      ++i;
    } else {
      out.append(s.data() + i, n);
      i += n;
    }
  }
  return out;
}

void sanitize_utf8_in_place(std::string& s) {
  if (is_ascii(s) || is_valid_utf8(s)) return;
  s = sanitize_utf8(s);
}

std::string to_utf8(std::string_view bytes, std::string_view charset, std::string* note) {
  const std::string cs = lower_trim(charset);
  if (is_ascii(bytes) && !is_seven_bit_encoding(cs)) return std::string(bytes);
  if (is_auto_label(cs)) return decode_auto(bytes, note);
  if (!plausible_charset_name(cs)) {
    if (note) *note = "unusable charset name; text decoded by guess";
    return decode_auto(bytes, note);
  }
  std::string out;
  bool lossy = false;
  if (!iconv_convert(iconv_name_for(cs), bytes, out, lossy)) {
    std::string inner;
    out = decode_auto(bytes, &inner);
    if (note) *note = "unknown charset \"" + cs + "\"; text decoded by guess";
    return out;
  }
  if (lossy && note) *note = "bytes invalid in charset \"" + cs + "\" replaced";
  sanitize_utf8_in_place(out);
  return out;
}

std::string to_utf8_owned(std::string&& bytes, std::string_view charset, std::string* note) {
  const std::string cs = lower_trim(charset);
  if (is_ascii(bytes) && !is_seven_bit_encoding(cs)) return std::move(bytes);
  if (is_auto_label(cs) && is_valid_utf8(bytes)) return std::move(bytes);
  return to_utf8(std::string_view(bytes), charset, note);
}

}  // namespace mailjar::mime
