#include "api/request_target.hpp"

#include <vector>

#include "api/percent_decode.hpp"
#include "mime/charset.hpp"

namespace mailjar::api {

namespace {

bool is_control(unsigned char c) { return c < 0x20 || c == 0x7f; }

parsed_target refuse(int status, std::string reason) {
  parsed_target t;
  t.status = status;
  t.reason = std::move(reason);
  return t;
}

bool is_separator_escape(std::string_view raw, std::size_t i) {
  // raw[i] == '%': is it %2F / %5C (either case)?
  if (i + 2 >= raw.size()) return false;
  char a = raw[i + 1], b = static_cast<char>(raw[i + 2] | 0x20);
  return (a == '2' && b == 'f') || (a == '5' && b == 'c');
}

}  // namespace

std::optional<std::string> decode_query_component(std::string_view in) {
  std::optional<std::string> out = percent_decode(in, {.strict = true, .plus_is_space = true});
  if (!out) return std::nullopt;
  for (unsigned char c : *out) {
    if (is_control(c) && c != '\t') return std::nullopt;
  }
  if (!mime::is_valid_utf8(*out)) return std::nullopt;
  return out;
}

std::string normalise_webroot(std::string_view webroot) {
  std::string out = "/";
  std::size_t i = 0;
  while (i < webroot.size()) {
    while (i < webroot.size() && webroot[i] == '/') ++i;
    std::size_t end = webroot.find('/', i);
    if (end == std::string_view::npos) end = webroot.size();
    std::string_view seg = webroot.substr(i, end - i);
    i = end;
    if (seg.empty()) continue;
    if (seg == "." || seg == "..") return {};
    for (unsigned char c : seg) {
      bool fine = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  std::string_view("-._~!$&'()*+,;=:@").find(static_cast<char>(c)) != std::string_view::npos;
      if (!fine) return {};
    }
    out.append(seg);
    out.push_back('/');
  }
  return out;
}

parsed_target parse_target(std::string_view target, std::string_view webroot) {
  if (target.empty() || target.front() != '/') {
    // Absolute-form ("http://host/x") and asterisk-form are for proxies; an origin server for
    // loopback developers does not need them, and accepting them would let the target's
    // authority disagree with the Host header that the security checks read.
    return refuse(400, "request target must be a path starting with /");
  }
  auto hash = target.find('#');
  if (hash != std::string_view::npos) target = target.substr(0, hash);
  std::string_view raw_path = target;
  std::string_view raw_query;
  if (auto q = target.find('?'); q != std::string_view::npos) {
    raw_path = target.substr(0, q);
    raw_query = target.substr(q + 1);
  }

  // Checks on the raw path: separators hidden in escapes and backslashes never reach routing.
  for (std::size_t i = 0; i < raw_path.size(); ++i) {
    char c = raw_path[i];
    if (c == '\\') return refuse(400, "backslash in path");
    if (c == '%' && is_separator_escape(raw_path, i)) return refuse(400, "encoded path separator in path");
  }
  std::optional<std::string> decoded_or = percent_decode(raw_path);
  if (!decoded_or) return refuse(400, "malformed percent-escape in path");
  const std::string decoded = std::move(*decoded_or);
  for (unsigned char c : decoded) {
    if (is_control(c)) return refuse(400, "control character in path");
  }
  if (decoded.find('\\') != std::string::npos) return refuse(400, "backslash in path");
  if (!mime::is_valid_utf8(decoded)) return refuse(400, "path is not valid UTF-8");

  // Segments: `//` collapses, `.` goes, `..` is refused (never resolved: nothing here is a file).
  std::vector<std::string_view> segs;
  std::string_view d = decoded;
  bool trailing_slash = d.size() > 1 && d.back() == '/';
  std::size_t i = 0;
  while (i < d.size()) {
    std::size_t end = d.find('/', i);
    if (end == std::string_view::npos) end = d.size();
    std::string_view seg = d.substr(i, end - i);
    i = end + 1;
    if (seg.empty() || seg == ".") continue;
    if (seg == "..") return refuse(400, "'..' in path");
    segs.push_back(seg);
  }
  std::string path = "/";
  for (std::size_t k = 0; k < segs.size(); ++k) {
    if (k) path.push_back('/');
    path.append(segs[k]);
  }
  if (trailing_slash && !segs.empty()) path.push_back('/');

  parsed_target out;
  if (webroot.size() > 1) {
    std::string_view prefix = webroot;  // "/mail/"
    if (path == "/" || path + "/" == prefix) {
      out.status = 308;
      out.location = std::string(webroot);
      return out;
    }
    if (path.compare(0, prefix.size(), prefix) != 0) return refuse(404, "not found");
    path.erase(0, prefix.size() - 1);  // keep the leading "/"
  }
  out.path = std::move(path);

  std::size_t p = 0;
  while (p <= raw_query.size() && !raw_query.empty()) {
    std::size_t amp = raw_query.find('&', p);
    if (amp == std::string_view::npos) amp = raw_query.size();
    std::string_view pair = raw_query.substr(p, amp - p);
    p = amp + 1;
    if (!pair.empty()) {
      auto eq = pair.find('=');
      auto key = decode_query_component(pair.substr(0, eq));
      auto value =
          decode_query_component(eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1));
      if (!key || !value) return refuse(400, "malformed query string");
      out.query.emplace(std::move(*key), std::move(*value));
    }
    if (amp == raw_query.size()) break;
  }
  return out;
}

}  // namespace mailjar::api
