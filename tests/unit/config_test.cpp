#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>

#include <unistd.h>

#include "app/config.hpp"

using namespace mailjar::app;

namespace {
config parse_ok(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  auto c = parse_config(args, env);
  INFO((c.ok() ? std::string() : c.error_message()));
  REQUIRE(c.ok());
  return *c;
}
std::string parse_err(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  auto c = parse_config(args, env);
  REQUIRE_FALSE(c.ok());
  return c.error_message();
}
}  // namespace

TEST_CASE("defaults are loopback, ./mailjar.db, 50M, 100 recipients, no TLS", "[config]") {
  auto c = parse_ok({});
  CHECK(c.smtp_addr == "127.0.0.1:2525");
  CHECK(c.db_path == "mailjar.db");
  CHECK(c.smtp_max_message_size == 50ull << 20);
  CHECK(c.smtp_max_recipients == 100);
  CHECK_FALSE(c.tls_enabled());
  CHECK(c.smtp_users.empty());
  CHECK(c.max_messages == 0);
}

TEST_CASE("flags take values as --flag value or --flag=value", "[config]") {
  auto c = parse_ok({"--smtp", "0.0.0.0:25", "--db=/tmp/x.db", "--smtp-max-message-size", "10M",
                     "--smtp-auth", "alice:pw1, bob:pw:2", "--smtp-allow", "10.0.0.0/8,127.0.0.1",
                     "--max-age", "7d", "--smtp-bare-lf", "reject", "--smtp-tls-self-signed"});
  CHECK(c.smtp_addr == "0.0.0.0:25");
  CHECK(c.db_path == "/tmp/x.db");
  CHECK(c.smtp_max_message_size == 10ull << 20);
  CHECK(c.smtp_users.at("alice") == "pw1");
  CHECK(c.smtp_users.at("bob") == "pw:2");
  CHECK(c.smtp_allow == std::vector<std::string>{"10.0.0.0/8", "127.0.0.1"});
  CHECK(c.max_age_ms == 7LL * 86'400'000);
  CHECK(c.smtp_reject_bare_lf);
  CHECK(c.tls_enabled());
}

TEST_CASE("environment fills flags not given on the command line", "[config]") {
  auto c = parse_ok({"--db", "cli.db"}, {{"MAILJAR_DB", "env.db"},
                                         {"MAILJAR_SMTP", "127.0.0.1:0"},
                                         {"MAILJAR_SMTP_MAX_RECIPIENTS", "7"},
                                         {"MAILJAR_VERBOSE", "true"}});
  CHECK(c.db_path == "cli.db");
  CHECK(c.smtp_addr == "127.0.0.1:0");
  CHECK(c.smtp_max_recipients == 7);
  CHECK(c.verbose);
  CHECK(parse_err({}, {{"MAILJAR_SMTP_MAX_RECIPIENTS", "lots"}}).find("MAILJAR_SMTP_MAX_RECIPIENTS") == 0);
}

TEST_CASE("bad flags give one clear reason", "[config]") {
  CHECK(parse_err({"--nope"}) == "unknown flag --nope (see --help)");
  CHECK(parse_err({"--smtp"}).find("needs a value") != std::string::npos);
  CHECK(parse_err({"--smtp", "localhost"}).find("ADDR:PORT") != std::string::npos);
  CHECK(parse_err({"--smtp", "127.0.0.1:70000"}).find("bad port") != std::string::npos);
  CHECK(parse_err({"--db-sync", "sometimes"}).find("normal or full") != std::string::npos);
  CHECK(parse_err({"--smtp-max-message-size", "12Q"}).find("size") != std::string::npos);
  CHECK(parse_err({"--smtp-max-recipients", "0"}).find("more than 0") != std::string::npos);
  CHECK(parse_err({"--smtp-tls-cert", "a.pem"}).find("go together") != std::string::npos);
  CHECK(parse_err({"--smtps", "127.0.0.1:0"}).find("--smtps needs") == 0);
  CHECK(parse_err({"--smtp-auth", "nopass"}).find("USER:PASS") != std::string::npos);
  CHECK(parse_err({"positional"}).find("unexpected argument") == 0);
  CHECK(parse_err({"--hostname", "bad host\r\n"}).find("host name") != std::string::npos);
  CHECK(parse_err({"--smtp-auth-file", "/nonexistent/file"}).find("cannot read") != std::string::npos);
}

TEST_CASE("smtp data timeout: default 600 s, --smtp-data-timeout, MAILJAR_SMTP_DATA_TIMEOUT, never 0", "[config]") {
  CHECK(parse_ok({}).smtp_data_timeout_s == 600);
  CHECK(parse_ok({"--smtp-data-timeout", "30"}).smtp_data_timeout_s == 30);
  CHECK(parse_ok({}, {{"MAILJAR_SMTP_DATA_TIMEOUT", "45"}}).smtp_data_timeout_s == 45);
  CHECK(parse_err({"--smtp-data-timeout", "0"}).find("more than 0") != std::string::npos);
}

TEST_CASE("sizes and durations parse with their suffixes", "[config]") {
  CHECK(*parse_size("1234") == 1234);
  CHECK(*parse_size("512K") == 512ull * 1024);
  CHECK(*parse_size("2mb") == 2ull << 20);
  CHECK(*parse_size("1G") == 1ull << 30);
  CHECK_FALSE(parse_size("").ok());
  CHECK_FALSE(parse_size("M").ok());
  CHECK_FALSE(parse_size("-5").ok());
  CHECK_FALSE(parse_size("99999999999999999999999").ok());
  CHECK(*parse_duration_ms("90s") == 90'000);
  CHECK(*parse_duration_ms("30m") == 1'800'000);
  CHECK(*parse_duration_ms("12h") == 43'200'000);
  CHECK_FALSE(parse_duration_ms("7").ok());
  CHECK_FALSE(parse_duration_ms("0d").ok());
  CHECK_FALSE(parse_duration_ms("5w").ok());
}

TEST_CASE("help lists every flag with its environment variable", "[config]") {
  auto h = help_text();
  for (const char* flag : {"--smtp ",
                           "--smtps",
                           "--hostname",
                           "--db ",
                           "--db-sync",
                           "--max-messages",
                           "--max-age",
                           "--smtp-max-message-size",
                           "--smtp-max-recipients",
                           "--smtp-max-connections",
                           "--smtp-timeout",
                           "--smtp-data-timeout",
                           "--smtp-bare-lf",
                           "--smtp-tls-cert",
                           "--smtp-tls-key",
                           "--smtp-tls-self-signed",
                           "--smtp-auth ",
                           "--smtp-auth-file",
                           "--smtp-allow",
                           "--http ",
                           "--webroot",
                           "--http-tls-cert",
                           "--http-tls-key",
                           "--http-auth ",
                           "--http-auth-file",
                           "--http-allow-host",
                           "--cors-origin",
                           "--label",
                           "--http-max-body",
                           "MAILJAR_HTTP_ALLOW_HOST",
                           "--verbose",
                           "--help",
                           "--version",
                           "MAILJAR_SMTP_MAX_MESSAGE_SIZE"}) {
    INFO(flag);
    CHECK(h.find(flag) != std::string::npos);
  }
}

TEST_CASE("HTTP flags: listener, webroot, auth, hosts, origins, label, body size", "[config][http]") {
  auto d = parse_ok({});
  CHECK(d.http_addr == "127.0.0.1:8025");
  CHECK(d.webroot == "/");
  CHECK(d.http_users.empty());
  CHECK(d.cors_origins.empty());
  CHECK(d.http_allow_hosts.empty());
  CHECK(d.http_max_body == 5ull << 20);

  auto c = parse_ok({"--http", "127.0.0.1:0", "--webroot", "mail", "--http-auth", "alice:pw:1,bob:$2y$05$abc",
                     "--http-allow-host", "mail.dev.test,.corp.test,*.preview.test", "--cors-origin",
                     "http://localhost:3000, https://ui.test", "--label", "Project X", "--http-max-body",
                     "1M", "--http-tls-cert", "c.pem", "--http-tls-key", "k.pem"});
  CHECK(c.http_addr == "127.0.0.1:0");
  CHECK(c.webroot == "/mail/");
  CHECK(c.http_users.at("alice") == "pw:1");
  CHECK(c.http_users.at("bob") == "$2y$05$abc");
  CHECK(c.http_allow_hosts == std::vector<std::string>{"mail.dev.test", ".corp.test", "*.preview.test"});
  CHECK(c.cors_origins == std::vector<std::string>{"http://localhost:3000", "https://ui.test"});
  CHECK(c.label == "Project X");
  CHECK(c.http_max_body == 1ull << 20);
  CHECK(c.http_tls_cert == "c.pem");

  auto e = parse_ok({}, {{"MAILJAR_HTTP", "[::1]:0"},
                         {"MAILJAR_WEBROOT", "/a/b/"},
                         {"MAILJAR_CORS_ORIGIN", "*"},
                         {"MAILJAR_LABEL", "env"}});
  CHECK(e.http_addr == "[::1]:0");
  CHECK(e.webroot == "/a/b/");
  CHECK(e.cors_origins == std::vector<std::string>{"*"});
  CHECK(e.label == "env");

  CHECK(parse_err({"--http", "8025"}).find("ADDR:PORT") != std::string::npos);
  CHECK(parse_err({"--webroot", "/../x"}).find("/mail/") != std::string::npos);
  CHECK(parse_err({"--webroot", "/a b/"}).find("--webroot") == 0);
  CHECK(parse_err({"--http-auth", "nopass"}).find("USER:PASS") != std::string::npos);
  CHECK(parse_err({"--http-auth", "user:"}).find("USER:PASS") != std::string::npos);
  CHECK(parse_err({"--cors-origin", "localhost:3000"}).find("origin") != std::string::npos);
  CHECK(parse_err({"--cors-origin", "http://a.test/path"}).find("origin") != std::string::npos);
  CHECK(parse_err({"--http-allow-host", "bad host"}).find("host name") != std::string::npos);
  CHECK(parse_err({"--label", "a\nb"}).find("printable") != std::string::npos);
  CHECK(parse_err({"--http-max-body", "0"}).find("more than 0") != std::string::npos);
  CHECK(parse_err({"--http-tls-cert", "c.pem"}).find("go together") != std::string::npos);
  CHECK(parse_err({"--http-auth-file", "/nonexistent/file"}).find("cannot read") != std::string::npos);
}

TEST_CASE("the --http-auth-file flag reads htpasswd lines, skipping comments", "[config][http]") {
  std::string path = "/tmp/mailjar_config_test_htpasswd_" + std::to_string(::getpid());
  {
    std::ofstream f(path);
    f << "# users\r\nalice:$2y$05$hashhashhash\r\n\ncarol:plain:text\n";
  }
  auto c = parse_ok({"--http-auth-file", path});
  std::remove(path.c_str());
  CHECK(c.http_users.size() == 2);
  CHECK(c.http_users.at("alice") == "$2y$05$hashhashhash");
  CHECK(c.http_users.at("carol") == "plain:text");
}

TEST_CASE("credential files: comments and CRLF skipped, an empty file is an error", "[config]") {
  char dir_template[] = "/tmp/mailjar-config-XXXXXX";
  REQUIRE(mkdtemp(dir_template) != nullptr);
  std::string dir = dir_template;
  auto write = [&](const std::string& name, const std::string& text) {
    std::string path = dir + "/" + name;
    FILE* f = std::fopen(path.c_str(), "wb");
    REQUIRE(f != nullptr);
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
    return path;
  };
  auto users = write("users", "# team\r\nalice:pw1\r\n\r\nbob:pw2\n");
  auto empty = write("empty", "# nobody yet\n\n");
  auto c = parse_ok({"--smtp-auth-file", users, "--http-auth-file", users});
  CHECK(c.smtp_users.size() == 2);
  CHECK(c.smtp_users.at("alice") == "pw1");
  CHECK(c.smtp_users.at("bob") == "pw2");
  CHECK(c.http_users.size() == 2);
  CHECK(parse_err({"--smtp-auth-file", empty}).find("no USER:PASS lines") != std::string::npos);
  CHECK(parse_err({"--http-auth-file", empty}).find("no USER:PASS lines") != std::string::npos);
  std::remove(users.c_str());
  std::remove(empty.c_str());
  std::remove(dir.c_str());
}
