// Release/delivery contracts shared by the relay transport (DNS, SMTP client, outbound message)
// and the delivery engine (queue, retries, API). Plain data plus three small interfaces; every
// call is blocking and runs on the engine's own worker threads, never on a network or HTTP
// thread. Implementations are thread-safe (one call per thread at a time is enough).
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace mailjar::relay {

// ---- DNS (MX mode) -------------------------------------------------------------------------
enum class dns_outcome {
  ok,         // targets holds hosts to try, in order
  nxdomain,   // the domain does not exist: permanent failure
  null_mx,    // RFC 7505 "MX 0 .": the domain accepts no mail, permanent failure
  temporary,  // SERVFAIL, timeout, resolver unreachable: retry later
};

struct mx_target {
  std::string host;  // MX exchange name (or the domain itself for implicit MX)
  std::uint16_t preference = 0;
  std::vector<std::string> addresses;  // IPv4/IPv6 literals from A/AAAA, in the order to try
  bool implicit = false;               // no MX records: the domain's own A/AAAA (RFC 5321 5.1)
};

struct mx_result {
  dns_outcome outcome = dns_outcome::temporary;
  std::vector<mx_target> targets;  // by preference; equal preferences shuffled
  std::string detail;              // human-readable: "NXDOMAIN for x.test", "timeout", ...
};

class mx_resolver {
 public:
  virtual ~mx_resolver() = default;
  virtual mx_result resolve(const std::string& domain) = 0;
};

// ---- SMTP client -------------------------------------------------------------------------
enum class tls_mode {
  none,                    // never STARTTLS
  starttls_opportunistic,  // STARTTLS when offered; certificate problems logged, not fatal
  starttls_required,       // no STARTTLS offered or handshake fails: temporary failure, next host
  implicit,                // TLS from the first byte (smtps)
};
enum class auth_mech { none, plain, login, cram_md5 };

struct client_options {
  std::string helo_name = "localhost";  // --hostname
  tls_mode tls = tls_mode::starttls_opportunistic;
  bool verify_certificates = true;  // false: --relay-insecure
  auth_mech auth = auth_mech::none;
  std::string user;
  std::string password;
  std::chrono::milliseconds connect_timeout{30'000};
  std::chrono::milliseconds command_timeout{60'000};  // per reply
  std::chrono::milliseconds data_timeout{300'000};    // for the final reply after DATA
};

struct transcript_line {
  char dir = 'I';    // 'C' client sent, 'S' server replied, 'I' info (connecting, TLS established, errors)
  std::string text;  // one line, no CRLF; AUTH secrets replaced by "***"
  std::int64_t at_ms = 0;  // Unix ms
};

enum class rcpt_status { delivered, permanent, temporary };

struct rcpt_outcome {
  std::string address;
  rcpt_status status = rcpt_status::temporary;
  int code = 0;       // SMTP reply code that decided it (0: no reply, e.g. connection lost)
  std::string reply;  // that reply's text, lines joined with "\n"
};

// One SMTP session with one host address.
struct attempt {
  std::string host;         // MX / relay host name
  std::string address;      // "ip:port" actually tried
  std::string tls;          // "" plaintext, else "TLSv1.3 TLS_AES_256_GCM_SHA384"
  std::string tls_problem;  // certificate problem seen (opportunistic mode goes on)
  bool connected = false;
  std::vector<transcript_line> transcript;
  std::vector<rcpt_outcome> recipients;  // every recipient of the attempt, in order
  std::string error;  // session-level failure ("connection refused", "timeout after RCPT", ...)
};

// One recipient domain (MX mode) or one smart-host run: every attempt made and the outcome per
// recipient after trying hosts in order (next host on connect failure, timeout, 4xx/5xx
// greeting or a temporary session failure; a 5xx for a recipient is final).
struct delivery_report {
  std::vector<attempt> attempts;
  std::vector<rcpt_outcome> recipients;  // final outcome of this run, one per recipient
};

struct endpoint {
  std::string host;     // name for SNI/certificate checks and the log
  std::string address;  // IP literal to connect to
  std::uint16_t port = 25;
};

class smtp_client {
 public:
  virtual ~smtp_client() = default;
  // One session: connect, EHLO (HELO fallback), STARTTLS/AUTH per options, MAIL FROM, RCPT for
  // each recipient, DATA with `message` (already CRLF-canonical; the client dot-stuffs), QUIT.
  virtual attempt deliver(const endpoint& to, const client_options& opts, const std::string& mail_from,
                          const std::vector<std::string>& rcpts, std::string_view message) = 0;
};

}  // namespace mailjar::relay
