#include "smtp/protocol/auth.hpp"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <utility>

#include "smtp/protocol/base64.hpp"
#include "smtp/protocol/command_parser.hpp"

namespace mailjar::smtp {

namespace {

constexpr std::string_view login_user_prompt = "VXNlcm5hbWU6";      // "Username:"
constexpr std::string_view login_password_prompt = "UGFzc3dvcmQ6";  // "Password:"

auth_step make(auth_step::kind k) {
  auth_step s;
  s.what = k;
  return s;
}

bool equal_secret(std::string_view a, std::string_view b) {
  return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

bool is_hex(char c) { return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'); }

}  // namespace

std::optional<auth_mechanism> parse_auth_mechanism(std::string_view name) {
  if (iequals(name, "PLAIN")) return auth_mechanism::plain;
  if (iequals(name, "LOGIN")) return auth_mechanism::login;
  if (iequals(name, "CRAM-MD5")) return auth_mechanism::cram_md5;
  return std::nullopt;
}

auth_exchange::auth_exchange(auth_mechanism mechanism, std::string cram_challenge)
    : mechanism_(mechanism), cram_challenge_(std::move(cram_challenge)) {}

auth_step auth_exchange::challenge(std::string text) {
  auth_step s = make(auth_step::kind::challenge);
  s.text = std::move(text);
  return s;
}

auth_step auth_exchange::start(std::optional<std::string_view> initial) {
  switch (mechanism_) {
    case auth_mechanism::plain:
      stage_ = stage::plain_response;
      if (!initial) return challenge("");
      break;
    case auth_mechanism::login:
      stage_ = stage::login_user;
      if (!initial) return challenge(std::string(login_user_prompt));
      break;
    case auth_mechanism::cram_md5:
      stage_ = stage::done;
      if (initial) return make(auth_step::kind::malformed);  // the server speaks first
      stage_ = stage::cram_response;
      return challenge(base64_encode(cram_challenge_));
  }
  if (*initial == "=") return take("");  // RFC 4954 4: "=" is an empty initial response
  if (*initial == "*") {
    stage_ = stage::done;
    return make(auth_step::kind::cancelled);
  }
  const auto decoded = base64_decode(*initial);
  if (!decoded) {
    stage_ = stage::done;
    return make(auth_step::kind::malformed);
  }
  return take(*decoded);
}

auth_step auth_exchange::respond(std::string_view line) {
  if (stage_ == stage::done) return make(auth_step::kind::malformed);
  if (line == "*") {
    stage_ = stage::done;
    return make(auth_step::kind::cancelled);
  }
  const auto decoded = base64_decode(line);
  if (!decoded) {
    stage_ = stage::done;
    return make(auth_step::kind::malformed);
  }
  return take(*decoded);
}

auth_step auth_exchange::take(std::string_view decoded) {
  auth_step out = make(auth_step::kind::credentials);
  out.creds.mechanism = mechanism_;
  switch (stage_) {
    case stage::plain_response: {
      stage_ = stage::done;
      // authzid NUL authcid NUL passwd
      const std::size_t a = decoded.find('\0');
      const std::size_t b = a == std::string_view::npos ? a : decoded.find('\0', a + 1);
      if (b == std::string_view::npos || decoded.find('\0', b + 1) != std::string_view::npos) {
        return make(auth_step::kind::malformed);
      }
      out.creds.user = std::string(decoded.substr(a + 1, b - a - 1));
      out.creds.password = std::string(decoded.substr(b + 1));
      return out;
    }
    case stage::login_user:
      user_ = std::string(decoded);
      stage_ = stage::login_password;
      return challenge(std::string(login_password_prompt));
    case stage::login_password:
      stage_ = stage::done;
      out.creds.user = std::move(user_);
      out.creds.password = std::string(decoded);
      return out;
    case stage::cram_response: {
      stage_ = stage::done;
      // "user SP digest"; the user name may itself contain spaces.
      const std::size_t sp = decoded.rfind(' ');
      if (sp == std::string_view::npos) return make(auth_step::kind::malformed);
      const std::string_view digest = decoded.substr(sp + 1);
      if (digest.size() != 32) return make(auth_step::kind::malformed);
      for (const char c : digest) {
        if (!is_hex(c)) return make(auth_step::kind::malformed);
      }
      out.creds.user = std::string(decoded.substr(0, sp));
      out.creds.digest.reserve(32);
      for (const char c : digest)
        out.creds.digest.push_back(c >= 'A' && c <= 'F' ? static_cast<char>(c + 32) : c);
      out.creds.challenge = cram_challenge_;
      return out;
    }
    case stage::done:
      break;
  }
  return make(auth_step::kind::malformed);
}

bool check_credentials(const std::map<std::string, std::string>& users, const sasl_credentials& creds) {
  if (creds.user.empty() || has_control_chars(creds.user)) return false;
  if (users.empty()) return true;
  const auto it = users.find(creds.user);
  if (it == users.end()) return false;
  if (creds.mechanism == auth_mechanism::cram_md5) {
    return equal_secret(cram_md5_digest(it->second, creds.challenge), creds.digest);
  }
  return equal_secret(it->second, creds.password);
}

std::string cram_md5_digest(std::string_view secret, std::string_view challenge) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (HMAC(EVP_md5(), secret.data(), static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(challenge.data()), challenge.size(), md, &len) == nullptr) {
    return {};
  }
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(len * 2);
  for (unsigned int i = 0; i < len; ++i) {
    out.push_back(hex[md[i] >> 4]);
    out.push_back(hex[md[i] & 0xf]);
  }
  return out;
}

}  // namespace mailjar::smtp
