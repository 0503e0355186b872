#include "mime/parse_horizon.hpp"

#include <set>
#include <unordered_set>

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
    if (lower(raw[at]) != 'b') continue;
    std::size_t i = 0;
    while (i < key.size() && lower(raw[at + i]) == key[i]) ++i;
    if (i < key.size()) continue;
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

// Does the line at `at` start a Content-Type or Content-Disposition field?
bool parameter_field_at(std::string_view raw, std::size_t at) {
  for (const std::string_view name :
       {std::string_view("content-type"), std::string_view("content-disposition")}) {
    if (raw.size() - at <= name.size()) continue;
    std::size_t i = 0;
    while (i < name.size() && lower(raw[at + i]) == name[i]) ++i;
    if (i < name.size()) continue;
    std::size_t p = at + name.size();
    while (p < raw.size() && blank(raw[p])) ++p;
    if (p < raw.size() && raw[p] == ':') return true;
  }
  return false;
}

struct parameter_cut {
  std::size_t at = std::string_view::npos;
  bool one_field = false;  // the field's own count, not the running total, went past its limit
};

// One pass over the lines of raw, one memchr each: how many start with "--" (every delimiter
// line does), and the Content-Type/Content-Disposition field whose parameters go past either
// limit.
struct line_census {
  std::size_t dash_lines = 0;
  parameter_cut parameters;
};

line_census take_census(std::string_view raw, std::size_t max_field, std::size_t max_total) {
  line_census c;
  std::size_t total = 0;
  for (std::size_t at = 0; at < raw.size();) {
    std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) lf = raw.size();
    const char first = raw[at];
    if (first == '-' && at + 1 < raw.size() && raw[at + 1] == '-') {
      ++c.dash_lines;
    } else if ((first == 'c' || first == 'C') && c.parameters.at == std::string_view::npos &&
               parameter_field_at(raw, at)) {
      // The field: this line and every following line that starts with a blank.
      std::size_t end = lf;
      while (end + 1 < raw.size() && blank(raw[end + 1])) {
        const std::size_t next = raw.find('\n', end + 1);
        end = next == std::string_view::npos ? raw.size() : next;
      }
      std::size_t params = 0;
      for (std::size_t i = at; i < end; ++i) params += raw[i] == ';';
      total += params;
      if (params > max_field || total > max_total) c.parameters = {at, params > max_field};
      lf = end;
    }
    at = lf + 1;
  }
  return c;
}

}  // namespace

parse_horizon find_parse_horizon(std::string_view raw, const horizon_limits& limits) {
  // Each limit gives a cut (or npos); the earliest one is the horizon.
  constexpr auto none = std::string_view::npos;
  constexpr const char* rest = "; the rest of the message is not parsed (the raw message is kept whole)";
  parse_horizon h;
  h.length = raw.size();
  if (const auto cut = header_field_limit(raw, limits.max_header_fields); cut != none) {
    h.length = cut;
    h.reason = "more than " + std::to_string(limits.max_header_fields) + " header fields" + rest;
  }
  const line_census census = take_census(raw, limits.max_field_parameters, limits.max_parameters);
  if (const auto cut = census.parameters; cut.at < h.length) {
    h.length = cut.at;
    h.reason = cut.one_field ? "a Content-Type or Content-Disposition field with more than " +
                                   std::to_string(limits.max_field_parameters) + " parameters" + rest
                             : "more than " + std::to_string(limits.max_parameters) +
                                   " Content-Type and Content-Disposition parameters" + rest;
  }
  if (census.dash_lines > limits.max_delimiters) {
    if (const auto cut = delimiter_limit(raw.substr(0, h.length), limits.max_delimiters); cut != none) {
      h.length = cut;
      h.reason = "more than " + std::to_string(limits.max_delimiters) + " MIME boundary lines" + rest;
    }
  }
  return h;
}

}  // namespace mailjar::mime::detail
