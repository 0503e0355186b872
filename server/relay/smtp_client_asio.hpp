// smtp_client over Boost.Asio and OpenSSL: one blocking SMTP session per deliver() call, on a
// private io_context, driving the pure client_machine (relay/protocol/client_machine.hpp).
// Connect with connect_timeout, every reply with command_timeout (data_timeout for the reply to
// the final dot), STARTTLS or implicit TLS with SNI and certificate checks per client_options
// (opportunistic mode records certificate problems in attempt.tls_problem and goes on), and
// the transcript stamped with Unix milliseconds. An endpoint without `address` is resolved with
// the system resolver (smart-host names) and its addresses are tried in order.
// Stateless between calls: one instance may be used from many threads at once.
#pragma once

#include "relay/relay_types.hpp"

namespace mailjar::relay {

class asio_smtp_client : public smtp_client {
 public:
  attempt deliver(const endpoint& to, const client_options& opts, const std::string& mail_from,
                  const std::vector<std::string>& rcpts, std::string_view message) override;
};

}  // namespace mailjar::relay
