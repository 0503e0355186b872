// MX resolver over c-ares (RFC 5321 section 5.1, RFC 7505): MX query for a recipient domain,
// records ordered by preference with equal preferences shuffled, each exchange's A/AAAA
// addresses resolved (IPv4 first, then IPv6); no MX records -> the domain's own A/AAAA
// (implicit MX); "MX 0 ." -> null_mx; NXDOMAIN -> nxdomain; SERVFAIL, timeout, refused or an
// unreachable resolver -> temporary. Blocking: each resolve() creates its own c-ares channel and
// drives it with poll() on the calling thread, so concurrent calls from several threads are safe.
#pragma once

#include <chrono>
#include <string>

#include "relay/relay_types.hpp"

namespace mailjar::relay {

struct dns_options {
  std::string server;                        // "" = system resolver (/etc/resolv.conf); else "ip:port"
  std::chrono::milliseconds timeout{5'000};  // per try (c-ares backs off between rounds)
  int tries = 2;
};

class dns_resolver : public mx_resolver {
 public:
  // Throws std::runtime_error if c-ares cannot be initialised or `server` is not "ip:port".
  explicit dns_resolver(dns_options opts);
  mx_result resolve(const std::string& domain) override;

 private:
  dns_options opts_;
};

}  // namespace mailjar::relay
