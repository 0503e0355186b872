#include "http/basic_auth.hpp"

#include <crypt.h>
#include <dlfcn.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include <cstring>
#include <vector>

#include "smtp/protocol/base64.hpp"

namespace mailjar::http {

namespace {

using crypt_r_fn = char* (*)(const char*, const char*, struct crypt_data*);

// libxcrypt, resolved once. dlopen keeps libcrypt out of the link line: only installs that use
// hashed passwords need the library present.
crypt_r_fn load_crypt_r() {
  static crypt_r_fn fn = []() -> crypt_r_fn {
    void* lib = dlopen("libcrypt.so.1", RTLD_NOW | RTLD_LOCAL);
    if (!lib) lib = dlopen("libcrypt.so", RTLD_NOW | RTLD_LOCAL);
    if (!lib) return nullptr;
    return reinterpret_cast<crypt_r_fn>(dlsym(lib, "crypt_r"));
  }();
  return fn;
}

std::string sha256_raw(std::string_view s) {
  unsigned char out[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(s.data()), s.size(), out);
  return std::string(reinterpret_cast<char*>(out), sizeof out);
}

bool equal_constant_time(std::string_view a, std::string_view b) {
  // Compare digests so the time taken does not depend on where or whether lengths differ.
  std::string da = sha256_raw(a), db = sha256_raw(b);
  return CRYPTO_memcmp(da.data(), db.data(), da.size()) == 0;
}

enum class scheme { plain, crypt, sha1 };

scheme scheme_of(const std::string& secret) {
  for (const char* p : {"$2y$", "$2b$", "$2a$", "$6$", "$5$", "$y$", "$gy$", "$7$"}) {
    if (secret.rfind(p, 0) == 0) return scheme::crypt;
  }
  if (secret.rfind("{SHA}", 0) == 0) return scheme::sha1;
  return scheme::plain;
}

constexpr std::size_t max_cached = 256;

}  // namespace

result<std::string> crypt_hash(const std::string& password, const std::string& setting) {
  auto fn = load_crypt_r();
  if (!fn) return error{"libcrypt.so.1 (libxcrypt) is not available to check hashed passwords"};
  auto data = std::make_unique<struct crypt_data>();
  std::memset(data.get(), 0, sizeof(struct crypt_data));
  const char* out = fn(password.c_str(), setting.c_str(), data.get());
  if (!out || out[0] == '*') return error{"unsupported or malformed password hash"};
  return std::string(out);
}

result<std::shared_ptr<basic_auth>> basic_auth::create(const std::map<std::string, std::string>& users) {
  if (users.empty()) return error{"no users"};
  for (const auto& [user, secret] : users) {
    if (user.empty() || user.find(':') != std::string::npos)
      return error{"user name '" + user + "' is empty or contains ':'"};
    if (secret.rfind("$apr1$", 0) == 0 || secret.rfind("$1$", 0) == 0) {
      return error{"user '" + user +
                   "': MD5 password hashes ($apr1$/$1$) are not supported; use bcrypt (htpasswd -B) "
                   "or SHA-512 crypt"};
    }
    if (scheme_of(secret) == scheme::crypt) {
      // Fails now, at start-up, rather than on every request.
      auto probe = crypt_hash("probe", secret);
      if (!probe) return error{"user '" + user + "': " + probe.error_message()};
    }
  }
  return std::shared_ptr<basic_auth>(new basic_auth(users));
}

bool basic_auth::check(const std::string& user, const std::string& password) const {
  auto it = users_.find(user);
  // Unknown users still pay for a comparison so timing does not reveal which names exist.
  const std::string& secret = it == users_.end() ? std::string() : it->second;
  bool ok = false;
  switch (scheme_of(secret)) {
    case scheme::plain:
      ok = equal_constant_time(password, secret);
      break;
    case scheme::sha1: {
      unsigned char d[SHA_DIGEST_LENGTH];
      SHA1(reinterpret_cast<const unsigned char*>(password.data()), password.size(), d);
      ok = equal_constant_time(
          "{SHA}" + smtp::base64_encode(std::string_view(reinterpret_cast<char*>(d), sizeof d)), secret);
      break;
    }
    case scheme::crypt: {
      auto h = crypt_hash(password, secret);
      ok = h && equal_constant_time(*h, secret);
      break;
    }
  }
  return ok && it != users_.end();
}

bool basic_auth::verify(std::string_view authorization) const {
  constexpr std::string_view prefix = "basic ";
  if (authorization.size() <= prefix.size() || authorization.size() > 4096) return false;
  for (std::size_t i = 0; i < prefix.size(); ++i) {
    if ((authorization[i] | 0x20) != prefix[i]) return false;
  }
  std::string_view token = authorization.substr(prefix.size());
  while (!token.empty() && token.front() == ' ') token.remove_prefix(1);
  while (!token.empty() && token.back() == ' ') token.remove_suffix(1);

  std::string key = sha256_raw(token);
  {
    std::lock_guard lock(mu_);
    if (verified_.count(key)) return true;
  }
  auto decoded = smtp::base64_decode(token);
  if (!decoded) return false;
  auto colon = decoded->find(':');
  if (colon == std::string::npos) return false;
  if (!check(decoded->substr(0, colon), decoded->substr(colon + 1))) return false;
  std::lock_guard lock(mu_);
  if (verified_.size() >= max_cached) verified_.clear();
  verified_.insert(std::move(key));
  return true;
}

}  // namespace mailjar::http
