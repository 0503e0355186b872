#include "api/mime_encoding.hpp"

#include <cctype>
#include <cstring>

#include "smtp/protocol/base64.hpp"

namespace mailjar::api {

namespace {

constexpr const char* hex_digits = "0123456789ABCDEF";

bool is_atext_or_space(unsigned char c) {
  return std::isalnum(c) || c == ' ' || (c != 0 && std::strchr("!#$%&'*+-/=?^_`{|}~.", c) != nullptr);
}

// Length of the UTF-8 sequence starting with `c` (1 for invalid lead bytes).
std::size_t utf8_seq_len(unsigned char c) {
  if (c < 0x80) return 1;
  if ((c >> 5) == 0x6) return 2;
  if ((c >> 4) == 0xE) return 3;
  if ((c >> 3) == 0x1E) return 4;
  return 1;
}

}  // namespace

std::string base64_lines(std::string_view bytes) {
  std::string flat = smtp::base64_encode(bytes);
  std::string out;
  out.reserve(flat.size() + flat.size() / 76 * 2 + 2);
  for (std::size_t i = 0; i < flat.size(); i += 76) {
    out.append(flat, i, 76);
    out += "\r\n";
  }
  return out;
}

std::string quoted_printable(std::string_view text) {
  std::string out;
  std::size_t col = 0;
  auto put = [&](std::string_view piece) {
    if (col + piece.size() > 75) {
      out += "=\r\n";
      col = 0;
    }
    out.append(piece);
    col += piece.size();
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(text[i]);
    bool line_end = c == '\n' || (c == '\r' && i + 1 < text.size() && text[i + 1] == '\n');
    if (line_end) {
      if (c == '\r') ++i;
      // Trailing whitespace before a line break must be encoded.
      if (!out.empty() && (out.back() == ' ' || out.back() == '\t') && col > 0) {
        char ws = out.back();
        out.pop_back();
        --col;
        char enc[4] = {'=', hex_digits[static_cast<unsigned char>(ws) >> 4], hex_digits[ws & 0xF], 0};
        put(enc);
      }
      out += "\r\n";
      col = 0;
      continue;
    }
    bool literal = (c >= 33 && c <= 126 && c != '=') || c == ' ' || c == '\t';
    if (literal) {
      char one[2] = {static_cast<char>(c), 0};
      put(one);
    } else {
      char enc[4] = {'=', hex_digits[c >> 4], hex_digits[c & 0xF], 0};
      put(enc);
    }
  }
  if (!out.empty() && (out.back() == ' ' || out.back() == '\t')) {
    char ws = out.back();
    out.pop_back();
    --col;
    char enc[4] = {'=', hex_digits[static_cast<unsigned char>(ws) >> 4], hex_digits[ws & 0xF], 0};
    put(enc);
  }
  return out;
}

std::optional<std::string> decode_base64_content(std::string_view text) {
  if (auto comma = text.rfind(','); comma != std::string_view::npos) text = text.substr(comma + 1);
  std::string compact;
  compact.reserve(text.size());
  for (char c : text)
    if (!std::isspace(static_cast<unsigned char>(c))) compact += c;
  if (compact.size() % 4 == 1) return std::nullopt;
  while (compact.size() % 4 != 0) compact += '=';
  if (compact.empty()) return std::string();
  return smtp::base64_decode(compact);
}

bool is_ascii_printable(std::string_view s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) > 0x7E) return false;
  return true;
}

std::string encode_header_text(std::string_view text) {
  if (is_ascii_printable(text) && text.find("=?") == std::string_view::npos) return std::string(text);
  // Each word "=?UTF-8?B?...?=" is at most 75 characters: 12 of overhead, 60 of base64 (45 bytes).
  std::string out;
  std::size_t i = 0;
  constexpr std::size_t budget = 45;
  while (i < text.size()) {
    std::size_t take = 0;
    while (i + take < text.size()) {
      std::size_t n = utf8_seq_len(static_cast<unsigned char>(text[i + take]));
      if (take + n > budget) break;
      take += n;
    }
    if (take == 0) take = std::min<std::size_t>(text.size() - i, budget);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + smtp::base64_encode(text.substr(i, take)) + "?=";
    i += take;
  }
  return out;
}

std::string format_address(std::string_view name, std::string_view addr) {
  if (name.empty()) return std::string(addr);
  std::string shown;
  bool plain = true;
  for (char c : name) plain = plain && is_atext_or_space(static_cast<unsigned char>(c));
  if (plain && name.front() != ' ' && name.back() != ' ' && name.front() != '.') {
    shown = std::string(name);
  } else if (is_ascii_printable(name) && name.find("=?") == std::string_view::npos) {
    shown = "\"";
    for (char c : name) {
      if (c == '"' || c == '\\') shown += '\\';
      shown += c;
    }
    shown += "\"";
  } else {
    shown = encode_header_text(name);
  }
  return shown + " <" + std::string(addr) + ">";
}

std::string mime_parameter(std::string_view name, std::string_view value) {
  if (is_ascii_printable(value)) {
    std::string out = std::string(name) + "=\"";
    for (char c : value) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    return out + "\"";
  }
  std::string out = std::string(name) + "*=UTF-8''";
  for (char ch : value) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || (c != 0 && std::strchr("!#$&+-.^_`|~", c) != nullptr)) {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex_digits[c >> 4];
      out += hex_digits[c & 0xF];
    }
  }
  return out;
}

}  // namespace mailjar::api
