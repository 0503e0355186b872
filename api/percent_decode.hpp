// Percent-decoding (RFC 3986 §2.1) for request targets and cid: references. Pure.
// A '%' not followed by two hex digits is an error when `strict` (the result is nullopt) and is
// kept as it stands otherwise. With `plus_is_space` (query components) '+' decodes to a space.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mailjar::api {

struct percent_options {
  bool strict = true;
  bool plus_is_space = false;
};

std::optional<std::string> percent_decode(std::string_view in, percent_options options = {});

}  // namespace mailjar::api
