#include "tls/tls_context.hpp"

#include <openssl/bn.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include <fstream>
#include <stdexcept>

namespace mailjar::tls {

namespace ssl = boost::asio::ssl;

namespace {

std::string openssl_error() {
  unsigned long e = ERR_get_error();
  if (e == 0) return "unknown OpenSSL error";
  char buf[256];
  ERR_error_string_n(e, buf, sizeof buf);
  return buf;
}

std::shared_ptr<ssl::context> base_context() {
  auto ctx = std::make_shared<ssl::context>(ssl::context::tls_server);
  ctx->set_options(ssl::context::default_workarounds | ssl::context::no_sslv2 | ssl::context::no_sslv3 |
                   ssl::context::single_dh_use);
  SSL_CTX_set_min_proto_version(ctx->native_handle(), TLS1_VERSION);  // old mailers still speak TLS 1.0
  return ctx;
}

struct pkey_deleter {
  void operator()(EVP_PKEY* p) const { EVP_PKEY_free(p); }
};
struct x509_deleter {
  void operator()(X509* p) const { X509_free(p); }
};

}  // namespace

std::shared_ptr<ssl::context> server_context_from_files(const std::string& cert_file,
                                                        const std::string& key_file) {
  for (const auto& f : {cert_file, key_file}) {
    if (!std::ifstream(f)) throw std::runtime_error("cannot read TLS file '" + f + "'");
  }
  auto ctx = base_context();
  if (SSL_CTX_use_certificate_chain_file(ctx->native_handle(), cert_file.c_str()) != 1) {
    throw std::runtime_error("bad TLS certificate '" + cert_file + "': " + openssl_error());
  }
  if (SSL_CTX_use_PrivateKey_file(ctx->native_handle(), key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
    throw std::runtime_error("bad TLS key '" + key_file + "': " + openssl_error());
  }
  if (SSL_CTX_check_private_key(ctx->native_handle()) != 1) {
    throw std::runtime_error("TLS key '" + key_file + "' does not match certificate '" + cert_file + "'");
  }
  return ctx;
}

std::shared_ptr<ssl::context> server_context_self_signed(const std::string& hostname) {
  std::unique_ptr<EVP_PKEY, pkey_deleter> key(EVP_EC_gen("P-256"));
  if (!key) throw std::runtime_error("cannot generate TLS key: " + openssl_error());
  std::unique_ptr<X509, x509_deleter> cert(X509_new());
  if (!cert) throw std::runtime_error("cannot create certificate: " + openssl_error());
  X509_set_version(cert.get(), 2);
  unsigned char serial[16];
  RAND_bytes(serial, sizeof serial);
  serial[0] &= 0x7f;
  BIGNUM* bn = BN_bin2bn(serial, sizeof serial, nullptr);
  BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
  BN_free(bn);
  X509_gmtime_adj(X509_getm_notBefore(cert.get()), -3600);
  X509_gmtime_adj(X509_getm_notAfter(cert.get()), 60L * 60 * 24 * 365);
  X509_set_pubkey(cert.get(), key.get());
  X509_NAME* name = X509_get_subject_name(cert.get());
  X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("mailjar"), -1,
                             -1, 0);
  X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
                             reinterpret_cast<const unsigned char*>(hostname.c_str()), -1, -1, 0);
  X509_set_issuer_name(cert.get(), name);
  std::string san = "DNS:" + hostname + ",DNS:localhost,IP:127.0.0.1,IP:::1";
  X509V3_CTX v3;
  X509V3_set_ctx_nodb(&v3);
  X509V3_set_ctx(&v3, cert.get(), cert.get(), nullptr, nullptr, 0);
  if (X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &v3, NID_subject_alt_name, san.c_str())) {
    X509_add_ext(cert.get(), ext, -1);
    X509_EXTENSION_free(ext);
  }
  if (X509_sign(cert.get(), key.get(), EVP_sha256()) == 0) {
    throw std::runtime_error("cannot sign certificate: " + openssl_error());
  }
  auto ctx = base_context();
  if (SSL_CTX_use_certificate(ctx->native_handle(), cert.get()) != 1 ||
      SSL_CTX_use_PrivateKey(ctx->native_handle(), key.get()) != 1) {
    throw std::runtime_error("cannot install self-signed certificate: " + openssl_error());
  }
  return ctx;
}

}  // namespace mailjar::tls
