// The web UI's HTTP side. serve() answers a GET/HEAD that belongs to the UI and returns nullopt
// for everything else (the API router answers those):
//   - the app shell (index.html) for "/", "/index.html" and the client-side route "/view/{ID}";
//   - the UI's files by path ("/src/main.js", "/css/app.css", "/favicon.svg"), also under
//     "/assets/{version}/..." where version is a hash of the embedded files: the shell refers to
//     them there, so browsers may cache them for good (a new build has a new version).
// /api/..., /view/{ID}.html|.txt, /view/latest, /livez and /readyz are never the UI's.
// The shell is a template with four holes, filled per response: {{nonce}} (a fresh CSP nonce),
// {{base}} (the --webroot, for <base href>, so every URL in the UI is relative to it),
// {{assets}} ("assets/{version}/", or "" with --webui-dir) and {{smtp}} (the SMTP listener
// address, for the example commands of the empty state). The shell
// is sent with a nonce CSP (frame-ancestors 'none'), no-referrer and no-store; files with an
// ETag and Cache-Control: no-cache (immutable under the current /assets/{version}/), gzip-
// compressed once at start-up when embedded.
// Files come from the table embedded at build time (webui_assets.hpp), or, with --webui-dir,
// from that directory, read on every request (for UI development).
// Thread-safe: immutable after construction; serve() runs concurrently on HTTP worker threads.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>

#include "api/http_types.hpp"

namespace mailjar::http {

struct webui_options {
  std::string webroot = "/";                  // normalised: "/" or "/prefix/"
  std::string dir;                            // --webui-dir; "" = the embedded files
  std::function<std::string()> smtp_address;  // "ip:port" of the SMTP listener; may be empty
};

class webui_server {
 public:
  explicit webui_server(webui_options opts);

  // `req.path` is decoded, normalised and stripped of the webroot (as the front door makes it).
  std::optional<api::response> serve(const api::request& req) const;

  // The Content-Security-Policy of the app shell for a nonce.
  static std::string shell_csp(std::string_view nonce);

 private:
  struct file {
    std::string body;
    std::string gzip;  // "" when not worth it or not precompressed
    std::string etag;
    std::string content_type;
  };
  std::optional<file> load(const std::string& path) const;
  api::response shell() const;

  webui_options opts_;
  std::map<std::string, file, std::less<>> embedded_;
  std::string version_;  // of the embedded files (a content hash); "" when serving a directory
};

// Whether a path is the client-side route of the app shell: "/", "/index.html", "/view/{ID}".
bool is_webui_shell_path(std::string_view path);

}  // namespace mailjar::http
