#include "smtp/protocol/command_parser.hpp"

#include <array>
#include <utility>

namespace mailjar::smtp {

namespace {

bool is_blank(char c) { return c == ' ' || c == '\t'; }
bool is_alpha(char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); }
bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return is_alpha(c) || is_digit(c); }
bool is_high(char c) { return static_cast<unsigned char>(c) >= 0x80; }

std::string_view trim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

std::string_view ltrim_blanks(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  return s;
}

// Splits off the next blank-separated token.
std::string_view next_token(std::string_view& s) {
  s = ltrim_blanks(s);
  std::size_t end = 0;
  while (end < s.size() && !is_blank(s[end])) ++end;
  const std::string_view token = s.substr(0, end);
  s.remove_prefix(end);
  return token;
}

constexpr std::array<std::pair<std::string_view, verb>, 22> verbs{{
    {"HELO", verb::helo},
    {"EHLO", verb::ehlo},
    {"MAIL", verb::mail},
    {"RCPT", verb::rcpt},
    {"DATA", verb::data},
    {"BDAT", verb::bdat},
    {"RSET", verb::rset},
    {"NOOP", verb::noop},
    {"QUIT", verb::quit},
    {"VRFY", verb::vrfy},
    {"EXPN", verb::expn},
    {"HELP", verb::help},
    {"STARTTLS", verb::starttls},
    {"AUTH", verb::auth},
    {"TURN", verb::not_implemented},
    {"ETRN", verb::not_implemented},
    {"ATRN", verb::not_implemented},
    {"SEND", verb::not_implemented},
    {"SOML", verb::not_implemented},
    {"SAML", verb::not_implemented},
    {"XCLIENT", verb::not_implemented},
    {"XFORWARD", verb::not_implemented},
}};

constexpr std::array<std::string_view, 9> http_methods{"GET",     "POST",    "HEAD",  "PUT",  "DELETE",
                                                       "OPTIONS", "CONNECT", "PATCH", "TRACE"};

// "Host: x", "User-Agent: y": a header line, as Postfix's smtpd_forbidden_commands checks.
bool looks_like_header(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && (is_alnum(line[i]) || line[i] == '-')) ++i;
  if (i == 0) return false;
  while (i < line.size() && line[i] == ' ') ++i;
  return i < line.size() && line[i] == ':';
}

bool valid_param_keyword(std::string_view k) {
  if (k.empty() || !is_alnum(k.front())) return false;
  for (const char c : k) {
    if (!is_alnum(c) && c != '-') return false;
  }
  return true;
}

// esmtp-value: printable except '=' and SP (RFC 5321), UTF-8 allowed (RFC 6531).
bool valid_param_value(std::string_view v) {
  if (v.empty()) return false;
  for (const char c : v) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f || c == '=') return false;
  }
  return true;
}

std::optional<std::uint64_t> parse_decimal(std::string_view s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::uint64_t v = 0;
  for (const char c : s) {
    if (!is_digit(c)) return std::nullopt;
    const auto d = static_cast<std::uint64_t>(c - '0');
    if (v > (UINT64_MAX - d) / 10) return std::nullopt;
    v = v * 10 + d;
  }
  return v;
}

bool is_atext_or_dot(char c) {
  if (is_alnum(c) || is_high(c)) return true;
  constexpr std::string_view specials = "!#$%&'*+-/=?^_`{|}~.";
  return specials.find(c) != std::string_view::npos;
}

bool valid_domain(std::string_view d) {
  if (d.empty()) return false;
  if (d.front() == '[') {
    if (d.size() < 3 || d.back() != ']') return false;
    for (const char c : d.substr(1, d.size() - 2)) {
      const auto u = static_cast<unsigned char>(c);
      if (u <= 0x20 || u >= 0x7f || c == '[' || c == ']' || c == '\\') return false;
    }
    return true;
  }
  if (d.front() == '.' || d.find("..") != std::string_view::npos) return false;
  for (const char c : d) {
    if (!is_alnum(c) && c != '-' && c != '.' && c != '_' && !is_high(c)) return false;
  }
  return true;
}

}  // namespace

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    char x = a[i];
    char y = b[i];
    if (x >= 'a' && x <= 'z') x = static_cast<char>(x - 'a' + 'A');
    if (y >= 'a' && y <= 'z') y = static_cast<char>(y - 'a' + 'A');
    if (x != y) return false;
  }
  return true;
}

bool has_control_chars(std::string_view s) {
  for (const char c : s) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 0x20 || u == 0x7f) return true;
  }
  return false;
}

command parse_command(std::string_view line) {
  line = trim_blanks(line);
  if (line.empty()) return {verb::unknown, {}};
  if (looks_like_header(line)) return {verb::http, {}};

  std::string_view rest = line;
  const std::string_view token = next_token(rest);
  const std::string_view args = trim_blanks(rest);
  for (const auto method : http_methods) {
    if (iequals(token, method)) return {verb::http, {}};
  }
  for (const char c : token) {
    if (!is_alpha(c)) return {verb::unknown, {}};
  }
  for (const auto& [name, v] : verbs) {
    if (iequals(token, name)) return {v, args};
  }
  return {verb::unknown, {}};
}

bool valid_mailbox(std::string_view a) {
  if (a.empty()) return false;
  std::size_t i = 0;
  if (a.front() == '"') {
    for (i = 1; i < a.size() && a[i] != '"'; ++i) {
      const auto u = static_cast<unsigned char>(a[i]);
      if (u < 0x20 || u == 0x7f) return false;
      if (a[i] == '\\') ++i;  // quoted-pair: the next byte is taken literally
    }
    if (i >= a.size()) return false;  // unterminated quoted string
    ++i;
  } else {
    while (i < a.size() && a[i] != '@') {
      if (!is_atext_or_dot(a[i])) return false;
      ++i;
    }
    if (i == 0) return false;
  }
  if (i == a.size()) return true;  // local part only ("postmaster")
  if (a[i] != '@') return false;
  return valid_domain(a.substr(i + 1));
}

path_command parse_path_command(std::string_view args, std::string_view keyword) {
  path_command out;
  std::string_view s = args;
  if (s.size() < keyword.size() || !iequals(s.substr(0, keyword.size()), keyword)) return out;
  s = ltrim_blanks(s.substr(keyword.size()));
  if (s.empty() || s.front() != ':') return out;
  s = ltrim_blanks(s.substr(1));
  if (s.empty()) return out;

  std::string_view address;
  std::string_view rest;
  if (s.front() == '<') {
    std::size_t i = 1;
    bool quoted = false;
    for (; i < s.size(); ++i) {
      const char c = s[i];
      if (quoted) {
        if (c == '\\') {
          ++i;
        } else if (c == '"') {
          quoted = false;
        }
      } else if (c == '"') {
        quoted = true;
      } else if (c == '>') {
        break;
      } else if (c == '<') {
        return out;
      }
    }
    if (i >= s.size()) return out;  // no closing '>'
    address = s.substr(1, i - 1);
    rest = s.substr(i + 1);
    if (!rest.empty() && !is_blank(rest.front())) return out;  // "<a@b>SIZE=1"
  } else {
    std::size_t end = 0;
    while (end < s.size() && !is_blank(s[end])) ++end;
    address = s.substr(0, end);
    rest = s.substr(end);
    if (address.find_first_of("<>") != std::string_view::npos) return out;
  }

  if (has_control_chars(address)) {
    out.status = path_status::bad_address;
    return out;
  }
  if (!address.empty() && address.front() == '@') {  // source route "@a,@b:user@c" (RFC 5321 C)
    const std::size_t colon = address.find(':');
    if (colon == std::string_view::npos) {
      out.status = path_status::bad_address;
      return out;
    }
    address.remove_prefix(colon + 1);
  }
  if (!address.empty() && !valid_mailbox(address)) {
    out.status = path_status::bad_address;
    return out;
  }

  while (true) {
    const std::string_view token = next_token(rest);
    if (token.empty()) break;
    esmtp_param p;
    const std::size_t eq = token.find('=');
    p.keyword = token.substr(0, eq);
    if (eq != std::string_view::npos) {
      p.has_value = true;
      p.value = token.substr(eq + 1);
      if (!valid_param_value(p.value)) return out;
    }
    if (!valid_param_keyword(p.keyword)) return out;
    out.params.push_back(p);
  }
  out.address = address;
  out.status = path_status::ok;
  return out;
}

option_status parse_mail_options(const std::vector<esmtp_param>& params, std::uint64_t max_size,
                                 mail_options& out) {
  for (const auto& p : params) {
    if (iequals(p.keyword, "SIZE")) {
      if (!p.has_value) return option_status::syntax;
      for (const char c : p.value) {
        if (!is_digit(c)) return option_status::syntax;
      }
      const auto size = parse_decimal(p.value);
      if (!size || *size > max_size) return option_status::too_big;  // overflow is too big too
      out.size = size;
    } else if (iequals(p.keyword, "BODY")) {
      if (!p.has_value) return option_status::syntax;
      if (iequals(p.value, "7BIT")) {
        out.body = "7BIT";
      } else if (iequals(p.value, "8BITMIME")) {
        out.body = "8BITMIME";
      } else if (iequals(p.value, "BINARYMIME")) {
        out.body = "BINARYMIME";
      } else {
        return option_status::syntax;
      }
    } else if (iequals(p.keyword, "SMTPUTF8")) {
      if (p.has_value) return option_status::syntax;
      out.smtputf8 = true;
    } else if (iequals(p.keyword, "AUTH")) {
      if (!p.has_value) return option_status::syntax;  // RFC 4954 5: AUTH=<> or AUTH=xtext; ignored
    } else {
      return option_status::unknown;
    }
  }
  return option_status::ok;
}

std::optional<bdat_command> parse_bdat(std::string_view args) {
  std::string_view rest = args;
  const auto size = parse_decimal(next_token(rest));
  if (!size) return std::nullopt;
  bdat_command out{*size, false};
  const std::string_view second = next_token(rest);
  if (!second.empty()) {
    if (!iequals(second, "LAST")) return std::nullopt;
    out.last = true;
  }
  if (!next_token(rest).empty()) return std::nullopt;
  return out;
}

}  // namespace mailjar::smtp
