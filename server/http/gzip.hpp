// gzip (RFC 1952) compression of response bodies through zlib. Pure function; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailjar::http {

// Compressed bytes, or nullopt if zlib failed (callers then send the body uncompressed).
std::optional<std::string> gzip_compress(std::string_view data, int level = 6);

}  // namespace mailjar::http
