#include "api/router.hpp"

#include <exception>
#include <string>

#include "api/errors.hpp"
#include "api/handler_context.hpp"
#include "api/route_table.hpp"

namespace mailjar::api {

struct router::impl {
  explicit impl(services s) : svc(std::move(s)) {}
  services svc;
  mutable router_state state;

  response dispatch(const request& req) const {
    std::string_view path = req.path;
    if (path.size() > 1 && path.back() == '/') path.remove_suffix(1);  // MailHog's routes allow it
    std::string_view method = req.method == "HEAD" ? std::string_view("GET") : std::string_view(req.method);
    std::string allowed;
    for (const auto& r : route_table()) {
      std::map<std::string, std::string> params;
      if (!match_pattern(r.pattern, path, params)) continue;
      if (r.method == method) return r.handler(call{req, svc, state, std::move(params)});
      if (allowed.find(r.method) == std::string::npos)
        allowed += (allowed.empty() ? "" : ", ") + std::string(r.method);
    }
    if (allowed.empty()) return error_response(not_found("404 page not found"));
    if (allowed.find("GET") != std::string::npos) allowed += ", HEAD";
    if (req.method == "OPTIONS") {
      response r = response::text(200, "");
      r.headers.emplace_back("Allow", allowed + ", OPTIONS");
      return r;
    }
    response r = error_response({error_kind::method_not_allowed, "Method not allowed; allowed: " + allowed});
    r.headers.emplace_back("Allow", allowed);
    return r;
  }
};

router::router(services svc) : impl_(std::make_unique<impl>(std::move(svc))) {}
router::~router() = default;

response router::handle(const request& req) const {
  try {
    return impl_->dispatch(req);
  } catch (const std::exception& e) {
    return error_response(store_failure(std::string("internal error: ") + e.what()));
  } catch (...) {
    return error_response(store_failure("internal error"));
  }
}

}  // namespace mailjar::api
