// Release flags: off by default, the recipient rule it requires, exclusive modes, the password
// from a file or the environment (never argv), and validation of regexes and schedules.
#include <catch2/catch.hpp>

#include <fstream>

#include "app/config.hpp"
#include "support/store_fixtures.hpp"

using namespace mailjar;

namespace {
result<app::config> parse(std::vector<std::string> args, std::map<std::string, std::string> env = {}) {
  return app::parse_config(args, env);
}
}  // namespace

TEST_CASE("release flags: off by default, a recipient rule required, modes exclusive", "[release]") {
  auto c = parse({});
  REQUIRE(c.ok());
  CHECK_FALSE(c->release_enabled());
  auto missing = parse({"--relay-host", "127.0.0.1:2526"});
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error_message() == "release needs --relay-allowed-recipients REGEX or --relay-allow-any");
  CHECK_FALSE(parse({"--relay-mx"}).ok());
  auto ok = parse({"--relay-host", "127.0.0.1:2526", "--relay-allowed-recipients", "@x\\.test$"});
  REQUIRE(ok.ok());
  CHECK(ok->release_enabled());
  CHECK(ok->relay_retry == "1m,5m,15m,1h,4h");
  CHECK(
      parse({"--relay-mx", "--relay-allow-any", "--mx-port", "2525", "--dns-server", "127.0.0.1:5353"}).ok());
  CHECK_FALSE(parse({"--relay-mx", "--relay-host", "h:25", "--relay-allow-any"}).ok());
  CHECK_FALSE(parse({"--relay-auto", "subject:x"}).ok());  // auto without a route
  CHECK_FALSE(parse({"--relay-mx", "--relay-allowed-recipients", "("}).ok());
  CHECK_FALSE(parse({"--relay-mx", "--relay-allow-any", "--relay-retry", "5x"}).ok());
  CHECK_FALSE(parse({"--relay-mx", "--relay-allow-any", "--mx-port", "0"}).ok());
  CHECK_FALSE(parse({"--relay-tls", "ssl"}).ok());
  auto env = parse({}, {{"MAILJAR_RELAY_MX", "1"}, {"MAILJAR_RELAY_ALLOW_ANY", "true"}});
  REQUIRE(env.ok());
  CHECK(env->relay_mx);
}

TEST_CASE("release flags: AUTH needs a user and a password from a file or the environment", "[release]") {
  std::vector<std::string> base = {"--relay-host", "smtp.test:587", "--relay-allow-any", "--relay-auth",
                                   "plain"};
  CHECK_FALSE(parse(base).ok());
  base.insert(base.end(), {"--relay-user", "me"});
  auto no_pw = parse(base);
  REQUIRE_FALSE(no_pw.ok());
  CHECK(no_pw.error_message().find("MAILJAR_RELAY_PASSWORD") != std::string::npos);
  auto from_env = parse(base, {{"MAILJAR_RELAY_PASSWORD", "s3cret"}});
  REQUIRE(from_env.ok());
  CHECK(from_env->relay_password == "s3cret");
  test::temp_dir dir;
  const std::string file = dir.file("pw");
  std::ofstream(file) << "from-file\r\nignored\n";
  auto args = base;
  args.insert(args.end(), {"--relay-password-file", file});
  auto from_file = parse(args, {{"MAILJAR_RELAY_PASSWORD", "env-loses"}});
  REQUIRE(from_file.ok());
  CHECK(from_file->relay_password == "from-file");
  CHECK_FALSE(parse({"--relay-password", "x"}).ok());  // no such flag: never on argv
  CHECK(parse({"--hostname", "jar.test"})->hostname_set);
  CHECK_FALSE(parse({})->hostname_set);
}
