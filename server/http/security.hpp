// Browser-facing security rules of the HTTP listener, as pure functions over header values:
// - Host (DNS rebinding): the Host header must name a loopback name, the listener's own address,
//   or a name from --http-allow-host. A rebinding attack needs an attacker-controlled DNS name,
//   so IP literals of the listener (any, when it is bound to a wildcard address) are fine.
// - Origin (CSRF / cross-site WebSocket hijacking): when present on a state-changing request or
//   a WebSocket upgrade it must be the same origin as Host, or listed in --cors-origin.
// - Accept-Encoding negotiation for gzip.
// No I/O, no state beyond the immutable policy; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mailjar::http {

struct host_port {
  std::string host;  // lower-case; IPv6 without brackets
  std::uint16_t port = 0;
  bool has_port = false;
};

// "name", "name:port", "1.2.3.4:80", "[::1]:8025". nullopt when malformed (empty, bad port,
// characters outside a host name, unbalanced brackets).
std::optional<host_port> parse_host_header(std::string_view value);

struct origin_value {
  std::string scheme;      // "http" / "https"
  std::string host;        // lower-case; IPv6 without brackets
  std::uint16_t port = 0;  // explicit or the scheme's default
};

// "http://localhost:8025" (no path). nullopt for "null", other schemes, or anything malformed.
std::optional<origin_value> parse_origin(std::string_view value);

class host_policy {
 public:
  // `listener_host` is the bound address ("127.0.0.1", "::", "0.0.0.0", "192.168.1.5").
  // `allow` entries: exact host names, "*.example.com" / ".example.com" for a domain and its
  // subdomains, "*" for any host.
  host_policy(std::string listener_host, std::vector<std::string> allow);

  bool allows(std::string_view host_header) const;

 private:
  std::string listener_host_;
  bool listener_wildcard_ = false;
  bool listener_loopback_ = true;
  std::vector<std::string> allow_;
};

// Same origin: same host name, and the same port (a Host without a port means the default port
// of the Origin's scheme, so TLS-terminating proxies work).
bool same_origin(const origin_value& origin, const host_port& host);

// `origin` (raw header) is in the --cors-origin list (exact, case-insensitive, no trailing slash)
// or the list holds "*".
bool origin_listed(std::string_view origin, const std::vector<std::string>& cors_origins);

// Methods that change state and therefore need an acceptable Origin.
bool is_state_changing(std::string_view method);

// Accept-Encoding allows gzip (q > 0 for "gzip" or, absent that, for "*").
bool accepts_gzip(std::string_view accept_encoding);

}  // namespace mailjar::http
