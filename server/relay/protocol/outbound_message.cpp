#include "relay/protocol/outbound_message.hpp"

#include <cstddef>
#include <ctime>
#include <string_view>
#include <vector>

namespace mailjar::relay {

namespace {

constexpr std::size_t max_line = 998;  // RFC 5322 2.1.1, without CRLF
constexpr std::size_t qp_line = 76;    // RFC 2045 6.7 (5)

using lines = std::vector<std::string>;

struct field {
  lines text;  // first line "Name: value", then continuation lines
  std::string name_lower() const {
    const auto& f = text.front();
    const auto colon = f.find(':');
    std::string n = f.substr(0, colon == std::string::npos ? 0 : colon);
    while (!n.empty() && (n.back() == ' ' || n.back() == '\t')) n.pop_back();
    for (char& c : n) {
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    }
    return n;
  }
  std::string value() const {  // unfolded, after the colon
    std::string v;
    for (const auto& l : text) v += l;
    const auto colon = v.find(':');
    return colon == std::string::npos ? std::string() : v.substr(colon + 1);
  }
};

struct entity {
  std::vector<field> fields;
  lines body;
  bool has_separator = false;  // an empty line ended the header section
};

struct state {
  bool reencoded = false;
  bool folded = false;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::string trim(std::string_view s) {
  std::size_t b = 0, e = s.size();
  while (b < e && (s[b] == ' ' || s[b] == '\t')) ++b;
  while (e > b && (s[e - 1] == ' ' || s[e - 1] == '\t')) --e;
  return std::string(s.substr(b, e - b));
}

// Every CRLF, bare LF and bare CR ends a line.
lines split_lines(std::string_view raw) {
  lines out;
  std::string cur;
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\r' || c == '\n') {
      out.push_back(std::move(cur));
      cur.clear();
      if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(std::move(cur));
  return out;
}

entity parse_entity(const lines& ls, std::size_t from, std::size_t to) {
  entity e;
  std::size_t i = from;
  for (; i < to; ++i) {
    const auto& l = ls[i];
    if (l.empty()) {
      e.has_separator = true;
      ++i;
      break;
    }
    if ((l[0] == ' ' || l[0] == '\t') && !e.fields.empty()) {
      e.fields.back().text.push_back(l);
    } else if (l.find(':') != std::string::npos) {
      e.fields.push_back({{l}});
    } else {
      break;  // not a header line: the body starts here
    }
  }
  e.body.assign(ls.begin() + static_cast<std::ptrdiff_t>(i), ls.begin() + static_cast<std::ptrdiff_t>(to));
  return e;
}

const field* find_field(const entity& e, std::string_view name) {
  for (const auto& f : e.fields) {
    if (f.name_lower() == name) return &f;
  }
  return nullptr;
}

// Content-Type parameter (case-insensitive name), quoted or token value.
std::string param(const std::string& value, std::string_view name) {
  const std::string v = lower(value);
  std::size_t pos = 0;
  while ((pos = v.find(name, pos)) != std::string::npos) {
    const bool starts = pos == 0 || v[pos - 1] == ';' || v[pos - 1] == ' ' || v[pos - 1] == '\t';
    std::size_t eq = pos + name.size();
    while (eq < v.size() && (v[eq] == ' ' || v[eq] == '\t')) ++eq;
    if (!starts || eq >= v.size() || v[eq] != '=') {
      pos += name.size();
      continue;
    }
    std::size_t s = eq + 1;
    while (s < v.size() && (v[s] == ' ' || v[s] == '\t')) ++s;
    if (s < value.size() && value[s] == '"') {
      const auto end = value.find('"', s + 1);
      return value.substr(s + 1, end == std::string::npos ? std::string::npos : end - s - 1);
    }
    std::size_t end = s;
    while (end < value.size() && value[end] != ';' && value[end] != ' ' && value[end] != '\t') ++end;
    return value.substr(s, end - s);
  }
  return {};
}

bool any_long(const lines& ls) {
  for (const auto& l : ls) {
    if (l.size() > max_line) return true;
  }
  return false;
}

// Quoted-printable (RFC 2045 6.7) of lines separated by hard line breaks; soft breaks at 76.
lines qp_encode(const lines& in) {
  static constexpr char hex[] = "0123456789ABCDEF";
  lines out;
  for (const auto& l : in) {
    std::string cur;
    for (std::size_t i = 0; i < l.size(); ++i) {
      const auto u = static_cast<unsigned char>(l[i]);
      const bool last = i + 1 == l.size();
      std::string tok;
      if ((u >= 33 && u <= 126 && u != '=') || ((u == ' ' || u == '\t') && !last)) {
        tok.assign(1, static_cast<char>(u));
      } else {
        tok = {'=', hex[u >> 4], hex[u & 15]};
      }
      if (cur.size() + tok.size() > qp_line - 1) {
        out.push_back(cur + "=");
        cur.clear();
      }
      cur += tok;
    }
    out.push_back(std::move(cur));
  }
  return out;
}

// Long lines of a quoted-printable body get soft line breaks; "=XX" triplets stay whole.
lines qp_rewrap(const lines& in) {
  lines out;
  for (const auto& l : in) {
    if (l.size() <= max_line) {
      out.push_back(l);
      continue;
    }
    std::size_t i = 0;
    while (l.size() - i > qp_line) {
      std::size_t n = qp_line - 1;
      if (l[i + n - 1] == '=')
        n -= 1;
      else if (n >= 2 && l[i + n - 2] == '=')
        n -= 2;
      out.push_back(l.substr(i, n) + "=");
      i += n;
    }
    out.push_back(l.substr(i));
  }
  return out;
}

lines base64_rewrap(const lines& in) {
  std::string all;
  for (const auto& l : in) {
    for (const char c : l) {
      if (c != ' ' && c != '\t') all += c;
    }
  }
  lines out;
  for (std::size_t i = 0; i < all.size(); i += qp_line) out.push_back(all.substr(i, qp_line));
  return out;
}

lines hard_wrap(const lines& in) {
  lines out;
  for (const auto& l : in) {
    if (l.size() <= max_line) {
      out.push_back(l);
      continue;
    }
    for (std::size_t i = 0; i < l.size(); i += max_line) out.push_back(l.substr(i, max_line));
  }
  return out;
}

// Folds header lines longer than 998 octets at whitespace (or, lacking any, hard at 997 + SP).
void fold_field(field& f, state& st) {
  lines out;
  for (std::string l : f.text) {
    while (l.size() > max_line) {
      std::size_t cut = std::string::npos;
      for (std::size_t i = max_line - 1; i > 1; --i) {
        if (l[i] == ' ' || l[i] == '\t') {
          // Never leave a line of whitespace only in front of the fold.
          bool content = false;
          for (std::size_t j = 0; j < i && !content; ++j) content = l[j] != ' ' && l[j] != '\t';
          if (content) cut = i;
          break;
        }
      }
      if (cut == std::string::npos) {
        out.push_back(l.substr(0, max_line - 1));
        l = " " + l.substr(max_line - 1);
      } else {
        out.push_back(l.substr(0, cut));
        l = l.substr(cut);
      }
      st.folded = true;
    }
    out.push_back(std::move(l));
  }
  f.text = std::move(out);
}

void set_field(entity& e, std::string_view name_lower, const std::string& line) {
  for (auto& f : e.fields) {
    if (f.name_lower() == name_lower) {
      f.text = {line};
      return;
    }
  }
  e.fields.push_back({{line}});
}

void emit_entity(entity& e, state& st, std::string& out);

// Walks a multipart body by its boundary; parts are emitted recursively.
void emit_multipart(const lines& body, const std::string& boundary, state& st, std::string& out) {
  const std::string delim = "--" + boundary;
  auto is_delim = [&](const std::string& l, bool& close) {
    if (l.compare(0, delim.size(), delim) != 0) return false;
    std::string_view rest(l);
    rest.remove_prefix(delim.size());
    close = rest.substr(0, 2) == "--";
    if (close) rest.remove_prefix(2);
    for (const char c : rest) {
      if (c != ' ' && c != '\t') return false;
    }
    return true;
  };
  std::size_t i = 0;
  bool in_part = false, closed = false;
  std::size_t part_start = 0;
  auto flush_part = [&](std::size_t end) {
    entity p = parse_entity(body, part_start, end);
    emit_entity(p, st, out);
  };
  lines outside;  // preamble or epilogue lines collected before emitting
  auto flush_outside = [&]() {
    for (const auto& l : hard_wrap(outside)) out += l + "\r\n";
    outside.clear();
  };
  for (; i < body.size(); ++i) {
    bool close = false;
    if (!closed && is_delim(body[i], close)) {
      if (in_part)
        flush_part(i);
      else
        flush_outside();
      out += body[i] + "\r\n";
      in_part = !close;
      closed = close;
      part_start = i + 1;
    } else if (!in_part) {
      outside.push_back(body[i]);
    }
  }
  if (in_part) flush_part(body.size());
  flush_outside();
}

void emit_entity(entity& e, state& st, std::string& out) {
  const field* ct = find_field(e, "content-type");
  const std::string type = ct ? lower(trim(ct->value().substr(0, ct->value().find(';')))) : "text/plain";
  const std::string boundary = ct ? param(ct->value(), "boundary") : std::string();
  lines body = e.body;
  const bool multipart = type.rfind("multipart/", 0) == 0 && !boundary.empty();
  if (!multipart && type != "message/rfc822" && any_long(body)) {
    const field* cte = find_field(e, "content-transfer-encoding");
    const std::string enc = cte ? lower(trim(cte->value())) : std::string();
    if (enc == "base64") {
      body = base64_rewrap(body);
    } else if (enc == "quoted-printable") {
      body = qp_rewrap(body);
    } else {
      body = qp_encode(body);
      set_field(e, "content-transfer-encoding", "Content-Transfer-Encoding: quoted-printable");
    }
    st.reencoded = true;
  }
  for (auto& f : e.fields) {
    fold_field(f, st);
    for (const auto& l : f.text) out += l + "\r\n";
  }
  if (e.has_separator || !body.empty()) out += "\r\n";
  if (multipart) {
    emit_multipart(body, boundary, st, out);
  } else if (type == "message/rfc822") {
    entity inner = parse_entity(body, 0, body.size());
    emit_entity(inner, st, out);
  } else {
    for (const auto& l : body) out += l + "\r\n";
  }
}

// Keeps only octets that are safe inside a Received field's tokens.
std::string token(std::string_view s, std::string_view fallback) {
  std::string out;
  for (const char c : s) {
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
        c == '_') {
      out += c;
    }
  }
  return out.empty() ? std::string(fallback) : out;
}

std::string one_line(std::string_view s) {
  std::string out;
  for (const char c : s) {
    if (c != '\r' && c != '\n') out += c;
  }
  return trim(out);
}

}  // namespace

std::string rfc5322_date(std::int64_t unix_seconds) {
  const std::time_t t = static_cast<std::time_t>(unix_seconds);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  const std::size_t n = std::strftime(buf, sizeof buf, "%a, %d %b %Y %H:%M:%S +0000", &tm);
  return std::string(buf, n);
}

outbound_message prepare_outbound(std::string_view raw, const outbound_options& opts) {
  const lines ls = split_lines(raw);
  entity top = parse_entity(ls, 0, ls.size());

  std::vector<field> kept;
  for (auto& f : top.fields) {
    const std::string n = f.name_lower();
    if (n == "bcc" || n == "resent-bcc" || n == "return-path") continue;
    kept.push_back(std::move(f));
  }
  top.fields = std::move(kept);
  if (const std::string from = one_line(opts.override_from); !from.empty()) {
    set_field(top, "from", "From: " + from);
  }
  if (const std::string id = one_line(opts.new_message_id); !id.empty()) {
    set_field(top, "message-id", "Message-ID: <" + id + ">");
  }
  top.fields.insert(top.fields.begin(),
                    field{{"Received: from mailjar by " + token(opts.received_by, "localhost") + " id " +
                               token(opts.uid, "unknown") + ";",
                           "\t" + rfc5322_date(opts.date_unix)}});
  top.has_separator = true;

  outbound_message out;
  state st;
  emit_entity(top, st, out.bytes);
  out.reencoded = st.reencoded;
  out.folded = st.folded;
  for (const char c : out.bytes) {
    if (static_cast<unsigned char>(c) >= 0x80) {
      out.eight_bit = true;
      break;
    }
  }
  return out;
}

}  // namespace mailjar::relay
