// Every flag, limit, timeout and default of the daemon in one struct, with its reason.
// parse_config reads argv first, then MAILJAR_* environment variables for flags not given.
// Pure: no I/O besides reading the auth files named by --smtp-auth-file and --http-auth-file.
// Not thread-safe to build; immutable once built.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "core/result.hpp"

namespace mailjar::app {

struct config {
  // Listeners. Loopback by default: a mail catcher is a developer tool, not an open service.
  std::string smtp_addr = "127.0.0.1:2525";
  std::string smtps_addr;            // implicit TLS listener; off unless given
  std::string hostname = "mailjar";  // greeting / EHLO name

  // Storage.
  std::string db_path = "mailjar.db";
  bool db_sync_full = false;       // WAL+NORMAL survives kill -9; FULL also power loss
  std::uint64_t max_messages = 0;  // prune oldest beyond this; 0 keeps all
  std::int64_t max_age_ms = 0;     // prune older than this; 0 keeps all

  // SMTP limits. Each bounded input answers with its RFC reply instead of growing memory.
  std::uint64_t smtp_max_message_size = 50ull << 20;  // advertised SIZE; 552 5.3.4 beyond
  std::uint64_t smtp_max_recipients = 100;            // RFC 5321 minimum; 452 4.5.3 beyond
  std::uint64_t smtp_max_connections = 500;           // 421 4.7.0 beyond; bounds memory
  std::uint64_t smtp_timeout_s = 300;                 // idle per read/write, and per command line
  std::uint64_t smtp_data_timeout_s = 600;            // one message's DATA (or one BDAT chunk) in full
  bool smtp_reject_bare_lf = false;                   // keep bare CR/LF in DATA, or 550 5.5.2

  // TLS: off by default because Rails and nodemailer upgrade to any offered STARTTLS and then
  // refuse a self-signed certificate; users who want TLS ask for it.
  std::string smtp_tls_cert;
  std::string smtp_tls_key;
  bool smtp_tls_self_signed = false;

  // AUTH: any credentials accepted (user recorded) unless users are given; then required.
  std::map<std::string, std::string> smtp_users;
  std::vector<std::string> smtp_allow;  // CIDRs; empty = everyone who reaches the listener
  bool hostname_set = false;            // --hostname given: also the release EHLO name

  // Release (issue 5): off unless relay_host or relay_mx is set, and then it also needs
  // relay_allowed or relay_allow_any, so a misconfiguration can never mail the world.
  std::string relay_host;            // smart host "host:port"
  std::string relay_tls = "starttls";  // starttls (required with AUTH, else opportunistic) | tls | none
  std::string relay_auth;            // "" | plain | login | cram-md5
  std::string relay_user;
  std::string relay_password;  // --relay-password-file or MAILJAR_RELAY_PASSWORD: never on argv
  bool relay_insecure = false;  // skip certificate checks of the smart host
  bool relay_mx = false;        // deliver to the recipients' MX hosts
  std::string dns_server;       // MX lookups: "" = /etc/resolv.conf, else "ip:port"
  std::uint64_t mx_port = 25;   // tests run MX hosts on loopback high ports
  bool relay_mx_tls_require = false;  // MX mode: STARTTLS required (default opportunistic)
  std::string relay_retry = "1m,5m,15m,1h,4h";  // back-off of deferred recipients; then failed
  std::string relay_allowed;  // regex recipients must match
  bool relay_allow_any = false;
  std::string relay_blocked;  // regex recipients must not match
  std::string relay_return_path;
  std::string relay_override_from;
  bool relay_new_message_id = false;
  std::string relay_auto;  // search: new matching mail is released to its envelope recipients
  bool release_enabled() const { return !relay_host.empty() || relay_mx; }

  // HTTP API and web UI. Loopback by default; the browser-facing rules (Host, Origin) apply
  // whatever the address (DESIGN.md "Web security").
  std::string http_addr = "127.0.0.1:8025";
  std::string webroot = "/";  // normalised: "/" or "/prefix/"
  std::string http_tls_cert;
  std::string http_tls_key;
  std::map<std::string, std::string> http_users;  // basic auth: user -> password or htpasswd hash
  std::vector<std::string> http_allow_hosts;      // extra Host names (DNS rebinding rule)
  std::vector<std::string> cors_origins;          // origins allowed cross-origin ("*": any)
  std::string label;                              // shown by the web UI (Mailpit --label)
  std::string webui_dir;                          // serve the UI from disk ("": the embedded files)
  std::uint64_t http_max_body = 5ull << 20;       // JSON bodies; /api/v1/send: smtp_max_message_size
  std::uint64_t http_max_connections = 1000;  // HTTP + WebSocket; beyond: 503 at accept (bounds fds/memory)
  std::uint64_t http_idle_timeout_s = 75;     // keep-alive wait + header read (slowloris); then closed
  std::uint64_t ws_queue_limit = 1024;        // frames queued per WebSocket client; beyond: dropped

  bool verbose = false;  // log every SMTP command/reply line
  bool show_help = false;
  bool show_version = false;

  bool tls_enabled() const { return smtp_tls_self_signed || !smtp_tls_cert.empty(); }
};

// Parse argv (argv[0] skipped) and, for flags not on the command line, `env` (name -> value).
result<config> parse_config(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env);
std::string help_text();

// "50M" / "512K" / "1G" / "1234" -> bytes; "90s" "30m" "12h" "7d" -> milliseconds.
result<std::uint64_t> parse_size(const std::string& s);
result<std::int64_t> parse_duration_ms(const std::string& s);

}  // namespace mailjar::app
