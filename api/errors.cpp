#include "api/errors.hpp"

namespace mailjar::api {

int status_of(error_kind kind) {
  switch (kind) {
    case error_kind::bad_request:
      return 400;
    case error_kind::not_found:
      return 404;
    case error_kind::method_not_allowed:
      return 405;
    case error_kind::payload_too_large:
      return 413;
    case error_kind::store_failure:
      return 500;
    case error_kind::unavailable:
      return 503;
  }
  return 500;
}

namespace {
const char* default_text(error_kind kind) {
  switch (kind) {
    case error_kind::bad_request:
      return "Bad request";
    case error_kind::not_found:
      return "404 page not found";
    case error_kind::method_not_allowed:
      return "Method not allowed";
    case error_kind::payload_too_large:
      return "Request body too large";
    case error_kind::store_failure:
      return "Internal server error";
    case error_kind::unavailable:
      return "Service unavailable";
  }
  return "Error";
}
}  // namespace

response error_response(const api_error& e) {
  response r = response::text(status_of(e.kind), e.message.empty() ? default_text(e.kind) : e.message);
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

}  // namespace mailjar::api
