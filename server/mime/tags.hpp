// Message tags from X-Tags header values: comma separated, trimmed, empty ones dropped,
// de-duplicated case-insensitively (ASCII) keeping the first spelling. Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailjar::mime {

inline constexpr std::size_t max_tags = 100;

std::vector<std::string> split_tags(const std::vector<std::string>& header_values);

}  // namespace mailjar::mime
