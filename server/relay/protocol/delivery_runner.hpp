// The host-trying loop of one delivery run (pure: sessions go through the smtp_client port).
// deliver_domain(): for one recipient domain's mx_result, tries each target's addresses in
// order on `port`; deliver_via(): the same over a fixed list of smart-host endpoints.
// A recipient is final once it is delivered or permanently refused (5xx at RCPT/MAIL/DATA);
// recipients still temporary (connect failure, timeout, 4xx/5xx greeting, 4xx reply, lost
// connection, STARTTLS required but missing) are carried to the next host. An opportunistic
// STARTTLS handshake that fails is retried once on the same host without TLS. A DNS failure yields
// a report without attempts: nxdomain/null_mx -> permanent, temporary -> temporary.
// Thread-safe as far as the smtp_client is.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "relay/relay_types.hpp"

namespace mailjar::relay {

struct run_options {
  std::uint16_t port = 25;        // MX mode: --mx-port
  std::size_t max_attempts = 10;  // sessions per run (addresses tried), after which the rest stays temporary
};

delivery_report deliver_domain(smtp_client& client, const mx_result& mx, const run_options& run,
                               const client_options& opts, const std::string& mail_from,
                               const std::vector<std::string>& rcpts, std::string_view message);

delivery_report deliver_via(smtp_client& client, const std::vector<endpoint>& hosts, const run_options& run,
                            const client_options& opts, const std::string& mail_from,
                            const std::vector<std::string>& rcpts, std::string_view message);

// "host:port", "[v6]:port", "host" (port `default_port`) -> endpoint whose address is left empty
// when host is a name (the client resolves it) or set when it is an IP literal. nullopt on error.
std::optional<endpoint> parse_smart_host(std::string_view host_port, std::uint16_t default_port);

}  // namespace mailjar::relay
