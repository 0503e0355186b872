#include "mime/digest.hpp"

#include <openssl/evp.h>

#include <array>
#include <stdexcept>

namespace mailjar::mime {
namespace {

// Fetched once: implicit fetching on every EVP_DigestInit_ex costs more than hashing a
// small part. The EVP_MD objects live until exit.
struct algorithms {
  EVP_MD* md5 = EVP_MD_fetch(nullptr, "MD5", nullptr);
  EVP_MD* sha1 = EVP_MD_fetch(nullptr, "SHA1", nullptr);
  EVP_MD* sha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
};

const algorithms& algos() {
  static const algorithms a;
  return a;
}

std::string to_hex(const unsigned char* p, unsigned int n) {
  static constexpr char digits[] = "0123456789abcdef";
  std::string out(static_cast<std::size_t>(n) * 2, '0');
  for (unsigned int i = 0; i < n; ++i) {
    out[2 * i] = digits[p[i] >> 4];
    out[2 * i + 1] = digits[p[i] & 0x0F];
  }
  return out;
}

}  // namespace

struct multi_digest::impl {
  std::array<EVP_MD_CTX*, 3> ctx{};
  ~impl() {
    for (auto* c : ctx) EVP_MD_CTX_free(c);
  }
};

multi_digest::multi_digest() : impl_(std::make_unique<impl>()) {
  const algorithms& a = algos();
  const EVP_MD* mds[3] = {a.md5, a.sha1, a.sha256};
  for (int i = 0; i < 3; ++i) {
    impl_->ctx[i] = EVP_MD_CTX_new();
    if (impl_->ctx[i] == nullptr || mds[i] == nullptr ||
        EVP_DigestInit_ex(impl_->ctx[i], mds[i], nullptr) != 1)
      throw std::runtime_error("digest initialisation failed");
  }
}

multi_digest::~multi_digest() = default;

void multi_digest::update(std::string_view bytes) {
  if (bytes.empty()) return;
  for (auto* c : impl_->ctx) EVP_DigestUpdate(c, bytes.data(), bytes.size());
}

hex_digests multi_digest::finish() {
  unsigned char buf[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  hex_digests out;
  std::string* dst[3] = {&out.md5, &out.sha1, &out.sha256};
  for (int i = 0; i < 3; ++i) {
    EVP_DigestFinal_ex(impl_->ctx[i], buf, &n);
    *dst[i] = to_hex(buf, n);
  }
  return out;
}

hex_digests digest_of(std::string_view bytes) {
  multi_digest d;
  d.update(bytes);
  return d.finish();
}

}  // namespace mailjar::mime
