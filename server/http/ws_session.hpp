// One WebSocket connection after the HTTP upgrade (Beast): accepts the handshake with the
// request the HTTP session read, joins the ws_hub, writes the frames the hub offers from a
// bounded queue (full: the hub drops the client), reads and discards what the client sends
// (bounded), and answers/sends pings (idle timeout). Lives on the connection's strand; offer()
// and drop() may be called from any thread. Only http_server.cpp includes this header.
#pragma once

#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/string_body.hpp>
#include <boost/beast/ssl/ssl_stream.hpp>
#include <memory>
#include <string>

#include "http/http_options.hpp"
#include "http/ws_hub.hpp"

namespace mailjar::http {

struct ws_context {
  std::shared_ptr<ws_hub> hub;
  ws_flavour flavour = ws_flavour::mailpit;
  http_options opts;
  std::string session_id;
  std::string peer;
  std::shared_ptr<void> slot;  // the connection's place under max_connections, held until closed
};

using ws_request = boost::beast::http::request<boost::beast::http::string_body>;

void run_ws_session(boost::beast::tcp_stream stream, ws_request req, ws_context ctx);
void run_ws_session(boost::beast::ssl_stream<boost::beast::tcp_stream> stream, ws_request req,
                    ws_context ctx);

}  // namespace mailjar::http
