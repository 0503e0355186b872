// MD5, SHA-1 and SHA-256 of one byte stream at once (OpenSSL EVP), fed in chunks.
// One instance per stream; not thread-safe; safe to use from several threads on separate
// instances.
#pragma once

#include <memory>
#include <string>
#include <string_view>

namespace mailjar::mime {

struct hex_digests {
  std::string md5, sha1, sha256;  // lower-case hex
};

class multi_digest {
 public:
  multi_digest();
  ~multi_digest();
  multi_digest(const multi_digest&) = delete;
  multi_digest& operator=(const multi_digest&) = delete;

  void update(std::string_view bytes);
  // Completes the digests; the object must not be used afterwards.
  hex_digests finish();

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

hex_digests digest_of(std::string_view bytes);

}  // namespace mailjar::mime
