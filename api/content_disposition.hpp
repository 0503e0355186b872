// Download headers for bytes taken from mail: an RFC 6266 Content-Disposition whose file name is
// safe in every browser (an ASCII fallback `filename="..."` with quotes, backslashes, controls,
// path separators and non-ASCII replaced, plus `filename*=UTF-8''...` percent-encoded), and the
// choice of Content-Type/disposition for a MIME part so that nothing from a message is ever
// rendered as active content from the app's origin. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace mailjar::api {

// The file name with control characters removed, path separators and reserved characters
// replaced by '_', invalid UTF-8 replaced, leading dots and spaces dropped, at most 200 bytes;
// `fallback` when nothing is left.
std::string safe_file_name(std::string_view name, std::string_view fallback);

// `disposition` is "attachment" or "inline"; `name` is already safe_file_name()d.
std::string content_disposition(std::string_view disposition, std::string_view name);

struct part_delivery {
  std::string content_type;  // what the reply's Content-Type says
  bool inline_ok = false;    // only raster images are shown inline
};

// Decide how a part of type `content_type` (lower-case "type/subtype") with `charset` is served:
// raster images inline with their type; HTML, XML, SVG, scripts and anything unparsable as
// application/octet-stream; everything else with its own type, always as an attachment.
part_delivery deliver_part(std::string_view content_type, std::string_view charset);

}  // namespace mailjar::api
