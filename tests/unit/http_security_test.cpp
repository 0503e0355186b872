#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include "http/basic_auth.hpp"
#include "http/gzip.hpp"
#include "http/security.hpp"
#include "smtp/protocol/base64.hpp"

#include <zlib.h>

using namespace mailjar::http;

namespace {
std::string basic(const std::string& user_pass) { return "Basic " + mailjar::smtp::base64_encode(user_pass); }

std::string gunzip(const std::string& in) {
  z_stream zs{};
  REQUIRE(inflateInit2(&zs, 15 + 16) == Z_OK);
  std::string out(in.size() * 20 + 1024, '\0');
  zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(in.data()));
  zs.avail_in = static_cast<uInt>(in.size());
  zs.next_out = reinterpret_cast<Bytef*>(out.data());
  zs.avail_out = static_cast<uInt>(out.size());
  int rc = inflate(&zs, Z_FINISH);
  out.resize(zs.total_out);
  inflateEnd(&zs);
  REQUIRE(rc == Z_STREAM_END);
  return out;
}
}  // namespace

TEST_CASE("Host headers parse as name, IPv4 or bracketed IPv6 with an optional port", "[http][security]") {
  auto h = parse_host_header("LocalHost:8025");
  REQUIRE(h);
  CHECK(h->host == "localhost");
  CHECK(h->port == 8025);
  CHECK(h->has_port);
  auto v6 = parse_host_header("[::1]:80");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == 80);
  auto bare = parse_host_header("example.test");
  REQUIRE(bare);
  CHECK_FALSE(bare->has_port);
  for (const char* bad : {"", ":80", "a b", "host:", "host:99999", "host:8o", "[::1", "[nonsense]:1", "::1",
                          "a/b", "evil.test@127.0.0.1", "x\r\ny"}) {
    INFO(bad);
    CHECK_FALSE(parse_host_header(bad));
  }
}

TEST_CASE("Host rule: loopback names and the listener's address pass, other names need --http-allow-host",
          "[http][security]") {
  host_policy loopback("127.0.0.1", {});
  for (const char* ok : {"localhost", "localhost:8025", "127.0.0.1:8025", "127.0.0.1", "[::1]:8025",
                         "127.1.2.3:1", "LOCALHOST:9", "app.localhost:8025"}) {
    INFO(ok);
    CHECK(loopback.allows(ok));
  }
  // DNS rebinding: an attacker's name resolving to 127.0.0.1 arrives with that name.
  for (const char* bad : {"evil.test", "evil.test:8025", "mailjar", "192.168.1.5:8025", "",
                          "localhost.evil.test", "[::2]:8025"}) {
    INFO(bad);
    CHECK_FALSE(loopback.allows(bad));
  }

  host_policy widened("127.0.0.1", {"mail.dev.test", ".corp.test", "*.preview.test"});
  CHECK(widened.allows("mail.dev.test:8025"));
  CHECK(widened.allows("MAIL.DEV.TEST"));
  CHECK(widened.allows("corp.test"));
  CHECK(widened.allows("a.b.corp.test"));
  CHECK(widened.allows("x.preview.test"));
  CHECK_FALSE(widened.allows("preview.test"));
  CHECK_FALSE(widened.allows("evilcorp.test"));
  CHECK_FALSE(widened.allows("other.dev.test"));
  CHECK(host_policy("127.0.0.1", {"*"}).allows("anything.test"));

  host_policy lan("192.168.1.5", {});
  CHECK(lan.allows("192.168.1.5:8025"));
  CHECK(lan.allows("localhost"));
  CHECK(lan.allows("mailjar:8025"));  // a compose service name: single label, local resolution only
  CHECK_FALSE(lan.allows("10.0.0.1"));
  CHECK_FALSE(lan.allows("evil.test"));

  host_policy wildcard("0.0.0.0", {});
  CHECK(wildcard.allows("10.1.2.3:8025"));
  CHECK(wildcard.allows("[fe80::1]:8025"));
  CHECK_FALSE(wildcard.allows("evil.test:8025"));
}

TEST_CASE("Origin parsing and same-origin comparison", "[http][security]") {
  auto o = parse_origin("http://localhost:8025");
  REQUIRE(o);
  CHECK(o->scheme == "http");
  CHECK(o->host == "localhost");
  CHECK(o->port == 8025);
  CHECK(parse_origin("https://Mail.Test")->port == 443);
  CHECK(parse_origin("http://[::1]:8025")->host == "::1");
  for (const char* bad :
       {"null", "", "file://", "ftp://x", "http://", "http://a/b", "http://u@h", "localhost:8025"}) {
    INFO(bad);
    CHECK_FALSE(parse_origin(bad));
  }

  auto host = *parse_host_header("localhost:8025");
  CHECK(same_origin(*parse_origin("http://localhost:8025"), host));
  CHECK(same_origin(*parse_origin("http://LOCALHOST:8025/"), host));
  CHECK_FALSE(same_origin(*parse_origin("http://localhost:3000"), host));
  CHECK_FALSE(same_origin(*parse_origin("http://evil.test:8025"), host));
  CHECK_FALSE(same_origin(*parse_origin("http://127.0.0.1:8025"), host));
  // Behind a TLS-terminating proxy the Host has no port: the Origin's default applies.
  CHECK(same_origin(*parse_origin("https://mail.test"), *parse_host_header("mail.test")));
  CHECK_FALSE(same_origin(*parse_origin("https://mail.test:8443"), *parse_host_header("mail.test")));

  std::vector<std::string> cors = {"http://app.test:3000", "https://ui.test/"};
  CHECK(origin_listed("http://app.test:3000", cors));
  CHECK(origin_listed("HTTP://APP.TEST:3000/", cors));
  CHECK(origin_listed("https://ui.test", cors));
  CHECK_FALSE(origin_listed("http://app.test:3001", cors));
  CHECK_FALSE(origin_listed("", cors));
  CHECK(origin_listed("http://any.test", {"*"}));

  CHECK(is_state_changing("POST"));
  CHECK(is_state_changing("PUT"));
  CHECK(is_state_changing("DELETE"));
  CHECK(is_state_changing("PATCH"));
  CHECK_FALSE(is_state_changing("GET"));
  CHECK_FALSE(is_state_changing("HEAD"));
  CHECK_FALSE(is_state_changing("OPTIONS"));
}

TEST_CASE("Accept-Encoding negotiation for gzip honours q-values", "[http][security]") {
  CHECK(accepts_gzip("gzip"));
  CHECK(accepts_gzip("gzip, deflate, br"));
  CHECK(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  CHECK(accepts_gzip("*"));
  CHECK_FALSE(accepts_gzip(""));
  CHECK_FALSE(accepts_gzip("deflate, br"));
  CHECK_FALSE(accepts_gzip("gzip;q=0"));
  CHECK_FALSE(accepts_gzip("gzip;q=0.000, *"));
  CHECK_FALSE(accepts_gzip("*;q=0"));
  CHECK(accepts_gzip("gzip;q=0.001"));
}

TEST_CASE("gzip output inflates back to the input", "[http][security]") {
  std::string json = "[";
  for (int i = 0; i < 500; ++i) json += "{\"ID\":\"" + std::to_string(i) + "\",\"Subject\":\"hello\"},";
  json += "{}]";
  auto z = gzip_compress(json);
  REQUIRE(z);
  CHECK(z->size() < json.size() / 4);
  CHECK(static_cast<unsigned char>((*z)[0]) == 0x1f);
  CHECK(static_cast<unsigned char>((*z)[1]) == 0x8b);
  CHECK(gunzip(*z) == json);
  CHECK(gunzip(*gzip_compress("")) == "");
}

TEST_CASE("basic auth: plain passwords, {SHA} and crypt hashes, wrong input refused", "[http][auth]") {
  // Hashes of "s3cret": crypt ones made here through libxcrypt, {SHA} as htpasswd -s writes it.
  auto sha512 = crypt_hash("s3cret", "$6$saltsalt$");
  REQUIRE(sha512);
  auto bcrypt = crypt_hash("s3cret", "$2b$05$abcdefghijklmnopqrstuu");
  REQUIRE(bcrypt);
  std::map<std::string, std::string> users = {{"plain", "pa:ss"},
                                              {"sha512", *sha512},
                                              {"bcrypt", *bcrypt},
                                              {"bcrypt_y", "$2y$" + bcrypt->substr(4)},
                                              {"sha1", "{SHA}/vNB+F2HQ559kaLUZbmHHvZrXpg="}};
  auto auth = basic_auth::create(users);
  REQUIRE(auth.ok());
  const auto& a = **auth;
  CHECK(a.verify(basic("plain:pa:ss")));  // the password may contain ':'
  CHECK(a.verify(basic("sha512:s3cret")));
  CHECK(a.verify(basic("sha512:s3cret")));  // cached the second time
  CHECK(a.verify(basic("bcrypt:s3cret")));
  CHECK(a.verify(basic("bcrypt_y:s3cret")));
  CHECK(a.verify(basic("sha1:s3cret")));
  CHECK(a.verify("basic " + mailjar::smtp::base64_encode("plain:pa:ss")));  // scheme is case-insensitive

  CHECK_FALSE(a.verify(basic("plain:pa")));
  CHECK_FALSE(a.verify(basic("plain:pa:sss")));
  CHECK_FALSE(a.verify(basic("sha512:S3cret")));
  CHECK_FALSE(a.verify(basic("bcrypt:wrong")));
  CHECK_FALSE(a.verify(basic("sha1:wrong")));
  CHECK_FALSE(a.verify(basic("nobody:s3cret")));
  CHECK_FALSE(a.verify(basic("nobody:")));
  CHECK_FALSE(a.verify(""));
  CHECK_FALSE(a.verify("Basic"));
  CHECK_FALSE(a.verify("Basic !!!"));
  CHECK_FALSE(a.verify("Bearer " + mailjar::smtp::base64_encode("plain:pa:ss")));
  CHECK_FALSE(a.verify(basic("plainpa:ss")));
  CHECK_FALSE(a.verify(basic("no-colon")));
  // A hash is not a password.
  CHECK_FALSE(a.verify(basic("sha512:" + *sha512)));
}

TEST_CASE("basic auth refuses unusable configurations at start-up", "[http][auth]") {
  CHECK_FALSE(basic_auth::create({}).ok());
  auto apr1 = basic_auth::create({{"u", "$apr1$abc$def"}});
  REQUIRE_FALSE(apr1.ok());
  CHECK(apr1.error_message().find("htpasswd -B") != std::string::npos);
  CHECK_FALSE(basic_auth::create({{"u", "$2b$99$short"}}).ok());
  CHECK_FALSE(basic_auth::create({{"", "x"}}).ok());
}
