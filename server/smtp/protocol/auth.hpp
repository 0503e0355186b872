// SMTP AUTH (RFC 4954) server side: the SASL mechanisms PLAIN (RFC 4616), LOGIN and CRAM-MD5
// (RFC 2195) as a small exchange fed one client line at a time, plus the credential check.
// The exchange only decodes; check_credentials() decides. With an empty user table any
// credentials are accepted (mailjar's default: record who the client claims to be).
// Pure (OpenSSL for HMAC-MD5 and constant-time compare); one exchange per AUTH command,
// not thread-safe; the free functions are thread-safe.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace mailjar::smtp {

enum class auth_mechanism { plain, login, cram_md5 };

// "PLAIN", "LOGIN", "CRAM-MD5", case-insensitive.
std::optional<auth_mechanism> parse_auth_mechanism(std::string_view name);

// What the client presented once the exchange is complete.
struct sasl_credentials {
  auth_mechanism mechanism = auth_mechanism::plain;
  std::string user;       // authentication identity
  std::string password;   // PLAIN, LOGIN
  std::string digest;     // CRAM-MD5: lower-case hex HMAC-MD5 of `challenge`
  std::string challenge;  // CRAM-MD5: the challenge that was sent
};

struct auth_step {
  enum class kind {
    challenge,    // send "334 <text>" and feed the next line to respond()
    credentials,  // done: check `creds`
    cancelled,    // the client sent "*"
    malformed,    // bad base64 or a response of the wrong shape
  };
  kind what = kind::malformed;
  std::string text;  // base64 challenge for kind::challenge
  sasl_credentials creds;
};

class auth_exchange {
 public:
  // `cram_challenge` is the "<unique@host>" string CRAM-MD5 sends (unused by other mechanisms).
  auth_exchange(auth_mechanism mechanism, std::string cram_challenge);

  // Starts the exchange; `initial` is the optional initial response of "AUTH <mech> <resp>"
  // ("=" stands for an empty response).
  auth_step start(std::optional<std::string_view> initial);

  // Feeds one client line (without CRLF) after a challenge.
  auth_step respond(std::string_view line);

 private:
  enum class stage { plain_response, login_user, login_password, cram_response, done };

  auth_step take(std::string_view decoded);
  auth_step challenge(std::string text);

  auth_mechanism mechanism_;
  std::string cram_challenge_;
  stage stage_ = stage::done;
  std::string user_;
};

// With an empty `users` table every credential is accepted; otherwise the user must exist and
// the password (or the CRAM-MD5 digest computed from it) must match.
bool check_credentials(const std::map<std::string, std::string>& users, const sasl_credentials& creds);

// Lower-case hex HMAC-MD5(secret, challenge), as a CRAM-MD5 client computes it.
std::string cram_md5_digest(std::string_view secret, std::string_view challenge);

}  // namespace mailjar::smtp
