// What a handler gets: the request, the services (mailbox, events, send, settings), the path
// parameters the route captured ({ID}, {PartID}, {Tag}) and the router's own small state
// (start time, deletions made). Handlers are free functions `response f(const call&)`; they
// are called concurrently and keep no state of their own.
#pragma once

#include <atomic>
#include <chrono>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "api/http_types.hpp"
#include "api/router.hpp"

namespace mailjar::api {

struct router_state {
  std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();
  std::atomic<std::uint64_t> deleted{0};  // messages deleted through the API (for /info)
};

struct call {
  const request& req;
  const services& svc;
  router_state& state;
  std::map<std::string, std::string> params;

  std::string param(std::string_view name) const {
    auto it = params.find(std::string(name));
    return it == params.end() ? std::string() : it->second;
  }
};

using handler_fn = response (*)(const call&);

}  // namespace mailjar::api
