#include "mime/parse_horizon.hpp"

#include <algorithm>
#include <set>
#include <unordered_set>

#include "mime/text_util.hpp"

namespace mailjar::mime::detail {
namespace {

constexpr std::size_t max_boundary_length = 256;  // RFC 2046 allows 70; GMime takes more
constexpr std::size_t max_boundary_lengths = 64;

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool blank(char c) { return c == ' ' || c == '\t'; }

// Values of every boundary=... parameter in raw (wherever it appears: extra ones only make
// more lines count as delimiters, which only moves the horizon earlier on hostile input).
std::unordered_set<std::string_view> declared_boundaries(std::string_view raw) {
  static constexpr std::string_view key = "boundary";
  std::unordered_set<std::string_view> out;
  for (std::size_t at = 0; at + key.size() < raw.size(); ++at) {
    if (!starts_with_ascii_ci(raw.substr(at), key)) continue;
    std::size_t p = at + key.size();
    while (p < raw.size() && blank(raw[p])) ++p;
    if (p >= raw.size() || raw[p] != '=') continue;
    ++p;
    while (p < raw.size() && blank(raw[p])) ++p;
    std::size_t end = p;
    if (p < raw.size() && raw[p] == '"') {
      end = ++p;
      while (end < raw.size() && raw[end] != '"' && raw[end] != '\r' && raw[end] != '\n') ++end;
    } else {
      while (end < raw.size() && raw[end] != ';' && raw[end] != '\r' && raw[end] != '\n' && !blank(raw[end]))
        ++end;
    }
    if (end > p && end - p <= max_boundary_length) out.insert(raw.substr(p, end - p));
    at = end > at ? end - 1 : at;
  }
  return out;
}

// Offset of the first header field past `max_fields` in the top-level header block, or npos.
std::size_t header_field_limit(std::string_view raw, std::size_t max_fields) {
  std::size_t fields = 0;
  for (std::size_t at = 0; at < raw.size();) {
    const char c = raw[at];
    if (c == '\n' || (c == '\r' && at + 1 < raw.size() && raw[at + 1] == '\n')) return std::string_view::npos;
    if (!blank(c) && ++fields > max_fields) return at;
    const std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) break;
    at = lf + 1;
  }
  return std::string_view::npos;
}

// Offset of the first delimiter line past `max_delimiters`, or npos. Byte by byte: only for
// messages with more "--" lines than the limit (line_census), i.e. never for everyday mail.
std::size_t delimiter_limit(std::string_view raw, std::size_t max_delimiters) {
  const auto boundaries = declared_boundaries(raw);
  if (boundaries.empty()) return std::string_view::npos;
  std::set<std::size_t> lengths;
  for (auto b : boundaries) lengths.insert(b.size());
  const bool every_dash_line = lengths.size() > max_boundary_lengths;
  std::size_t count = 0;
  for (std::size_t at = 0; at < raw.size();) {
    if (raw.compare(at, 2, "--") == 0) {
      const std::string_view rest = raw.substr(at + 2);
      bool delimiter = every_dash_line;
      for (auto it = lengths.begin(); !delimiter && it != lengths.end() && *it <= rest.size(); ++it)
        delimiter = boundaries.count(rest.substr(0, *it)) > 0;
      if (delimiter && ++count > max_delimiters) return at;
    }
    const std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) break;
    at = lf + 1;
  }
  return std::string_view::npos;
}

// Fields whose values GMime parses in a way the census bounds.
enum class field_kind {
  other,
  parameters,  // Content-Type, Content-Disposition: parameters, each checked against every earlier one
  addresses,   // address lists: each group ("name:") opens a level of recursion until its ';'
};

constexpr std::string_view parameter_fields[] = {"content-type", "content-disposition"};
constexpr std::string_view address_fields[] = {"from",      "sender",    "reply-to",        "to",
                                               "cc",        "bcc",       "resent-from",     "resent-sender",
                                               "resent-to", "resent-cc", "resent-reply-to", "resent-bcc"};

// Does the line at `at` start one of `names` ("name", optional blanks, ':')? Sets `value` to
// the offset after the colon.
template <std::size_t N>
bool field_named(std::string_view raw, std::size_t at, const std::string_view (&names)[N],
                 std::size_t& value) {
  for (const std::string_view name : names) {
    if (!starts_with_ascii_ci(raw.substr(at), name)) continue;
    std::size_t p = at + name.size();
    while (p < raw.size() && blank(raw[p])) ++p;
    if (p < raw.size() && raw[p] == ':') {
      value = p + 1;
      return true;
    }
  }
  return false;
}

field_kind field_at(std::string_view raw, std::size_t at, std::size_t& value) {
  switch (lower(raw[at])) {
    case 'c':
      if (field_named(raw, at, parameter_fields, value)) return field_kind::parameters;
      return field_named(raw, at, address_fields, value) ? field_kind::addresses : field_kind::other;
    case 'f':
    case 's':
    case 'r':
    case 't':
    case 'b':
      return field_named(raw, at, address_fields, value) ? field_kind::addresses : field_kind::other;
    default:
      return field_kind::other;
  }
}

// Colons of an address field's value outside quoted strings and comments: an upper bound on
// its group nesting.
std::size_t group_colons(std::string_view value) {
  std::size_t colons = 0, comment = 0;
  bool quoted = false;
  for (std::size_t i = 0; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '\\') {
      ++i;
    } else if (quoted) {
      quoted = c != '"';
    } else if (c == '(') {
      ++comment;
    } else if (comment > 0) {
      comment -= c == ')';
    } else if (c == '"') {
      quoted = true;
    } else {
      colons += c == ':';
    }
  }
  return colons;
}

struct field_cut {
  std::size_t at = std::string_view::npos;
  std::string reason;
};

// One pass over the lines of raw, one memchr each: how many start with "--" (every delimiter
// line does), and the first Content-Type/Content-Disposition or address field that goes past
// its limit.
struct line_census {
  std::size_t dash_lines = 0;
  field_cut field;
};

line_census take_census(std::string_view raw, const parse_limits& limits) {
  line_census c;
  std::size_t parameters = 0;
  for (std::size_t at = 0; at < raw.size();) {
    std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) lf = raw.size();
    std::size_t value = 0;
    if (raw[at] == '-' && at + 1 < raw.size() && raw[at + 1] == '-') {
      ++c.dash_lines;
    } else if (const field_kind kind =
                   c.field.at == std::string_view::npos ? field_at(raw, at, value) : field_kind::other;
               kind != field_kind::other) {
      // The field: this line and every following line that starts with a blank.
      std::size_t end = lf;
      while (end + 1 < raw.size() && blank(raw[end + 1])) {
        const std::size_t next = raw.find('\n', end + 1);
        end = next == std::string_view::npos ? raw.size() : next;
      }
      const std::string_view body = raw.substr(value, end - value);
      if (kind == field_kind::parameters) {
        const std::size_t here = static_cast<std::size_t>(std::count(body.begin(), body.end(), ';'));
        parameters += here;
        if (here > limits.max_field_parameters) {
          c.field = {at, "a Content-Type or Content-Disposition field with more than " +
                             std::to_string(limits.max_field_parameters) + " parameters"};
        } else if (parameters > limits.max_parameters) {
          c.field = {at, "more than " + std::to_string(limits.max_parameters) +
                             " Content-Type and Content-Disposition parameters"};
        }
      } else if (group_colons(body) > limits.max_address_groups) {
        c.field = {
            at, "an address field with more than " + std::to_string(limits.max_address_groups) + " groups"};
      }
      lf = end;
    }
    at = lf + 1;
  }
  return c;
}

}  // namespace

parse_horizon find_parse_horizon(std::string_view raw, const parse_limits& limits,
                                 std::size_t max_delimiters) {
  // Each limit gives a cut (or npos); the earliest one is the horizon.
  constexpr auto none = std::string_view::npos;
  constexpr const char* rest = "; the rest of the message is not parsed (the raw message is kept whole)";
  parse_horizon h;
  h.length = raw.size();
  if (const auto cut = header_field_limit(raw, limits.max_header_fields); cut != none) {
    h.length = cut;
    h.reason = "more than " + std::to_string(limits.max_header_fields) + " header fields" + rest;
  }
  const line_census census = take_census(raw, limits);
  if (census.field.at < h.length) {
    h.length = census.field.at;
    h.reason = census.field.reason + rest;
  }
  if (census.dash_lines > max_delimiters) {
    if (const auto cut = delimiter_limit(raw.substr(0, h.length), max_delimiters); cut != none) {
      h.length = cut;
      h.reason = "more than " + std::to_string(max_delimiters) + " MIME boundary lines" + rest;
    }
  }
  return h;
}

}  // namespace mailjar::mime::detail
