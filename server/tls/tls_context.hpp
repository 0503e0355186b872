// Server TLS contexts for STARTTLS and the implicit-TLS listener: from PEM files, or with a
// self-signed certificate (EC P-256, SAN localhost/127.0.0.1/::1/<hostname>) generated in memory
// at start-up. Start-up code: throws std::runtime_error with a clear reason. The context is
// shared read-only by every session afterwards.
#pragma once

#include <boost/asio/ssl/context.hpp>
#include <memory>
#include <string>

namespace mailjar::tls {

std::shared_ptr<boost::asio::ssl::context> server_context_from_files(const std::string& cert_file,
                                                                     const std::string& key_file);
std::shared_ptr<boost::asio::ssl::context> server_context_self_signed(const std::string& hostname);

}  // namespace mailjar::tls
