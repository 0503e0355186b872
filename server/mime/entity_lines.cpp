#include "mime/entity_lines.hpp"

#include "mime/text_util.hpp"

namespace mailjar::mime {

std::size_t count_entity_lines(std::string_view raw, std::size_t stop_after) {
  std::size_t count = 0;
  for (std::size_t at = 0; at < raw.size() && count <= stop_after;) {
    const std::string_view rest = raw.substr(at);
    if (rest.starts_with("--") || starts_with_ascii_ci(rest, "content-type")) ++count;
    const std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) break;
    at = lf + 1;
  }
  return count;
}

}  // namespace mailjar::mime
