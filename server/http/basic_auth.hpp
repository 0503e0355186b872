// HTTP basic authentication for the UI and API (--http-auth, --http-auth-file). Secrets are
// plain passwords or htpasswd hashes: bcrypt ($2y$/$2b$/$2a$), sha512-crypt ($6$),
// sha256-crypt ($5$) and yescrypt ($y$) through libxcrypt's crypt_r (loaded at run time, so only
// installs that use hashes need libcrypt.so.1), and {SHA} (htpasswd -s). Apache's $apr1$ is
// refused at start-up with a hint. Successful checks are cached (keyed by a SHA-256 of the
// header) so a slow hash is paid once per credential, not per request. Thread-safe; verify()
// may be slow on a cache miss: call it from a worker thread, never a network thread.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <string_view>

#include "core/result.hpp"

namespace mailjar::http {

class basic_auth {
 public:
  // user -> password or hash. Errors name the user and the unsupported hash.
  static result<std::shared_ptr<basic_auth>> create(const std::map<std::string, std::string>& users);

  // `authorization` is the raw Authorization header value ("Basic dXNlcjpwYXNz").
  bool verify(std::string_view authorization) const;

  static constexpr const char* challenge = "Basic realm=\"mailjar\", charset=\"UTF-8\"";

 private:
  explicit basic_auth(std::map<std::string, std::string> users) : users_(std::move(users)) {}
  bool check(const std::string& user, const std::string& password) const;

  std::map<std::string, std::string> users_;
  mutable std::mutex mu_;
  mutable std::set<std::string> verified_;  // SHA-256 of accepted header values (bounded)
};

// crypt(3) through libxcrypt, or an error when libcrypt.so.1 is not available or the hash is
// not one it supports. Exposed for tests.
result<std::string> crypt_hash(const std::string& password, const std::string& setting);

}  // namespace mailjar::http
