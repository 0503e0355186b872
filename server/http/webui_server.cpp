#include "http/webui_server.hpp"

#include <openssl/rand.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "http/gzip.hpp"
#include "http/security.hpp"
#include "http/webui_assets.hpp"

namespace mailjar::http {

namespace {

constexpr std::string_view shell_file = "/index.html";
constexpr std::string_view assets_prefix = "/assets/";

bool is_alnum(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isalnum(c); });
}

// Asset paths are plain: segments of [A-Za-z0-9._-], none starting with a dot. Nothing else can
// name a file, embedded or on disk.
bool plain_asset_path(std::string_view path) {
  if (path.size() < 2 || path.size() > 200 || path.front() != '/') return false;
  std::size_t i = 1;
  while (i <= path.size()) {
    std::size_t end = path.find('/', i);
    if (end == std::string_view::npos) end = path.size();
    std::string_view seg = path.substr(i, end - i);
    if (seg.empty() || seg.front() == '.') return false;
    for (unsigned char c : seg)
      if (!std::isalnum(c) && c != '.' && c != '_' && c != '-') return false;
    i = end + 1;
  }
  return true;
}

std::string etag_of(std::string_view body) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: a change detector, not a security measure
  for (unsigned char c : body) h = (h ^ c) * 1099511628211ull;
  char buf[24];
  std::snprintf(buf, sizeof buf, "\"%016llx\"", static_cast<unsigned long long>(h));
  return buf;
}

std::string new_nonce() {
  std::array<unsigned char, 16> raw{};
  if (RAND_bytes(raw.data(), static_cast<int>(raw.size())) != 1)
    throw std::runtime_error("RAND_bytes failed");
  static constexpr char alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  for (std::size_t i = 0; i < raw.size(); i += 3) {  // base64 without padding (16 bytes: 22 chars)
    std::uint32_t v = raw[i] << 16;
    if (i + 1 < raw.size()) v |= raw[i + 1] << 8;
    if (i + 2 < raw.size()) v |= raw[i + 2];
    out += alphabet[(v >> 18) & 63];
    out += alphabet[(v >> 12) & 63];
    if (i + 1 < raw.size()) out += alphabet[(v >> 6) & 63];
    if (i + 2 < raw.size()) out += alphabet[v & 63];
  }
  return out;
}

// For an HTML attribute value: the template holes sit inside double quotes.
std::string attribute_escape(std::string_view s) {
  std::string out;
  for (char c : s) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      default:
        out += c;
    }
  }
  return out;
}

void replace_all(std::string& s, std::string_view what, std::string_view with) {
  for (std::size_t p = s.find(what); p != std::string::npos; p = s.find(what, p + with.size()))
    s.replace(p, what.size(), with);
}

}  // namespace

bool is_webui_shell_path(std::string_view path) {
  if (path == "/" || path == shell_file) return true;
  constexpr std::string_view view = "/view/";
  if (path.substr(0, view.size()) != view) return false;
  std::string_view id = path.substr(view.size());
  return id.size() <= 64 && is_alnum(id) && id != "latest";
}

std::string webui_server::shell_csp(std::string_view nonce) {
  // Imported modules inherit the nonce of the module that imports them. connect-src 'self'
  // covers ws:/wss: to the same host. frame-src: the mail HTML iframe (/view/{ID}.html, which
  // carries its own sandboxing CSP).
  return "default-src 'none'; script-src 'nonce-" + std::string(nonce) +
         "'; style-src 'self'; img-src 'self' data:; connect-src 'self'; frame-src 'self'; "
         "font-src 'self'; manifest-src 'self'; base-uri 'self'; form-action 'none'; "
         "frame-ancestors 'none'; object-src 'none'";
}

webui_server::webui_server(webui_options opts) : opts_(std::move(opts)) {
  if (!opts_.dir.empty()) return;
  std::string all;
  for (const auto& f : embedded_webui_files()) {
    all += f.path;
    all += f.bytes();
    file e;
    e.body = std::string(f.bytes());
    e.etag = etag_of(e.body);
    e.content_type = std::string(webui_content_type(f.path));
    bool text = e.content_type.rfind("text/", 0) == 0 || e.content_type.find("svg") != std::string::npos ||
                e.content_type.find("json") != std::string::npos;
    if (text && e.body.size() >= 512) {
      if (auto z = gzip_compress(e.body, 9); z && z->size() < e.body.size()) e.gzip = std::move(*z);
    }
    embedded_.emplace(f.path, std::move(e));
  }
  version_ = etag_of(all).substr(1, 12);
}

std::optional<webui_server::file> webui_server::load(const std::string& path) const {
  if (opts_.dir.empty()) {
    auto it = embedded_.find(path);
    if (it == embedded_.end()) return std::nullopt;
    return it->second;
  }
  std::ifstream in(opts_.dir + path, std::ios::binary);
  if (!in) return std::nullopt;
  std::ostringstream ss;
  ss << in.rdbuf();
  if (!in && !in.eof()) return std::nullopt;
  file f;
  f.body = ss.str();
  f.etag = etag_of(f.body);
  f.content_type = std::string(webui_content_type(path));
  return f;
}

api::response webui_server::shell() const {
  auto f = load(std::string(shell_file));
  if (!f) {
    return api::response::text(404, "the web UI is not available: index.html is missing" +
                                        std::string(opts_.dir.empty() ? "" : " from --webui-dir") + "\n");
  }
  std::string nonce = new_nonce();
  std::string body = std::move(f->body);
  replace_all(body, "{{nonce}}", nonce);
  replace_all(body, "{{base}}", attribute_escape(opts_.webroot));
  replace_all(body, "{{assets}}",
              version_.empty() ? std::string() : std::string(assets_prefix.substr(1)) + version_ + "/");
  replace_all(body, "{{smtp}}", attribute_escape(opts_.smtp_address ? opts_.smtp_address() : std::string()));
  api::response r;
  r.content_type = "text/html; charset=utf-8";
  r.body = std::move(body);
  r.headers.emplace_back("Content-Security-Policy", shell_csp(nonce));
  r.headers.emplace_back("X-Frame-Options", "DENY");
  r.headers.emplace_back("Referrer-Policy", "no-referrer");
  r.headers.emplace_back("Cache-Control", "no-store");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  return r;
}

std::optional<api::response> webui_server::serve(const api::request& req) const {
  if (req.method != "GET" && req.method != "HEAD") return std::nullopt;
  const std::string& path = req.path;
  if (is_webui_shell_path(path)) return shell();
  for (std::string_view reserved : {"/api/", "/view/"})
    if (path.rfind(reserved, 0) == 0) return std::nullopt;
  if (path == "/api" || path == "/livez" || path == "/readyz" || !plain_asset_path(path)) return std::nullopt;
  // "/assets/{version}/css/base.css" is "/css/base.css" under a name that changes with the files:
  // cacheable for good when the version is the current one.
  std::string file_path = path;
  bool immutable = false;
  if (path.rfind(assets_prefix, 0) == 0) {
    std::size_t slash = path.find('/', assets_prefix.size());
    if (slash == std::string::npos) return std::nullopt;
    immutable =
        !version_.empty() && path.compare(assets_prefix.size(), slash - assets_prefix.size(), version_) == 0;
    file_path = path.substr(slash);
  }
  auto f = load(file_path);
  if (!f) return std::nullopt;

  api::response r;
  r.headers.emplace_back("ETag", f->etag);
  r.headers.emplace_back("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Vary", "Accept-Encoding");
  r.content_type = f->content_type;
  if (req.header("if-none-match") == f->etag) {
    r.status = 304;
    return r;
  }
  if (!f->gzip.empty() && accepts_gzip(req.header("accept-encoding"))) {
    r.body = std::move(f->gzip);
    r.headers.emplace_back("Content-Encoding", "gzip");
  } else {
    r.body = std::move(f->body);
  }
  return r;
}

std::string_view webui_content_type(std::string_view path) {
  static constexpr std::array<std::pair<std::string_view, std::string_view>, 12> types = {{
      {".html", "text/html; charset=utf-8"},
      {".js", "text/javascript; charset=utf-8"},
      {".mjs", "text/javascript; charset=utf-8"},
      {".css", "text/css; charset=utf-8"},
      {".svg", "image/svg+xml"},
      {".png", "image/png"},
      {".ico", "image/x-icon"},
      {".json", "application/json"},
      {".webmanifest", "application/manifest+json"},
      {".woff2", "font/woff2"},
      {".txt", "text/plain; charset=utf-8"},
      {".map", "application/json"},
  }};
  for (const auto& [ext, type] : types) {
    if (path.size() >= ext.size() && path.substr(path.size() - ext.size()) == ext) return type;
  }
  return "application/octet-stream";
}

}  // namespace mailjar::http
