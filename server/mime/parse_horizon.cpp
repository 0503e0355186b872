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

// Offset of the first delimiter line past `max_delimiters`, or npos.
std::size_t delimiter_limit(std::string_view raw, std::size_t max_delimiters) {
  // Every delimiter line starts with "--": with no more such lines than the limit there is
  // nothing to cut, and the byte-by-byte search for boundary parameters below is skipped.
  // That is every everyday message, so their cost is one memchr per line.
  std::size_t dash_lines = 0;
  for (std::size_t at = 0; at < raw.size() && dash_lines <= max_delimiters;) {
    if (raw.compare(at, 2, "--") == 0) ++dash_lines;
    const std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) break;
    at = lf + 1;
  }
  if (dash_lines <= max_delimiters) return std::string_view::npos;

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

}  // namespace

parse_horizon find_parse_horizon(std::string_view raw, std::size_t max_delimiters,
                                 std::size_t max_header_fields) {
  parse_horizon h;
  h.length = raw.size();
  if (const auto cut = header_field_limit(raw, max_header_fields); cut != std::string_view::npos) {
    h.length = cut;
    h.reason = "more than " + std::to_string(max_header_fields) +
               " header fields; the rest of the message is not parsed (the raw message is kept whole)";
    return h;
  }
  if (const auto cut = delimiter_limit(raw, max_delimiters); cut != std::string_view::npos) {
    h.length = cut;
    h.reason = "more than " + std::to_string(max_delimiters) +
               " MIME boundary lines; the rest of the message is not parsed (the raw message is kept whole)";
  }
  return h;
}

}  // namespace mailjar::mime::detail
