#include "search/parser.hpp"

#include <array>
#include <string>
#include <vector>

#include "search/fold.hpp"
#include "search/values.hpp"

namespace mailjar::search {

namespace {

// Mailpit's ArgsParser: split on spaces outside quotes; quotes toggle and are then removed;
// each argument trimmed; empty ones dropped.
std::vector<std::string> split_args(std::string_view s) {
  std::vector<std::string> args;
  std::string cur;
  bool quoted = false;
  auto flush = [&] {
    std::string v;
    v.reserve(cur.size());
    for (char c : cur)
      if (c != '"') v += c;
    std::size_t b = 0, e = v.size();
    while (b < e && (v[b] == ' ' || v[b] == '\t' || v[b] == '\r' || v[b] == '\n')) ++b;
    while (e > b && (v[e - 1] == ' ' || v[e - 1] == '\t' || v[e - 1] == '\r' || v[e - 1] == '\n')) --e;
    if (e > b) args.push_back(v.substr(b, e - b));
    cur.clear();
  };
  for (char c : s) {
    if (c == '"') {
      quoted = !quoted;
      cur += c;
    } else if (!quoted && c == ' ') {
      flush();
    } else {
      cur += c;
    }
  }
  flush();
  return args;
}

bool starts_with_ci(std::string_view s, std::string_view prefix) {
  if (s.size() < prefix.size()) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    char c = s[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != prefix[i]) return false;
  }
  return true;
}

bool equals_ci(std::string_view s, std::string_view lower) {
  return s.size() == lower.size() && starts_with_ci(s, lower);
}

struct field_prefix {
  std::string_view prefix;
  term_kind kind;
};

// Address-like fields: value cleaned and folded.
constexpr std::array<field_prefix, 7> k_address_fields = {{
    {"to:", term_kind::to},
    {"from:", term_kind::from},
    {"cc:", term_kind::cc},
    {"bcc:", term_kind::bcc},
    {"reply-to:", term_kind::reply_to},
    {"addressed:", term_kind::addressed},
    {"message-id:", term_kind::message_id},
}};

struct flag_word {
  std::string_view word;
  term_kind kind;
};

constexpr std::array<flag_word, 7> k_flags = {{
    {"is:read", term_kind::is_read},
    {"is:unread", term_kind::is_unread},
    {"is:tagged", term_kind::is_tagged},
    {"has:attachment", term_kind::has_attachment},
    {"has:attachments", term_kind::has_attachment},
    {"has:inline", term_kind::has_inline},
    {"has:inlines", term_kind::has_inline},
}};

bool valid_header_name(std::string_view name) {
  if (name.empty() || name.size() > 200) return false;
  for (char c : name) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 32 || u >= 127 || c == ':') return false;
  }
  return true;
}

std::string quote_for_error(std::string_view s) {
  std::string out = "\"";
  for (char c : s.substr(0, 60)) out += static_cast<unsigned char>(c) < 32 ? '?' : c;
  if (s.size() > 60) out += "...";
  return out + "\"";
}

// Parses one argument into `out` (nothing when Mailpit would ignore it); an error message else.
std::optional<std::string> parse_arg(std::string w, const parse_options& opt, std::vector<term>& out) {
  if (clean(w).empty()) return std::nullopt;
  term t;
  if (w.size() > 1 && (w[0] == '-' || w[0] == '!')) {
    t.negated = true;
    w.erase(0, 1);
  }
  if (!has_letter_or_digit(w)) return std::nullopt;

  for (const auto& f : k_address_fields) {
    if (!starts_with_ci(w, f.prefix)) continue;
    const std::string v = fold_clean(std::string_view(w).substr(f.prefix.size()));
    if (v.empty()) return std::nullopt;
    t.kind = f.kind;
    t.value = v;
    out.push_back(std::move(t));
    return std::nullopt;
  }
  if (starts_with_ci(w, "subject:")) {
    const std::string_view v = std::string_view(w).substr(8);
    if (v.empty()) return std::nullopt;
    t.kind = term_kind::subject;
    t.value = fold(v);
    out.push_back(std::move(t));
    return std::nullopt;
  }
  if (starts_with_ci(w, "tag:")) {
    const std::string v = clean(std::string_view(w).substr(4));
    if (v.empty()) return std::nullopt;
    t.kind = term_kind::tag;
    t.value = v;
    out.push_back(std::move(t));
    return std::nullopt;
  }
  if (starts_with_ci(w, "header:")) {
    const std::string_view rest = std::string_view(w).substr(7);
    const std::size_t colon = rest.find(':');
    std::string name = clean(rest.substr(0, colon));
    if (!valid_header_name(name)) {
      return "header: needs a field name, as in header:X-Mailer:value (got " + quote_for_error(w) + ")";
    }
    t.kind = term_kind::header;
    t.header_name = std::move(name);
    t.value = colon == std::string_view::npos ? std::string() : fold_clean(rest.substr(colon + 1));
    out.push_back(std::move(t));
    return std::nullopt;
  }
  for (const auto& f : k_flags) {
    if (!equals_ci(w, f.word)) continue;
    t.kind = f.kind;
    out.push_back(std::move(t));
    return std::nullopt;
  }
  for (const auto& [prefix, kind] : {std::pair{std::string_view("after:"), term_kind::after},
                                     std::pair{std::string_view("before:"), term_kind::before}}) {
    if (!starts_with_ci(w, prefix)) continue;
    const std::string v = clean(std::string_view(w).substr(prefix.size()));
    if (v.empty()) return std::nullopt;
    auto when = parse_date(v, opt.tz_offset_minutes);
    if (!when) {
      return std::string(prefix) + " cannot read the date " + quote_for_error(v) +
             " (use YYYY-MM-DD, optionally with a time)";
    }
    t.kind = kind;
    t.number = *when;
    out.push_back(std::move(t));
    return std::nullopt;
  }
  for (const auto& [prefix, kind] : {std::pair{std::string_view("larger:"), term_kind::larger},
                                     std::pair{std::string_view("smaller:"), term_kind::smaller}}) {
    if (!starts_with_ci(w, prefix)) continue;
    const std::int64_t bytes = parse_size(clean(std::string_view(w).substr(prefix.size())));
    if (bytes <= 0) break;  // Mailpit searches it as text
    t.kind = kind;
    t.number = bytes;
    out.push_back(std::move(t));
    return std::nullopt;
  }
  t.kind = term_kind::text;
  t.value = clean(w);
  out.push_back(std::move(t));
  return std::nullopt;
}

}  // namespace

result<query> parse(std::string_view search, const parse_options& options) {
  if (search.size() > max_search_bytes) {
    return error{"search is too long (at most " + std::to_string(max_search_bytes) + " bytes)"};
  }
  query q;
  for (auto& arg : split_args(search)) {
    if (auto err = parse_arg(std::move(arg), options, q.terms)) return error{*err};
    if (q.terms.size() > max_search_terms) {
      return error{"search has too many terms (at most " + std::to_string(max_search_terms) + ")"};
    }
  }
  return q;
}

}  // namespace mailjar::search
