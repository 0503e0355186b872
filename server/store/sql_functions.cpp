#include "store/sql_functions.hpp"

#include "core/utf8.hpp"

#include <optional>
#include <string>
#include <string_view>

#include "search/fold.hpp"

namespace mailjar::store {

namespace {

char lower(char c) { return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c; }

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (lower(a[i]) != lower(b[i])) return false;
  return true;
}

std::string_view text_arg(sqlite3_value* v) {
  const auto* p = static_cast<const char*>(sqlite3_value_blob(v));
  const int n = sqlite3_value_bytes(v);
  return p == nullptr || n <= 0 ? std::string_view() : std::string_view(p, static_cast<std::size_t>(n));
}

void header_match_fn(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  if (argc != 3) {
    sqlite3_result_int(ctx, 0);
    return;
  }
  sqlite3_result_int(ctx, header_matches(text_arg(argv[0]), text_arg(argv[1]), text_arg(argv[2])) ? 1 : 0);
}

}  // namespace

namespace {

int hex4(std::string_view s, std::size_t i) {
  if (i + 4 > s.size()) return -1;
  int v = 0;
  for (std::size_t k = i; k < i + 4; ++k) {
    const char c = s[k];
    v <<= 4;
    if (c >= '0' && c <= '9')
      v |= c - '0';
    else if (c >= 'a' && c <= 'f')
      v |= c - 'a' + 10;
    else if (c >= 'A' && c <= 'F')
      v |= c - 'A' + 10;
    else
      return -1;
  }
  return v;
}

// Decodes the JSON string whose body starts at s[i] (after the opening quote); nullopt when it
// is malformed. Invalid surrogates become U+FFFD.
std::optional<std::string> json_string_at(std::string_view s, std::size_t i) {
  std::string out;
  while (i < s.size()) {
    const char c = s[i++];
    if (c == '"') return out;
    if (c != '\\') {
      out += c;
      continue;
    }
    if (i >= s.size()) return std::nullopt;
    const char e = s[i++];
    switch (e) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'u': {
        int cp = hex4(s, i);
        if (cp < 0) return std::nullopt;
        i += 4;
        if (cp >= 0xD800 && cp <= 0xDBFF && i + 6 <= s.size() && s[i] == '\\' && s[i + 1] == 'u') {
          const int lo = hex4(s, i + 2);
          if (lo >= 0xDC00 && lo <= 0xDFFF) {
            cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            i += 6;
          }
        }
        encode_utf8(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : static_cast<unsigned>(cp));
        break;
      }
      default:
        out += e;  // \" \\ \/
    }
  }
  return std::nullopt;
}

}  // namespace

bool header_matches(std::string_view headers_json, std::string_view name, std::string_view folded_value) {
  if (name.empty()) return false;
  // headers_json is [["Name","value"],...] as json_columns writes it (compact). Look for each
  // `["Name","` (names compare ASCII case-insensitively) and decode only that value.
  std::string key = "[\"";
  for (char c : name) {
    if (c == '"' || c == '\\') key += '\\';
    key += c;
  }
  key += "\",\"";
  std::size_t from = 0;
  while (from + key.size() <= headers_json.size()) {
    std::size_t at = std::string_view::npos;
    for (std::size_t i = from; i + key.size() <= headers_json.size(); ++i) {
      if (lower(headers_json[i]) == lower(key[0]) && lower(headers_json[i + 2]) == lower(key[2]) &&
          iequals(headers_json.substr(i, key.size()), key)) {
        at = i;
        break;
      }
    }
    if (at == std::string_view::npos) return false;
    from = at + key.size();
    if (folded_value.empty()) return true;
    auto value = json_string_at(headers_json, from);
    if (!value) return false;
    if (search::fold_clean(*value).find(folded_value) != std::string::npos) return true;
  }
  return false;
}

status register_sql_functions(sqlite3* db) {
  const int rc = sqlite3_create_function_v2(db, "mailjar_header_match", 3,
                                            SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS, nullptr,
                                            header_match_fn, nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return error{std::string("registering SQL functions: ") + sqlite3_errmsg(db)};
  return ok_status();
}

}  // namespace mailjar::store
