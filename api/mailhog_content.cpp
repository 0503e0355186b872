#include "api/mailhog_content.hpp"

#include <cctype>

#include "api/mail_headers.hpp"
#include "api/time_format.hpp"

namespace mailjar::api {

namespace {

struct budget {
  std::size_t parts_left;
};

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The boundary parameter of a Content-Type value ("" when none).
std::string boundary_of(std::string_view ct) {
  std::string l = lower(ct);
  std::size_t pos = 0;
  while ((pos = l.find("boundary", pos)) != std::string::npos) {
    std::size_t i = pos + 8;
    bool starts_param = pos == 0 || l[pos - 1] == ';' || std::isspace(static_cast<unsigned char>(l[pos - 1]));
    while (i < l.size() && std::isspace(static_cast<unsigned char>(l[i]))) ++i;
    if (!starts_param || i >= l.size() || l[i] != '=') {
      pos = i;
      continue;
    }
    ++i;
    while (i < l.size() && std::isspace(static_cast<unsigned char>(l[i]))) ++i;
    if (i < ct.size() && ct[i] == '"') {
      auto close = ct.find('"', i + 1);
      return std::string(
          ct.substr(i + 1, close == std::string_view::npos ? std::string_view::npos : close - i - 1));
    }
    std::size_t e = i;
    while (e < ct.size() && ct[e] != ';' && !std::isspace(static_cast<unsigned char>(ct[e]))) ++e;
    return std::string(ct.substr(i, e - i));
  }
  return {};
}

const std::vector<std::string>* header_values(const mailhog_content_dto& c, std::string_view name) {
  for (const auto& [k, v] : c.headers)
    if (iequals(k, name)) return &v;
  return nullptr;
}

mailhog_content_dto parse(std::string_view data, int depth, const mailhog_limits& limits, budget& b);

std::optional<mailhog_mime_dto> parse_mime(const mailhog_content_dto& c, int depth,
                                           const mailhog_limits& limits, budget& b) {
  const auto* ct = header_values(c, "Content-Type");
  if (ct == nullptr || ct->empty() || lower((*ct)[0]).rfind("multipart/", 0) != 0) return std::nullopt;
  mailhog_mime_dto mime;
  std::string boundary = boundary_of((*ct)[0]);
  if (boundary.empty() || depth >= limits.max_depth) return mime;
  std::string delim = "--" + boundary;
  std::string_view body = c.body;
  std::vector<std::string_view> pieces;
  std::size_t pos = 0;
  while (true) {
    std::size_t hit = body.find(delim, pos);
    if (hit == std::string_view::npos) {
      pieces.push_back(body.substr(pos));
      break;
    }
    pieces.push_back(body.substr(pos, hit - pos));
    pos = hit + delim.size();
  }
  // As MailHog: drop the preamble and whatever follows the last delimiter.
  if (pieces.size() < 3) return mime;
  for (std::size_t i = 1; i + 1 < pieces.size(); ++i) {
    std::string_view s = pieces[i];
    if (s.empty()) continue;
    if (b.parts_left == 0) break;
    --b.parts_left;
    std::size_t f = s.find_first_not_of("\r\n");
    std::size_t l = s.find_last_not_of("\r\n");
    s = f == std::string_view::npos ? std::string_view() : s.substr(f, l - f + 1);
    mime.parts.push_back(parse(s, depth + 1, limits, b));
  }
  return mime;
}

mailhog_content_dto parse(std::string_view data, int depth, const mailhog_limits& limits, budget& b) {
  mailhog_content_dto c;
  c.size = data.size();
  std::size_t split = data.find("\r\n\r\n");
  std::size_t sep = 4;
  if (split == std::string_view::npos) {
    split = data.find("\n\n");
    sep = 2;
  }
  if (split == std::string_view::npos) {
    c.body = std::string(data);
    return c;
  }
  std::string_view head = data.substr(0, split);
  c.body = std::string(data.substr(split + sep));
  std::map<std::string, std::vector<std::string>*> by_lower;  // case-insensitive name -> values
  std::string* last = nullptr;                                // value a continuation line extends
  std::size_t pos = 0;
  while (pos <= head.size()) {
    std::size_t nl = head.find('\n', pos);
    std::string_view line =
        head.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      if (last != nullptr) *last += line;
    } else if (auto colon = line.find(':'); colon != std::string_view::npos && colon > 0) {
      std::string name(line.substr(0, colon));
      std::string_view value = line.substr(colon + 1);
      while (!value.empty() && (value[0] == ' ' || value[0] == '\t')) value.remove_prefix(1);
      std::vector<std::string>*& slot = by_lower[lower(name)];
      if (slot == nullptr) slot = &c.headers[name];
      slot->emplace_back(value);
      last = &slot->back();
    } else {
      last = nullptr;
    }
    if (nl == std::string_view::npos) break;
    pos = nl + 1;
  }
  c.mime = parse_mime(c, depth, limits, b);
  return c;
}

}  // namespace

mailhog_content_dto mailhog_content(std::string_view data, const mailhog_limits& limits) {
  budget b{limits.max_parts};
  return parse(data, 0, limits, b);
}

mailhog_path_dto mailhog_path(std::string_view path) {
  mailhog_path_dto p;
  if (auto colon = path.find(':'); colon != std::string_view::npos) path = path.substr(colon + 1);
  if (auto at = path.find('@'); at != std::string_view::npos) {
    p.mailbox = std::string(path.substr(0, at));
    p.domain = std::string(path.substr(at + 1));
  } else {
    p.mailbox = std::string(path);
  }
  return p;
}

mailhog_message_dto make_mailhog_message(const stored_message& m, std::string_view raw) {
  mailhog_message_dto d;
  d.id = m.uid;
  d.from = mailhog_path(m.env.mail_from);
  for (const auto& r : m.env.rcpt_to) d.to.push_back(mailhog_path(r));
  d.content = mailhog_content(raw);
  // MailHog keeps the top-level parts on the message, not on its Content.
  d.mime = std::move(d.content.mime);
  d.content.mime.reset();
  d.created = rfc3339_local(m.env.received_ms);
  d.raw.from = m.env.mail_from;
  d.raw.to = m.env.rcpt_to;
  d.raw.data = std::string(raw);
  d.raw.helo = m.env.helo;
  return d;
}

}  // namespace mailjar::api
