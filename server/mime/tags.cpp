#include "mime/tags.hpp"

#include <algorithm>

#include "mime/text_util.hpp"

namespace mailjar::mime {

std::vector<std::string> split_tags(const std::vector<std::string>& header_values) {
  std::vector<std::string> tags;
  std::vector<std::string> seen;  // lower-case forms
  for (const std::string& value : header_values) {
    std::string_view rest = value;
    while (!rest.empty() && tags.size() < max_tags) {
      const std::size_t comma = rest.find(',');
      std::string tag = collapse_whitespace(rest.substr(0, comma));
      rest = comma == std::string_view::npos ? std::string_view{} : rest.substr(comma + 1);
      if (tag.empty()) continue;
      std::string key = ascii_lower(tag);
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) continue;
      seen.push_back(std::move(key));
      tags.push_back(std::move(tag));
    }
  }
  return tags;
}

}  // namespace mailjar::mime
