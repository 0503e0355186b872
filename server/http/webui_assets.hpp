// The web UI's files (webui/), embedded into the binary at build time by
// cmake/embed_webui.cmake, which generates the definition of embedded_webui_files().
// Paths start with "/" and are relative to webui/ ("/index.html", "/src/main.js").
// Immutable static data: safe to read from any thread.
#pragma once

#include <cstddef>
#include <span>
#include <string_view>

namespace mailjar::http {

struct embedded_file {
  const char* path;
  const unsigned char* data;
  std::size_t size;

  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

std::span<const embedded_file> embedded_webui_files();

// Content-Type for a UI file name by its extension ("application/octet-stream" if unknown).
std::string_view webui_content_type(std::string_view path);

}  // namespace mailjar::http
