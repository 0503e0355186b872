#include "http/security.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>

#include "core/cidr.hpp"

namespace mailjar::http {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(), [](unsigned char c) { return std::tolower(c); });
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool parse_port(std::string_view s, std::uint16_t& out) {
  if (s.empty() || s.size() > 5) return false;
  unsigned v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || v > 65535) return false;
  out = static_cast<std::uint16_t>(v);
  return true;
}

bool is_reg_name(std::string_view s) {
  if (s.empty() || s.size() > 253) return false;
  return std::all_of(s.begin(), s.end(),
                     [](unsigned char c) { return std::isalnum(c) || c == '-' || c == '.' || c == '_'; });
}

// host[:port] or [v6][:port]; the host part is validated as an IP literal or a reg-name.
std::optional<host_port> split_authority(std::string_view v) {
  host_port out;
  if (v.empty()) return std::nullopt;
  if (v.front() == '[') {
    auto close = v.find(']');
    if (close == std::string_view::npos) return std::nullopt;
    std::string_view ip = v.substr(1, close - 1);
    if (ip.find(':') == std::string_view::npos || !parse_ip(ip)) return std::nullopt;
    out.host = lower(ip);
    std::string_view rest = v.substr(close + 1);
    if (!rest.empty()) {
      if (rest.front() != ':' || !parse_port(rest.substr(1), out.port)) return std::nullopt;
      out.has_port = true;
    }
    return out;
  }
  std::string_view host = v;
  if (auto colon = v.find(':'); colon != std::string_view::npos) {
    host = v.substr(0, colon);
    if (!parse_port(v.substr(colon + 1), out.port)) return std::nullopt;
    out.has_port = true;
  }
  if (!is_reg_name(host)) return std::nullopt;
  out.host = lower(host);
  return out;
}

bool is_loopback_name(std::string_view host) {
  if (host == "localhost") return true;
  constexpr std::string_view suffix = ".localhost";  // RFC 6761: always loopback
  if (host.size() > suffix.size() && host.substr(host.size() - suffix.size()) == suffix) return true;
  auto ip = parse_ip(host);
  if (!ip) return false;
  static const cidr v4 = *parse_cidr("127.0.0.0/8");
  static const cidr v6 = *parse_cidr("::1/128");
  return v4.contains(*ip) || v6.contains(*ip);
}

bool domain_match(std::string_view host, std::string_view pattern) {
  // pattern ".example.com": example.com and its subdomains; "*.example.com": subdomains only.
  bool include_apex = pattern.front() == '.';
  std::string_view domain = include_apex ? pattern.substr(1) : pattern.substr(2);
  if (include_apex && host == domain) return true;
  return host.size() > domain.size() + 1 && host.substr(host.size() - domain.size()) == domain &&
         host[host.size() - domain.size() - 1] == '.';
}

}  // namespace

std::optional<host_port> parse_host_header(std::string_view value) { return split_authority(trim(value)); }

std::optional<origin_value> parse_origin(std::string_view value) {
  value = trim(value);
  origin_value out;
  std::string v = lower(value);
  std::string_view rest;
  if (v.rfind("http://", 0) == 0) {
    out.scheme = "http";
    rest = std::string_view(v).substr(7);
  } else if (v.rfind("https://", 0) == 0) {
    out.scheme = "https";
    rest = std::string_view(v).substr(8);
  } else {
    return std::nullopt;  // "null", file:, chrome-extension:, ...
  }
  if (!rest.empty() && rest.back() == '/') rest.remove_suffix(1);
  if (rest.find('/') != std::string_view::npos || rest.find('@') != std::string_view::npos)
    return std::nullopt;
  auto hp = split_authority(rest);
  if (!hp) return std::nullopt;
  out.host = hp->host;
  out.port = hp->has_port ? hp->port : (out.scheme == "https" ? 443 : 80);
  return out;
}

host_policy::host_policy(std::string listener_host, std::vector<std::string> allow)
    : listener_host_(lower(listener_host)) {
  if (listener_host_.size() > 2 && listener_host_.front() == '[' && listener_host_.back() == ']')
    listener_host_ = listener_host_.substr(1, listener_host_.size() - 2);
  listener_wildcard_ = listener_host_ == "0.0.0.0" || listener_host_ == "::" || listener_host_.empty();
  listener_loopback_ = is_loopback_name(listener_host_);
  for (auto& a : allow) {
    std::string l = lower(trim(a));
    if (!l.empty()) allow_.push_back(std::move(l));
  }
}

bool host_policy::allows(std::string_view host_header) const {
  auto hp = parse_host_header(host_header);
  if (!hp) return false;
  const std::string& h = hp->host;
  if (is_loopback_name(h)) return true;
  if (auto ip = parse_ip(h)) {
    if (listener_wildcard_) return true;
    auto mine = parse_ip(listener_host_);
    if (mine && *mine == *ip) return true;
  } else if (!listener_loopback_ && h.find('.') == std::string::npos) {
    // The listener was exposed on purpose (not loopback): single-label names such as a
    // docker-compose service name ("mailjar") come from local resolution an attacker's DNS
    // cannot answer, so they are not a rebinding vector.
    return true;
  }
  for (const auto& a : allow_) {
    if (a == "*" || a == h) return true;
    if ((a.front() == '.' || a.rfind("*.", 0) == 0) && a.size() > 2 && domain_match(h, a)) return true;
  }
  return false;
}

bool same_origin(const origin_value& origin, const host_port& host) {
  if (origin.host != host.host) return false;
  std::uint16_t host_port_or_default = host.has_port ? host.port : (origin.scheme == "https" ? 443 : 80);
  return origin.port == host_port_or_default;
}

bool origin_listed(std::string_view origin, const std::vector<std::string>& cors_origins) {
  std::string o = lower(trim(origin));
  while (!o.empty() && o.back() == '/') o.pop_back();
  if (o.empty()) return false;
  for (const auto& c : cors_origins) {
    if (c == "*") return true;
    std::string l = lower(trim(c));
    while (!l.empty() && l.back() == '/') l.pop_back();
    if (l == o) return true;
  }
  return false;
}

bool is_state_changing(std::string_view method) {
  return method != "GET" && method != "HEAD" && method != "OPTIONS";
}

bool accepts_gzip(std::string_view accept_encoding) {
  std::optional<bool> gzip, star;
  std::string v = lower(accept_encoding);
  std::string_view rest = v;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    std::string_view coding = item;
    bool allowed = true;
    if (auto semi = item.find(';'); semi != std::string_view::npos) {
      coding = trim(item.substr(0, semi));
      std::string_view params = item.substr(semi + 1);
      auto q = params.find("q=");
      if (q != std::string_view::npos) {
        std::string_view qv = trim(params.substr(q + 2));
        // q=0, q=0.0, q=0.000 refuse; anything else accepts.
        allowed =
            !(qv.size() >= 1 && qv[0] == '0' && qv.find_first_not_of("0.", 0) == std::string_view::npos);
      }
    }
    if (coding == "gzip" || coding == "x-gzip") gzip = allowed;
    if (coding == "*") star = allowed;
  }
  if (gzip) return *gzip;
  return star.value_or(false);
}

}  // namespace mailjar::http
