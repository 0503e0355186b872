// TCP endpoints shared by the Asio adapters (SMTP and HTTP listeners, the relay client).
// endpoint_text prints "127.0.0.1:2525" or "[::1]:2525", an IPv4-mapped IPv6 address as IPv4.
// open_listener resolves "ADDR:PORT" (numeric port; an IPv6 address may be bracketed) and returns
// an acceptor bound with SO_REUSEADDR and listening, or throws std::runtime_error with one line
// that names the address (start-up prints it and exits). Call on any thread before `io` runs.
#pragma once

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <string>

namespace mailjar::net {

std::string endpoint_text(const boost::asio::ip::tcp::endpoint& ep);

boost::asio::ip::tcp::acceptor open_listener(boost::asio::io_context& io, const std::string& host_port);

}  // namespace mailjar::net
