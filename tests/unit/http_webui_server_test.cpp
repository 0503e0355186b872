// The web UI's HTTP side without sockets: which paths are the UI's, the app shell's template
// holes and security headers, embedded files with ETag/gzip, --webui-dir, and the front door
// handing UI paths to it (and everything else to the router).
#include <catch2/catch.hpp>

#include <unistd.h>
#include <filesystem>
#include <fstream>
#include <regex>
#include <string>

#include "app/config.hpp"
#include "http/front_door.hpp"
#include "http/webui_assets.hpp"
#include "http/webui_server.hpp"

using namespace mailjar;
using namespace mailjar::http;

namespace {

api::request get(std::string path, std::map<std::string, std::string> headers = {}) {
  api::request r;
  r.method = "GET";
  r.path = std::move(path);
  r.headers = std::move(headers);
  return r;
}

std::string header(const api::response& r, std::string_view name) {
  for (const auto& [n, v] : r.headers)
    if (n == name) return v;
  return {};
}

std::string nonce_in_csp(const std::string& csp) {
  std::smatch m;
  REQUIRE(std::regex_search(csp, m, std::regex("script-src 'nonce-([A-Za-z0-9+/]+)'")));
  return m[1];
}

struct temp_dir {
  std::filesystem::path path;
  temp_dir() {
    path = std::filesystem::temp_directory_path() / ("mailjar-webui-" + std::to_string(::getpid()) + "-" +
                                                     std::to_string(reinterpret_cast<std::uintptr_t>(this)));
    std::filesystem::create_directories(path / "css");
  }
  ~temp_dir() { std::filesystem::remove_all(path); }
  void write(const std::string& rel, const std::string& text) const { std::ofstream(path / rel) << text; }
};

}  // namespace

TEST_CASE("the embedded UI holds the app shell and its module entry point", "[http][webui]") {
  bool index = false, main_js = false;
  for (const auto& f : embedded_webui_files()) {
    if (std::string_view(f.path) == "/index.html")
      index = f.bytes().find("{{nonce}}") != std::string_view::npos;
    if (std::string_view(f.path) == "/src/main.js") main_js = f.size > 0;
    CHECK(std::string_view(f.path).find(".md") == std::string_view::npos);
  }
  CHECK(index);
  CHECK(main_js);
  CHECK(webui_content_type("/src/main.js") == "text/javascript; charset=utf-8");
  CHECK(webui_content_type("/css/base.css") == "text/css; charset=utf-8");
  CHECK(webui_content_type("/favicon.svg") == "image/svg+xml");
  CHECK(webui_content_type("/x.exe") == "application/octet-stream");
}

TEST_CASE("the app shell answers / and /view/{ID} with a fresh nonce CSP and the webroot", "[http][webui]") {
  webui_server ui({"/mail/", "", [] { return std::string("127.0.0.1:2525"); }});
  for (std::string path : {"/", "/index.html", "/view/AbC123xyz"}) {
    INFO(path);
    auto r = ui.serve(get(path));
    REQUIRE(r);
    CHECK(r->status == 200);
    CHECK(r->content_type == "text/html; charset=utf-8");
    std::string csp = header(*r, "Content-Security-Policy");
    std::string nonce = nonce_in_csp(csp);
    CHECK(nonce.size() == 22);
    CHECK(r->body.find("nonce=\"" + nonce + "\"") != std::string::npos);
    CHECK(r->body.find("{{") == std::string::npos);
    CHECK(r->body.find("<base href=\"/mail/\">") != std::string::npos);
    CHECK(r->body.find("content=\"127.0.0.1:2525\"") != std::string::npos);
    CHECK(csp.find("frame-ancestors 'none'") != std::string::npos);
    CHECK(csp.find("default-src 'none'") != std::string::npos);
    CHECK(csp.find("unsafe-inline") == std::string::npos);
    CHECK(csp.find("unsafe-eval") == std::string::npos);
    CHECK(header(*r, "Referrer-Policy") == "no-referrer");
    CHECK(header(*r, "X-Content-Type-Options") == "nosniff");
    CHECK(header(*r, "Cache-Control") == "no-store");
  }
  auto a = ui.serve(get("/"));
  auto b = ui.serve(get("/"));
  CHECK(nonce_in_csp(header(*a, "Content-Security-Policy")) !=
        nonce_in_csp(header(*b, "Content-Security-Policy")));
}

TEST_CASE("API, mail views, health and odd paths are never the UI's", "[http][webui]") {
  webui_server ui({"/", "", {}});
  for (std::string path : {"/api/v1/messages", "/api/events", "/api", "/view/latest", "/view/AbC.html",
                           "/view/AbC.txt", "/view/AbC/raw", "/view/", "/livez", "/readyz", "/nope.js",
                           "/src/nope.js", "/.hidden", "/src/.x.js", "/src//main.js", "/src/main.js/"}) {
    INFO(path);
    CHECK_FALSE(ui.serve(get(path)));
  }
  api::request post = get("/");
  post.method = "POST";
  CHECK_FALSE(ui.serve(post));
  CHECK(is_webui_shell_path("/view/abc"));
  CHECK_FALSE(is_webui_shell_path("/view/abc.html"));
  CHECK_FALSE(is_webui_shell_path("/view/latest"));
  CHECK_FALSE(is_webui_shell_path("/view/a-b"));
}

TEST_CASE("embedded files: content type, ETag revalidation, gzip when accepted", "[http][webui]") {
  webui_server ui({"/", "", {}});
  auto plain = ui.serve(get("/src/main.js"));
  REQUIRE(plain);
  CHECK(plain->status == 200);
  CHECK(plain->content_type == "text/javascript; charset=utf-8");
  CHECK(plain->body.find("import") != std::string::npos);
  CHECK(header(*plain, "Content-Encoding").empty());
  CHECK(header(*plain, "Cache-Control") == "no-cache");
  std::string etag = header(*plain, "ETag");
  REQUIRE(etag.size() > 2);

  auto again = ui.serve(get("/src/main.js", {{"if-none-match", etag}}));
  REQUIRE(again);
  CHECK(again->status == 304);
  CHECK(again->body.empty());

  auto zipped = ui.serve(get("/src/main.js", {{"accept-encoding", "gzip, br"}}));
  REQUIRE(zipped);
  CHECK(header(*zipped, "Content-Encoding") == "gzip");
  CHECK(zipped->body.size() < plain->body.size());
  CHECK(static_cast<unsigned char>(zipped->body[0]) == 0x1f);

  api::request head = get("/css/base.css");
  head.method = "HEAD";
  auto h = ui.serve(head);
  REQUIRE(h);
  CHECK(h->status == 200);
}

TEST_CASE("the shell loads versioned files that may be cached for good", "[http][webui]") {
  webui_server ui({"/", "", {}});
  auto shell = ui.serve(get("/"));
  REQUIRE(shell);
  std::smatch m;
  REQUIRE(std::regex_search(shell->body, m, std::regex("src=\"(assets/[0-9a-f]{12}/)src/main\\.js\"")));
  const std::string prefix = "/" + m[1].str();
  auto js = ui.serve(get(prefix + "src/main.js"));
  REQUIRE(js);
  CHECK(js->status == 200);
  CHECK(header(*js, "Cache-Control") == "public, max-age=31536000, immutable");
  CHECK(js->body == ui.serve(get("/src/main.js"))->body);
  auto stale = ui.serve(get("/assets/000000000000/src/main.js"));  // a tab from an older build
  REQUIRE(stale);
  CHECK(header(*stale, "Cache-Control") == "no-cache");
  CHECK_FALSE(ui.serve(get(prefix + "src/nope.js")));
  CHECK_FALSE(ui.serve(get("/assets/x")));

  // Every module is preloaded by the shell (or the first load walks the import graph level by level).
  for (const auto& f : embedded_webui_files()) {
    std::string_view p = f.path;
    if (p.rfind("/src/", 0) != 0 || p == "/src/main.js" || p == "/src/prefetch.js") continue;
    INFO(p);
    CHECK(shell->body.find("rel=\"modulepreload\" nonce=\"") != std::string::npos);
    CHECK(shell->body.find("href=\"" + m[1].str() + std::string(p.substr(1)) + "\"") != std::string::npos);
  }
}

TEST_CASE("the --webui-dir flag serves the directory's files, read per request", "[http][webui]") {
  temp_dir d;
  d.write("index.html",
          "<base href=\"{{base}}\"><script nonce=\"{{nonce}}\" src=\"{{assets}}x.js\"></script>{{smtp}}");
  d.write("css/a.css", "body{}");
  webui_server ui({"/", d.path.string(), [] { return std::string("[::1]:25\"<x>"); }});
  auto shell = ui.serve(get("/view/Zz9"));
  REQUIRE(shell);
  CHECK(shell->body.find("<base href=\"/\">") == 0);
  CHECK(shell->body.find("src=\"x.js\"") != std::string::npos);  // no versioned names: files change
  CHECK(shell->body.find("[::1]:25&quot;&lt;x&gt;") != std::string::npos);  // holes are attribute-escaped
  auto css = ui.serve(get("/css/a.css"));
  REQUIRE(css);
  CHECK(css->body == "body{}");
  CHECK(css->content_type == "text/css; charset=utf-8");
  d.write("css/a.css", "body{color:red}");
  CHECK(ui.serve(get("/css/a.css"))->body == "body{color:red}");
  CHECK_FALSE(ui.serve(get("/css/b.css")));
  CHECK_FALSE(ui.serve(get("/src/main.js")));  // not the embedded files
}

TEST_CASE("the front door gives UI paths to the UI and the rest to the router", "[http][webui][front_door]") {
  int routed = 0;
  http_options o;
  o.webroot = "/mail/";
  front_door door(o, "127.0.0.1", nullptr, [&](const api::request&) {
    ++routed;
    return api::response::text(404, "404 page not found");
  });
  auto in = [](std::string target) {
    inbound_request r;
    r.method = "GET";
    r.target = std::move(target);
    r.headers["host"] = "127.0.0.1:8025";
    r.host_headers = 1;
    return r;
  };
  auto shell = door.handle(in("/mail/view/AbC123"));
  CHECK(shell.response.status == 200);
  CHECK(shell.response.body.find("<base href=\"/mail/\">") != std::string::npos);
  CHECK(header(shell.response, "Content-Security-Policy").find("frame-ancestors 'none'") !=
        std::string::npos);
  CHECK(door.handle(in("/mail/src/main.js")).response.status == 200);
  CHECK(routed == 0);
  CHECK(door.handle(in("/mail/api/v1/messages")).response.status == 404);
  CHECK(door.handle(in("/mail/view/latest")).response.status == 404);
  CHECK(door.handle(in("/mail/unknown.js")).response.status == 404);
  CHECK(routed == 3);
}

TEST_CASE("the --webui-dir flag needs a directory holding index.html (flag or MAILJAR_WEBUI_DIR)",
          "[http][webui][config]") {
  temp_dir d;
  d.write("index.html", "x");
  auto ok = app::parse_config({"--webui-dir", d.path.string() + "/"}, {});
  INFO((ok.ok() ? std::string() : ok.error_message()));
  REQUIRE(ok.ok());
  CHECK(ok->webui_dir == d.path.string());  // trailing slash dropped
  auto env = app::parse_config({}, {{"MAILJAR_WEBUI_DIR", d.path.string()}});
  REQUIRE(env.ok());
  CHECK(env->webui_dir == d.path.string());
  CHECK(app::parse_config({}, {})->webui_dir.empty());
  auto bad = app::parse_config({"--webui-dir", (d.path / "css").string()}, {});
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error_message().find("has no index.html") != std::string::npos);
  CHECK(app::help_text().find("--webui-dir DIR") != std::string::npos);
}
