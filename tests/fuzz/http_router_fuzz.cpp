// libFuzzer target http_router: one HTTP request, written as text, through what the HTTP
// adapter does with it after the wire — api::parse_target (decoding, normalisation, webroot)
// then api::router::handle — against a real store holding five sample messages with fixed IDs
// (sample_store; the IDs and API paths are in dict/http_router.dict).
//
// Input: "METHOD TARGET[ HTTP/1.1]\n" then "Name: value\n" header lines, an empty line, and the
// body (the rest). LF or CRLF. Without a newline the whole input is the request line.
//
// Invariants (each aborts with an explanation):
//  - nothing crashes; parse_target refuses with 400/404/308 only, and a path it accepts starts
//    with "/", is valid UTF-8 and holds no control character, backslash, "//" or ".." segment;
//  - the status is a real HTTP status, and never 5xx: garbage from a client is a 4xx;
//  - a JSON reply parses as JSON; no header name or value (nor the content type) holds CR, LF
//    or NUL.
// Inputs may change the mailbox (read flags, tags, deletions, /send); when the list of messages
// (ids, read flags, tags) differs afterwards the samples are restored, so every input starts
// from the same state.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "api/request_target.hpp"
#include "api/router.hpp"
#include "fuzz_check.hpp"
#include "sample_store.hpp"

using namespace mailjar;
using mailjar::fuzz::printable;

namespace {

class null_sink final : public event_sink {
 public:
  void message_added(const message_summary&) override {}
  void read_changed(const std::vector<std::string>&, bool) override {}
  void tags_changed(const std::string&, const std::vector<std::string>&) override {}
  void deleted(const std::vector<std::string>&) override {}
  void truncated() override {}
  void pruned() override {}
};

struct fixture {
  fuzz::sample_store samples;
  null_sink sink;
  std::unique_ptr<api::router> router;
  std::string baseline;
  std::uint64_t sent = 0;

  fixture() {
    api::settings s;
    s.version = "0.1.0";
    s.label = "fuzz";
    s.webroot = "/";
    s.database_path = samples.db_path();
    s.max_message_size = 1 << 20;
    api::services svc{samples.store(), sink, nullptr, s};
    svc.send = [this](envelope, std::string raw) -> result<std::string> {
      std::string n = std::to_string(++sent);
      return samples.add("FuzzSent" + std::string(14 - n.size(), '0') + n, std::move(raw), 1'800'000'000'000);
    };
    router = std::make_unique<api::router>(std::move(svc));
    baseline = state();
  }

  // What inputs may change: which messages exist, their read flags and tags.
  std::string state() {
    page_request all;
    all.limit = 1000;
    auto page = samples.store().list(all);
    if (!page.ok()) std::abort();
    std::string s;
    for (const auto& m : page->messages) {
      s += m.uid + (m.read ? " r" : " u");
      for (const auto& t : m.tags) s += " " + t;
      s += "\n";
    }
    for (const auto& t : samples.store().tags()) s += "tag " + t + "\n";
    return s;
  }
};

fixture& the_fixture() {
  static fixture* f = new fixture();  // never destroyed: libFuzzer exits without unwinding
  return *f;
}

std::string_view next_line(std::string_view& in) {
  const auto lf = in.find('\n');
  std::string_view line = in.substr(0, lf);
  in = lf == std::string_view::npos ? std::string_view() : in.substr(lf + 1);
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

bool has_crlf_nul(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

void check_target(const api::parsed_target& t, std::string_view target) {
  if (!t.ok()) {
    FUZZ_CHECK(t.status == 400 || t.status == 404 || t.status == 308, "parse_target status",
               std::to_string(t.status));
    return;
  }
  const std::string& p = t.path;
  FUZZ_CHECK(!p.empty() && p[0] == '/', "accepted path does not start with /", printable(target));
  FUZZ_CHECK(fuzz::valid_utf8(p), "accepted path is not UTF-8", printable(target), printable(p));
  for (const char c : p) {
    const auto u = static_cast<unsigned char>(c);
    FUZZ_CHECK(u >= 0x20 && u != 0x7f && c != '\\', "accepted path holds a control byte or backslash",
               printable(target), printable(p));
  }
  FUZZ_CHECK(p.find("//") == std::string::npos, "accepted path holds //", printable(target), printable(p));
  const std::string padded = p + "/";
  FUZZ_CHECK(padded.find("/../") == std::string::npos && padded.find("/./") == std::string::npos,
             "accepted path holds a dot segment", printable(target), printable(p));
  for (const auto& [k, v] : t.query) {
    FUZZ_CHECK(fuzz::valid_utf8(k) && fuzz::valid_utf8(v), "query parameter is not UTF-8", printable(target));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  fixture& fx = the_fixture();
  std::string_view in(reinterpret_cast<const char*>(data), size);

  const std::string_view request_line = next_line(in);
  const auto sp = request_line.find(' ');
  if (sp == std::string_view::npos || sp == 0 || sp > 16) return 0;
  const std::string_view method = request_line.substr(0, sp);
  std::string_view target = request_line.substr(sp + 1);
  if (const auto v = target.rfind(" HTTP/"); v != std::string_view::npos) target = target.substr(0, v);
  for (const char c : method)
    if (c < 'A' || c > 'Z') return 0;  // the HTTP adapter only hands over token methods; ours are upper-case

  const api::parsed_target t = api::parse_target(target, "/");
  check_target(t, target);
  if (!t.ok()) return 0;

  api::request req;
  req.method = std::string(method);
  req.path = t.path;
  req.query = t.query;
  req.remote_addr = "127.0.0.1:40000";
  while (!in.empty()) {
    const std::string_view line = next_line(in);
    if (line.empty()) break;
    const auto colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    std::string name(line.substr(0, colon));
    for (auto& c : name) c = static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c);
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    req.headers[name] = std::string(value);
  }
  req.body = std::string(in);
  req.has_body = !req.body.empty();

  const api::response r = fx.router->handle(req);
  const std::string what = req.method + " " + printable(target);
  FUZZ_CHECK(r.status >= 100 && r.status <= 599, "not an HTTP status", what, std::to_string(r.status));
  FUZZ_CHECK(r.status < 500, "5xx for a client request", what, std::to_string(r.status), printable(r.body));
  FUZZ_CHECK(!has_crlf_nul(r.content_type), "content type with CR/LF/NUL", what);
  for (const auto& [k, v] : r.headers) {
    FUZZ_CHECK(!has_crlf_nul(k) && !has_crlf_nul(v), "response header with CR/LF/NUL", what, printable(k),
               printable(v));
  }
  if (r.content_type.rfind("application/json", 0) == 0) {
    FUZZ_CHECK(nlohmann::json::accept(r.body), "JSON reply does not parse", what, printable(r.body));
  }

  if (fx.state() != fx.baseline) {
    fx.samples.reset();
    FUZZ_CHECK(fx.state() == fx.baseline, "the samples could not be restored");
  }
  return 0;
}
