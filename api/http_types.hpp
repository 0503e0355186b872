// HTTP as the API handlers see it: plain values, no sockets, no Beast. The HTTP adapter
// (server/http) builds an api::request from the wire — target already percent-decoded,
// normalised and stripped of --webroot, security checks already passed — and writes back the
// api::response. Handlers are therefore unit-testable with no listener.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mailjar::api {

struct request {
  std::string method;                            // upper-case: GET, POST, PUT, DELETE, HEAD, OPTIONS
  std::string path;                              // decoded, normalised, starts with "/", no webroot
  std::multimap<std::string, std::string> query; // decoded query parameters
  std::map<std::string, std::string> headers;    // lower-case names
  std::string body;
  bool has_body = false;                         // a body was sent (Content-Length > 0 or chunked)
  std::string remote_addr;                       // "ip:port"

  std::optional<std::string> param(std::string_view name) const {
    auto it = query.find(std::string(name));
    if (it == query.end()) return std::nullopt;
    return it->second;
  }
  std::string header(std::string_view lower_name) const {
    auto it = headers.find(std::string(lower_name));
    return it == headers.end() ? std::string() : it->second;
  }
};

struct response {
  int status = 200;
  std::string content_type = "text/plain; charset=utf-8";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers (Content-Disposition, ...)
  std::string body;

  static response text(int status, std::string body) {
    response r;
    r.status = status;
    r.body = std::move(body);
    return r;
  }
};

}  // namespace mailjar::api
