#include <catch2/catch.hpp>

#include <map>
#include <string>

#include "smtp/protocol/auth.hpp"
#include "smtp/protocol/base64.hpp"

using namespace mailjar::smtp;
using namespace std::string_literals;

TEST_CASE("base64 round trip and strict decoding", "[smtp][auth]") {
  CHECK(base64_encode("") == "");
  CHECK(base64_encode("f") == "Zg==");
  CHECK(base64_encode("fo") == "Zm8=");
  CHECK(base64_encode("foo") == "Zm9v");
  CHECK(base64_encode("\0user\0pass"s) == "AHVzZXIAcGFzcw==");
  CHECK(base64_decode("Zg==") == "f");
  CHECK(base64_decode("Zm8=") == "fo");
  CHECK(base64_decode("Zm9vYmFy") == "foobar");
  CHECK(base64_decode("AHVzZXIAcGFzcw==") == "\0user\0pass"s);
  CHECK(base64_decode("") == "");
  CHECK_FALSE(base64_decode("Zg="));
  CHECK_FALSE(base64_decode("Zg"));
  CHECK_FALSE(base64_decode("Z==="));
  CHECK_FALSE(base64_decode("Zm=v"));
  CHECK_FALSE(base64_decode("Zm9v YmFy"));
  CHECK_FALSE(base64_decode("Zm9v\r\n"));
  CHECK_FALSE(base64_decode("Zm9-"));
  CHECK_FALSE(base64_decode("*"));
}

TEST_CASE("CRAM-MD5 digest matches a known client exchange", "[smtp][auth]") {
  // From curl's IMAP CRAM-MD5 test: challenge PDE5NzIuOTg3NjU0MzIxQGN1cmw+, user "user", password "secret".
  const auto challenge = base64_decode("PDE5NzIuOTg3NjU0MzIxQGN1cmw+");
  REQUIRE(challenge == "<1972.987654321@curl>");
  CHECK(base64_encode("user " + cram_md5_digest("secret", *challenge)) ==
        "dXNlciA3MDMxNzI1NTk5ZmRiYjVkNDEyNjg5YWEzMjNlM2UwYg==");
}

TEST_CASE("PLAIN exchange with and without initial response", "[smtp][auth]") {
  auth_exchange a(auth_mechanism::plain, "");
  auto s = a.start(base64_encode("\0alice\0secret"s));
  REQUIRE(s.what == auth_step::kind::credentials);
  CHECK(s.creds.user == "alice");
  CHECK(s.creds.password == "secret");

  auth_exchange b(auth_mechanism::plain, "");
  s = b.start(std::nullopt);
  REQUIRE(s.what == auth_step::kind::challenge);
  CHECK(s.text.empty());
  s = b.respond(base64_encode("admin\0bob\0pw"s));
  REQUIRE(s.what == auth_step::kind::credentials);
  CHECK(s.creds.user == "bob");

  auth_exchange c(auth_mechanism::plain, "");
  CHECK(c.start(base64_encode("no separators")).what == auth_step::kind::malformed);
  auth_exchange d(auth_mechanism::plain, "");
  CHECK(d.start("not base64!").what == auth_step::kind::malformed);
  auth_exchange e(auth_mechanism::plain, "");
  CHECK(e.start(base64_encode("\0a\0b\0c"s)).what == auth_step::kind::malformed);
  auth_exchange f(auth_mechanism::plain, "");
  REQUIRE(f.start(std::nullopt).what == auth_step::kind::challenge);
  CHECK(f.respond("*").what == auth_step::kind::cancelled);
}

TEST_CASE("LOGIN exchange prompts for user name and password", "[smtp][auth]") {
  auth_exchange a(auth_mechanism::login, "");
  auto s = a.start(std::nullopt);
  REQUIRE(s.what == auth_step::kind::challenge);
  CHECK(s.text == "VXNlcm5hbWU6");
  s = a.respond(base64_encode("carol"));
  REQUIRE(s.what == auth_step::kind::challenge);
  CHECK(s.text == "UGFzc3dvcmQ6");
  s = a.respond(base64_encode("pw"));
  REQUIRE(s.what == auth_step::kind::credentials);
  CHECK(s.creds.user == "carol");
  CHECK(s.creds.password == "pw");

  auth_exchange b(auth_mechanism::login, "");
  s = b.start(base64_encode("dave"));
  REQUIRE(s.what == auth_step::kind::challenge);
  CHECK(s.text == "UGFzc3dvcmQ6");
  CHECK(b.respond("*").what == auth_step::kind::cancelled);
}

TEST_CASE("CRAM-MD5 exchange and credential checks", "[smtp][auth]") {
  const std::string challenge = "<42.17@mailjar>";
  auth_exchange a(auth_mechanism::cram_md5, challenge);
  auto s = a.start(std::nullopt);
  REQUIRE(s.what == auth_step::kind::challenge);
  CHECK(base64_decode(s.text) == challenge);
  s = a.respond(base64_encode("tim " + cram_md5_digest("tanstaafl", challenge)));
  REQUIRE(s.what == auth_step::kind::credentials);
  CHECK(s.creds.user == "tim");

  const std::map<std::string, std::string> users{{"tim", "tanstaafl"}};
  CHECK(check_credentials(users, s.creds));
  CHECK(check_credentials({}, s.creds));
  sasl_credentials wrong = s.creds;
  wrong.digest = cram_md5_digest("guess", challenge);
  CHECK_FALSE(check_credentials(users, wrong));
  CHECK(check_credentials({}, wrong));  // no user table: anything goes

  auth_exchange upper(auth_mechanism::cram_md5, challenge);
  upper.start(std::nullopt);
  std::string digest = cram_md5_digest("tanstaafl", challenge);
  for (auto& c : digest) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  s = upper.respond(base64_encode("tim " + digest));
  REQUIRE(s.what == auth_step::kind::credentials);
  CHECK(check_credentials(users, s.creds));

  auth_exchange bad(auth_mechanism::cram_md5, challenge);
  bad.start(std::nullopt);
  CHECK(bad.respond(base64_encode("tim-without-digest")).what == auth_step::kind::malformed);
  auth_exchange initial(auth_mechanism::cram_md5, challenge);
  CHECK(initial.start("dGlt").what == auth_step::kind::malformed);
}

TEST_CASE("password checks", "[smtp][auth]") {
  const std::map<std::string, std::string> users{{"alice", "secret"}};
  sasl_credentials c;
  c.user = "alice";
  c.password = "secret";
  CHECK(check_credentials(users, c));
  c.password = "secreT";
  CHECK_FALSE(check_credentials(users, c));
  c.password = "secret ";
  CHECK_FALSE(check_credentials(users, c));
  c.user = "mallory";
  c.password = "secret";
  CHECK_FALSE(check_credentials(users, c));
  CHECK(check_credentials({}, c));
  c.user = "";
  CHECK_FALSE(check_credentials({}, c));
  c.user = "bad\r\nuser";
  CHECK_FALSE(check_credentials({}, c));
  CHECK(parse_auth_mechanism("cram-md5") == auth_mechanism::cram_md5);
  CHECK(parse_auth_mechanism("Plain") == auth_mechanism::plain);
  CHECK_FALSE(parse_auth_mechanism("GSSAPI"));
}
