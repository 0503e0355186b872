// The one error -> HTTP status map of the API. Handlers never pick status codes for failures
// themselves: they return an api_error (kind + reason shown to the user) and error_response()
// turns it into the reply — text/plain with the reason, as Mailpit answers. `outcome<T>` is the
// value-or-api_error that the handler helpers (ID resolution, body decoding, paging) return.
// Plain values; thread-safe.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "api/http_types.hpp"

namespace mailjar::api {

enum class error_kind {
  bad_request,         // 400: malformed JSON, wrong types, bad IDs, bad paging, bad search
  not_found,           // 404: unknown message, part or route
  method_not_allowed,  // 405: the path exists but not for this method
  payload_too_large,   // 413: body or built message beyond the configured limit
  store_failure,       // 500: the mailbox could not do what was asked
  unavailable,         // 503: not ready (readiness probe)
};

struct api_error {
  error_kind kind = error_kind::bad_request;
  std::string message;
};

int status_of(error_kind kind);

// text/plain reply with the reason (a default text when the reason is empty), no-store and
// nosniff, so an error body is never cached or sniffed into something else.
response error_response(const api_error& e);

inline api_error bad_request(std::string why) { return {error_kind::bad_request, std::move(why)}; }
inline api_error not_found(std::string why = "Message not found") {
  return {error_kind::not_found, std::move(why)};
}
inline api_error store_failure(std::string why) { return {error_kind::store_failure, std::move(why)}; }

// A mailbox call failed: the mailbox port reports an unparsable search and a store failure the
// same way, so a failure of a call that carried a search is the user's 400, otherwise a 500.
inline api_error mailbox_error(std::string why, bool had_search) {
  return {had_search ? error_kind::bad_request : error_kind::store_failure, std::move(why)};
}

template <class T>
class outcome {
 public:
  outcome(T value) : v_(std::move(value)) {}  // NOLINT(google-explicit-constructor)
  outcome(api_error e) : v_(std::move(e)) {}  // NOLINT(google-explicit-constructor)
  bool ok() const { return v_.index() == 0; }
  T& value() { return std::get<0>(v_); }
  const T& value() const { return std::get<0>(v_); }
  T& operator*() { return value(); }
  const T& operator*() const { return value(); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  const api_error& error() const { return std::get<1>(v_); }
  response error_reply() const { return error_response(error()); }

 private:
  std::variant<T, api_error> v_;
};

}  // namespace mailjar::api
