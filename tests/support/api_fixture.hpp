// Test harness for the API handlers: a router over a fake mailbox (or any mailbox), a
// recording event sink and a send function that stores into the same mailbox, plus helpers to
// build requests and parse JSON replies. No listener, no sockets.
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/router.hpp"
#include "support/fake_mailbox.hpp"
#include "support/fake_store.hpp"

namespace mailjar::testing {

class api_fixture {
 public:
  using query_t = std::multimap<std::string, std::string>;

  explicit api_fixture(mailbox* other = nullptr, api::settings cfg = default_settings())
      : target_(other ? *other : box) {
    api::services svc{target_, sink, nullptr, std::move(cfg)};
    svc.send = [this](envelope env, std::string raw) -> result<std::string> {
      if (fail_send) return error{"disk full"};
      sent.emplace_back(env, raw);
      return box.add(std::move(raw), std::move(env));
    };
    router = std::make_unique<api::router>(std::move(svc));
  }

  static api::settings default_settings() {
    api::settings s;
    s.version = "0.1.0";
    s.label = "test box";
    s.webroot = "/";
    s.database_path = "/tmp/mailjar-test.db";
    return s;
  }

  static api::request make(std::string method, std::string path, query_t query = {}, std::string body = {}) {
    api::request r;
    r.method = std::move(method);
    r.path = std::move(path);
    r.query = std::move(query);
    r.has_body = !body.empty();
    r.body = std::move(body);
    r.remote_addr = "127.0.0.1:54321";
    return r;
  }

  api::response call(const api::request& r) { return router->handle(r); }
  api::response get(std::string path, query_t query = {}) {
    return call(make("GET", std::move(path), std::move(query)));
  }
  api::response put(std::string path, std::string body, query_t query = {}) {
    return call(make("PUT", std::move(path), std::move(query), std::move(body)));
  }
  api::response del(std::string path, std::string body = {}, query_t query = {}) {
    return call(make("DELETE", std::move(path), std::move(query), std::move(body)));
  }
  api::response post(std::string path, std::string body) {
    return call(make("POST", std::move(path), {}, std::move(body)));
  }

  // Parses a reply body as JSON; throws (failing the test) when it is not.
  static nlohmann::json json_of(const api::response& r) { return nlohmann::json::parse(r.body); }

  static std::string header(const api::response& r, const std::string& name) {
    for (const auto& [k, v] : r.headers)
      if (k == name) return v;
    return {};
  }

  fake_mailbox box;
  recording_sink sink;
  std::vector<std::pair<envelope, std::string>> sent;
  bool fail_send = false;
  std::unique_ptr<api::router> router;

 private:
  mailbox& target_;
};

}  // namespace mailjar::testing
