#include "app/config.hpp"

#include <algorithm>
#include <cctype>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include "api/request_target.hpp"
#include "core/duration.hpp"
#include "http/security.hpp"
#include "relay/release_policy.hpp"
#include "relay/retry_schedule.hpp"

namespace mailjar::app {

namespace {

using setter = std::function<status(config&, const std::string&)>;

struct option {
  const char* name;  // without leading dashes
  const char* arg;   // nullptr for switches
  const char* help;
  setter set;
};

std::string env_name(const char* flag) {
  std::string out = "MAILJAR_";
  for (const char* p = flag; *p; ++p) out.push_back(*p == '-' ? '_' : static_cast<char>(std::toupper(*p)));
  return out;
}

status parse_u64(const std::string& s, std::uint64_t& out) {
  if (s.empty() || !std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); }) ||
      s.size() > 19) {
    return error{"expected a whole number, got '" + s + "'"};
  }
  out = std::stoull(s);
  return ok_status();
}

status parse_bool(const std::string& s, bool& out) {
  if (s == "" || s == "1" || s == "true" || s == "yes" || s == "on") {
    out = true;
  } else if (s == "0" || s == "false" || s == "no" || s == "off") {
    out = false;
  } else {
    return error{"expected true or false, got '" + s + "'"};
  }
  return ok_status();
}

status check_host_port(const std::string& s) {
  auto colon = s.rfind(':');
  if (colon == std::string::npos || colon == 0) return error{"expected ADDR:PORT, got '" + s + "'"};
  std::uint64_t port = 0;
  if (!parse_u64(s.substr(colon + 1), port) || port > 65535) return error{"bad port in '" + s + "'"};
  return ok_status();
}

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) {
    item.erase(0, item.find_first_not_of(" \t"));
    item.erase(item.find_last_not_of(" \t") + 1);
    if (!item.empty()) out.push_back(item);
  }
  return out;
}

status add_user(config& c, const std::string& pair) {
  auto colon = pair.find(':');
  if (colon == std::string::npos || colon == 0) return error{"expected USER:PASS, got '" + pair + "'"};
  c.smtp_users[pair.substr(0, colon)] = pair.substr(colon + 1);
  return ok_status();
}

status add_http_user(config& c, const std::string& line) {
  auto colon = line.find(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == line.size()) {
    return error{"expected USER:PASS or USER:HASH, got '" + line + "'"};
  }
  c.http_users[line.substr(0, colon)] = line.substr(colon + 1);
  return ok_status();
}

bool printable(const std::string& s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char ch) { return ch >= 0x20 && ch != 0x7f; });
}

// Reads a credentials file: one USER:PASS (or htpasswd USER:HASH) per line, blank lines and
// # comments skipped, CRLF tolerated; `add` takes each line. Shared by --smtp-auth-file and
// --http-auth-file.
status read_credentials_file(const std::string& path, const std::function<status(const std::string&)>& add) {
  std::ifstream in(path);
  if (!in) return error{"cannot read '" + path + "'"};
  std::string line;
  bool any = false;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty() || line[0] == '#') continue;
    if (auto s = add(line); !s) return s;
    any = true;
  }
  if (!any) return error{"no USER:PASS lines in '" + path + "'"};
  return ok_status();
}

const std::vector<option>& options() {
  static const std::vector<option> opts = {
      {"smtp", "ADDR:PORT", "SMTP listener (default 127.0.0.1:2525; port 0 picks a free port)",
       [](config& c, const std::string& v) -> status {
         if (auto s = check_host_port(v); !s) return s;
         c.smtp_addr = v;
         return ok_status();
       }},
      {"smtps", "ADDR:PORT", "implicit-TLS SMTP listener (off by default; needs a certificate flag)",
       [](config& c, const std::string& v) -> status {
         if (auto s = check_host_port(v); !s) return s;
         c.smtps_addr = v;
         return ok_status();
       }},
      {"hostname", "NAME", "name in the SMTP greeting and EHLO reply (default mailjar)",
       [](config& c, const std::string& v) -> status {
         if (v.empty() || v.size() > 255 || !std::all_of(v.begin(), v.end(), [](unsigned char ch) {
               return std::isalnum(ch) || ch == '.' || ch == '-';
             })) {
           return error{"expected a host name, got '" + v + "'"};
         }
         c.hostname = v;
         c.hostname_set = true;
         return ok_status();
       }},
      {"db", "PATH", "SQLite database file (default ./mailjar.db)",
       [](config& c, const std::string& v) -> status {
         if (v.empty()) return error{"empty path"};
         c.db_path = v;
         return ok_status();
       }},
      {"db-sync", "normal|full",
       "normal (default) survives a killed process; full also survives power loss, at some speed",
       [](config& c, const std::string& v) -> status {
         if (v != "normal" && v != "full") return error{"expected normal or full, got '" + v + "'"};
         c.db_sync_full = v == "full";
         return ok_status();
       }},
      {"max-messages", "N", "keep at most N messages, pruning the oldest (default 0: keep all)",
       [](config& c, const std::string& v) { return parse_u64(v, c.max_messages); }},
      {"max-age", "DURATION", "prune messages older than this, e.g. 90m, 12h, 7d (default: keep all)",
       [](config& c, const std::string& v) -> status {
         auto d = parse_duration_ms(v);
         if (!d) return error{d.error_message()};
         c.max_age_ms = *d;
         return ok_status();
       }},
      {"smtp-max-message-size", "SIZE", "largest message accepted, e.g. 50M (default 50M); larger: 552",
       [](config& c, const std::string& v) -> status {
         auto n = parse_size(v);
         if (!n) return error{n.error_message()};
         if (*n == 0) return error{"must be more than 0"};
         c.smtp_max_message_size = *n;
         return ok_status();
       }},
      {"smtp-max-recipients", "N", "recipients per message (default 100); more: 452",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.smtp_max_recipients); !s) return s;
         if (c.smtp_max_recipients == 0) return error{"must be more than 0"};
         return ok_status();
       }},
      {"smtp-max-connections", "N", "concurrent SMTP connections (default 500); more: 421 at connect",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.smtp_max_connections); !s) return s;
         if (c.smtp_max_connections == 0) return error{"must be more than 0"};
         return ok_status();
       }},
      {"smtp-timeout", "SECONDS",
       "idle time allowed per SMTP read or write, and to send a whole command line (default 300); then 421",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.smtp_timeout_s); !s) return s;
         if (c.smtp_timeout_s == 0) return error{"must be more than 0"};
         return ok_status();
       }},
      {"smtp-data-timeout", "SECONDS",
       "time allowed to send one message's data, DATA to the final dot or one BDAT chunk (default 600); then "
       "421",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.smtp_data_timeout_s); !s) return s;
         if (c.smtp_data_timeout_s == 0) return error{"must be more than 0"};
         return ok_status();
       }},
      {"smtp-bare-lf", "keep|reject", "bare CR or LF inside DATA: keep as received (default) or 550",
       [](config& c, const std::string& v) -> status {
         if (v != "keep" && v != "reject") return error{"expected keep or reject, got '" + v + "'"};
         c.smtp_reject_bare_lf = v == "reject";
         return ok_status();
       }},
      {"smtp-tls-cert", "FILE", "PEM certificate (chain) for STARTTLS and --smtps",
       [](config& c, const std::string& v) {
         c.smtp_tls_cert = v;
         return ok_status();
       }},
      {"smtp-tls-key", "FILE", "PEM private key for --smtp-tls-cert",
       [](config& c, const std::string& v) {
         c.smtp_tls_key = v;
         return ok_status();
       }},
      {"smtp-tls-self-signed", nullptr, "offer STARTTLS with a certificate generated at start-up",
       [](config& c, const std::string& v) { return parse_bool(v, c.smtp_tls_self_signed); }},
      {"smtp-auth", "USER:PASS[,...]", "require SMTP AUTH with these credentials (default: accept any)",
       [](config& c, const std::string& v) -> status {
         for (const auto& pair : split_list(v)) {
           if (auto s = add_user(c, pair); !s) return s;
         }
         return ok_status();
       }},
      {"smtp-auth-file", "FILE", "like --smtp-auth, one USER:PASS per line (# comments)",
       [](config& c, const std::string& v) {
         return read_credentials_file(v, [&c](const std::string& line) { return add_user(c, line); });
       }},
      {"smtp-allow", "CIDR[,...]",
       "accept SMTP only from these networks, e.g. 127.0.0.1/32,10.0.0.0/8; "
       "others get 554 at connect (default: anyone who can connect)",
       [](config& c, const std::string& v) -> status {
         c.smtp_allow = split_list(v);
         if (c.smtp_allow.empty()) return error{"empty list"};
         return ok_status();
       }},
      // ---- release (issue 5) ----
      {"relay-host", "HOST:PORT",
       "release through this smart host (release is off unless this or --relay-mx is set)",
       [](config& c, const std::string& v) -> status {
         if (auto s = check_host_port(v); !s) return s;
         c.relay_host = v;
         return ok_status();
       }},
      {"relay-tls", "starttls|tls|none",
       "smart host TLS: starttls (default; required with --relay-auth, else used when offered), tls "
       "(implicit, e.g. port 465) or none",
       [](config& c, const std::string& v) -> status {
         if (v != "starttls" && v != "tls" && v != "none") return error{"expected starttls, tls or none"};
         c.relay_tls = v;
         return ok_status();
       }},
      {"relay-auth", "plain|login|cram-md5", "authenticate to the smart host (with --relay-user)",
       [](config& c, const std::string& v) -> status {
         if (v != "plain" && v != "login" && v != "cram-md5")
           return error{"expected plain, login or cram-md5"};
         c.relay_auth = v;
         return ok_status();
       }},
      {"relay-user", "USER", "user name for --relay-auth",
       [](config& c, const std::string& v) {
         c.relay_user = v;
         return ok_status();
       }},
      {"relay-password-file", "FILE",
       "file whose first line is the --relay-auth password (or set MAILJAR_RELAY_PASSWORD; never on the "
       "command line)",
       [](config& c, const std::string& v) -> status {
         std::ifstream in(v);
         if (!in) return error{"cannot read '" + v + "'"};
         std::string line;
         std::getline(in, line);
         if (!line.empty() && line.back() == '\r') line.pop_back();
         if (line.empty()) return error{"'" + v + "' holds no password"};
         c.relay_password = line;
         return ok_status();
       }},
      {"relay-insecure", nullptr, "do not check the smart host's TLS certificate",
       [](config& c, const std::string& v) { return parse_bool(v, c.relay_insecure); }},
      {"relay-mx", nullptr, "release by delivering to each recipient domain's MX hosts (DNS MX lookup)",
       [](config& c, const std::string& v) { return parse_bool(v, c.relay_mx); }},
      {"dns-server", "IP:PORT", "DNS server for MX lookups (default: the system resolver)",
       [](config& c, const std::string& v) -> status {
         if (auto s = check_host_port(v); !s) return s;
         c.dns_server = v;
         return ok_status();
       }},
      {"mx-port", "PORT", "SMTP port of MX hosts (default 25)",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.mx_port); !s) return s;
         if (c.mx_port == 0 || c.mx_port > 65535) return error{"expected 1 to 65535"};
         return ok_status();
       }},
      {"relay-mx-tls", "opportunistic|require",
       "MX mode STARTTLS: used when offered, certificate problems logged (default), or required",
       [](config& c, const std::string& v) -> status {
         if (v != "opportunistic" && v != "require") return error{"expected opportunistic or require"};
         c.relay_mx_tls_require = v == "require";
         return ok_status();
       }},
      {"relay-retry", "DELAYS",
       "back-off of deferred recipients, e.g. 1m,5m,30m,2h (default 1m,5m,15m,1h,4h); failed after the last",
       [](config& c, const std::string& v) -> status {
         if (auto s = relay::retry_schedule::parse(v); !s) return error{s.error_message()};
         c.relay_retry = v;
         return ok_status();
       }},
      {"relay-allowed-recipients", "REGEX",
       "release only to recipients matching this regex (case-insensitive); release needs this or "
       "--relay-allow-any",
       [](config& c, const std::string& v) -> status {
         if (v.empty()) return error{"empty regex"};
         c.relay_allowed = v;
         return ok_status();
       }},
      {"relay-allow-any", nullptr,
       "allow release to any recipient (still subject to --relay-blocked-recipients)",
       [](config& c, const std::string& v) { return parse_bool(v, c.relay_allow_any); }},
      {"relay-blocked-recipients", "REGEX",
       "never release to recipients matching this regex (case-insensitive)",
       [](config& c, const std::string& v) -> status {
         if (v.empty()) return error{"empty regex"};
         c.relay_blocked = v;
         return ok_status();
       }},
      {"relay-return-path", "ADDRESS",
       "envelope sender of released mail (default: the message's Return-Path, MAIL FROM or From)",
       [](config& c, const std::string& v) -> status {
         if (v.find('@') == std::string::npos || !printable(v) || v.find(' ') != std::string::npos)
           return error{"expected an email address"};
         c.relay_return_path = v;
         return ok_status();
       }},
      {"relay-override-from", "ADDRESS", "replace the From header of released mail",
       [](config& c, const std::string& v) -> status {
         if (v.find('@') == std::string::npos || !printable(v)) return error{"expected an email address"};
         c.relay_override_from = v;
         return ok_status();
       }},
      {"relay-new-message-id", nullptr, "give released mail a new Message-ID (default: keep it)",
       [](config& c, const std::string& v) { return parse_bool(v, c.relay_new_message_id); }},
      {"relay-auto", "QUERY",
       "release new mail matching this search to its envelope recipients, in the background (the SMTP "
       "client's 250 is never delayed)",
       [](config& c, const std::string& v) -> status {
         if (v.empty()) return error{"empty search"};
         c.relay_auto = v;
         return ok_status();
       }},
      {"http", "ADDR:PORT", "HTTP API and web UI listener (default 127.0.0.1:8025; port 0 picks a free port)",
       [](config& c, const std::string& v) -> status {
         if (auto s = check_host_port(v); !s) return s;
         c.http_addr = v;
         return ok_status();
       }},
      {"webroot", "PATH", "serve the UI and API under this prefix, e.g. /mail/ (default /)",
       [](config& c, const std::string& v) -> status {
         std::string w = api::normalise_webroot(v);
         if (w.empty()) return error{"expected a path like /mail/, got '" + v + "'"};
         c.webroot = w;
         return ok_status();
       }},
      {"http-tls-cert", "FILE", "PEM certificate (chain): serve the UI and API over HTTPS",
       [](config& c, const std::string& v) {
         c.http_tls_cert = v;
         return ok_status();
       }},
      {"http-tls-key", "FILE", "PEM private key for --http-tls-cert",
       [](config& c, const std::string& v) {
         c.http_tls_key = v;
         return ok_status();
       }},
      {"http-auth", "USER:PASS[,...]", "require HTTP basic auth for the UI and API (default: none)",
       [](config& c, const std::string& v) -> status {
         for (const auto& pair : split_list(v)) {
           if (auto s = add_http_user(c, pair); !s) return s;
         }
         if (c.http_users.empty()) return error{"empty list"};
         return ok_status();
       }},
      {"http-auth-file", "FILE",
       "like --http-auth, one USER:PASS or htpasswd USER:HASH per line (bcrypt, SHA-512/256 crypt, {SHA})",
       [](config& c, const std::string& v) {
         return read_credentials_file(v, [&c](const std::string& line) { return add_http_user(c, line); });
       }},
      {"http-allow-host", "NAME[,...]",
       "also answer requests whose Host is one of these names (.example.com: a domain and its "
       "subdomains; *: any). Loopback names and the listener's address always work",
       [](config& c, const std::string& v) -> status {
         c.http_allow_hosts = split_list(v);
         if (c.http_allow_hosts.empty()) return error{"empty list"};
         for (const auto& h : c.http_allow_hosts) {
           std::string name = h.rfind("*.", 0) == 0 ? h.substr(2) : (h.front() == '.' ? h.substr(1) : h);
           if (h != "*" && !http::parse_host_header(name))
             return error{"expected a host name, got '" + h + "'"};
         }
         return ok_status();
       }},
      {"cors-origin", "ORIGIN[,...]",
       "let pages from these origins (e.g. http://localhost:3000; * for any) call the API: CORS "
       "headers, and their POST/PUT/DELETE and WebSocket connections are accepted",
       [](config& c, const std::string& v) -> status {
         c.cors_origins = split_list(v);
         if (c.cors_origins.empty()) return error{"empty list"};
         for (const auto& o : c.cors_origins) {
           if (o != "*" && !http::parse_origin(o))
             return error{"expected an origin like http://host:port, got '" + o + "'"};
         }
         return ok_status();
       }},
      {"label", "TEXT", "a label shown in the web UI, e.g. the project name",
       [](config& c, const std::string& v) -> status {
         if (v.size() > 200 || !printable(v)) return error{"expected up to 200 printable characters"};
         c.label = v;
         return ok_status();
       }},
      {"webui-dir", "DIR",
       "serve the web UI from this directory (e.g. ./webui, for UI development) instead of the files "
       "built into the binary",
       [](config& c, const std::string& v) -> status {
         std::string dir = v;
         while (dir.size() > 1 && dir.back() == '/') dir.pop_back();
         std::error_code ec;
         if (!std::filesystem::is_regular_file(std::filesystem::path(dir) / "index.html", ec))
           return error{"'" + v + "' has no index.html"};
         c.webui_dir = dir;
         return ok_status();
       }},
      {"http-max-body", "SIZE",
       "largest API request body, e.g. 5M (default 5M; /api/v1/send: --smtp-max-message-size)",
       [](config& c, const std::string& v) -> status {
         auto n = parse_size(v);
         if (!n) return error{n.error_message()};
         if (*n == 0) return error{"must be more than 0"};
         c.http_max_body = *n;
         return ok_status();
       }},
      {"http-max-connections", "N",
       "concurrent HTTP and WebSocket connections (default 1000); more: 503 and closed at accept",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.http_max_connections); !s) return s;
         if (c.http_max_connections == 0) return error{"must be more than 0"};
         return ok_status();
       }},
      {"http-idle-timeout", "SECONDS",
       "time an HTTP connection may wait for, and take to send, the next request's headers (default 75); "
       "then closed",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.http_idle_timeout_s); !s) return s;
         if (c.http_idle_timeout_s == 0 || c.http_idle_timeout_s > 86400) return error{"expected 1 to 86400"};
         return ok_status();
       }},
      {"ws-queue-limit", "N",
       "WebSocket frames queued for a client that does not read them (default 1024, at most 8 MB); more: "
       "the client is dropped",
       [](config& c, const std::string& v) -> status {
         if (auto s = parse_u64(v, c.ws_queue_limit); !s) return s;
         if (c.ws_queue_limit == 0 || c.ws_queue_limit > 1'000'000) return error{"expected 1 to 1000000"};
         return ok_status();
       }},
      {"verbose", nullptr, "log every SMTP command and reply, and every HTTP request",
       [](config& c, const std::string& v) { return parse_bool(v, c.verbose); }},
      {"help", nullptr, "show this help and exit",
       [](config& c, const std::string& v) { return parse_bool(v, c.show_help); }},
      {"version", nullptr, "print the version and exit",
       [](config& c, const std::string& v) { return parse_bool(v, c.show_version); }},
  };
  return opts;
}

// Release flags that only make sense together; the password may come from the environment.
status check_release(config& c, const std::map<std::string, std::string>& env) {
  if (c.relay_password.empty()) {
    if (auto it = env.find("MAILJAR_RELAY_PASSWORD"); it != env.end()) c.relay_password = it->second;
  }
  if (!c.relay_host.empty() && c.relay_mx) return error{"--relay-host and --relay-mx exclude each other"};
  if (!c.release_enabled()) {
    if (!c.relay_auto.empty()) return error{"--relay-auto needs --relay-host or --relay-mx"};
    return ok_status();
  }
  if (c.relay_allowed.empty() && !c.relay_allow_any) {
    return error{"release needs --relay-allowed-recipients REGEX or --relay-allow-any"};
  }
  if (auto p = relay::release_policy::create(c.relay_allowed, c.relay_allow_any, c.relay_blocked); !p)
    return error{p.error_message()};
  if (!c.relay_auth.empty() && c.relay_user.empty()) return error{"--relay-auth needs --relay-user"};
  if (!c.relay_auth.empty() && c.relay_password.empty())
    return error{"--relay-auth needs a password: --relay-password-file or MAILJAR_RELAY_PASSWORD"};
  return ok_status();
}

const option* find_option(const std::string& name) {
  for (const auto& o : options()) {
    if (name == o.name) return &o;
  }
  return nullptr;
}

}  // namespace

result<std::uint64_t> parse_size(const std::string& s) {
  std::string digits = s;
  std::uint64_t mult = 1;
  if (!digits.empty()) {
    std::string suffix;
    while (!digits.empty() && std::isalpha(static_cast<unsigned char>(digits.back()))) {
      suffix.insert(suffix.begin(),
                    static_cast<char>(std::toupper(static_cast<unsigned char>(digits.back()))));
      digits.pop_back();
    }
    if (suffix == "K" || suffix == "KB") {
      mult = 1ull << 10;
    } else if (suffix == "M" || suffix == "MB") {
      mult = 1ull << 20;
    } else if (suffix == "G" || suffix == "GB") {
      mult = 1ull << 30;
    } else if (!suffix.empty() && suffix != "B") {
      return error{"expected a size like 512K or 50M, got '" + s + "'"};
    }
  }
  std::uint64_t n = 0;
  if (!parse_u64(digits, n) || n > (1ull << 40))
    return error{"expected a size like 512K or 50M, got '" + s + "'"};
  return n * mult;
}

result<std::int64_t> parse_duration_ms(const std::string& s) {
  if (auto ms = duration_ms(s)) return *ms;
  return error{"expected a duration like 90m, 12h or 7d, got '" + s + "'"};
}

result<config> parse_config(const std::vector<std::string>& args,
                            const std::map<std::string, std::string>& env) {
  config c;
  std::map<std::string, bool> given;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      return error{"unexpected argument '" + a + "' (see --help)"};
    }
    std::string name = a.substr(2);
    std::string value;
    bool has_value = false;
    if (auto eq = name.find('='); eq != std::string::npos) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
      has_value = true;
    }
    const option* o = find_option(name);
    if (!o) return error{"unknown flag --" + name + " (see --help)"};
    if (o->arg && !has_value) {
      if (i + 1 >= args.size()) return error{"--" + name + " needs a value: " + o->arg};
      value = args[++i];
    }
    if (auto s = o->set(c, value); !s) return error{"--" + name + ": " + s.error_message()};
    given[name] = true;
  }
  for (const auto& o : options()) {
    if (given.count(o.name) || std::string(o.name) == "help" || std::string(o.name) == "version") continue;
    auto it = env.find(env_name(o.name));
    if (it == env.end()) continue;
    if (auto s = o.set(c, it->second); !s) return error{it->first + ": " + s.error_message()};
  }
  if (c.smtp_tls_cert.empty() != c.smtp_tls_key.empty()) {
    return error{"--smtp-tls-cert and --smtp-tls-key go together"};
  }
  if (c.http_tls_cert.empty() != c.http_tls_key.empty()) {
    return error{"--http-tls-cert and --http-tls-key go together"};
  }
  if (auto s = check_release(c, env); !s) return error{s.error_message()};
  if (!c.smtps_addr.empty() && !c.tls_enabled()) {
    return error{"--smtps needs --smtp-tls-cert/--smtp-tls-key or --smtp-tls-self-signed"};
  }
  return c;
}

std::string help_text() {
  std::string out = "mailjar " MAILJAR_VERSION
                    " - a mail catcher: accepts every message over SMTP, stores it parsed in SQLite,\n"
                    "and never relays it.\n\nUsage: mailjar [flags]\n\nFlags (each also read from the "
                    "environment variable shown):\n";
  for (const auto& o : options()) {
    std::string left = std::string("  --") + o.name + (o.arg ? std::string(" ") + o.arg : "");
    out += left + "\n      " + o.help;
    if (std::string(o.name) != "help" && std::string(o.name) != "version")
      out += "  [" + env_name(o.name) + "]";
    out += "\n";
  }
  return out;
}

}  // namespace mailjar::app
