#include "mime/entity_lines.hpp"

namespace mailjar::mime {
namespace {

bool starts_with_content_type(std::string_view line) {
  static constexpr std::string_view name = "content-type";
  if (line.size() < name.size()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    char c = line[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != name[i]) return false;
  }
  return true;
}

}  // namespace

std::size_t count_entity_lines(std::string_view raw, std::size_t stop_after) {
  std::size_t count = 0;
  for (std::size_t at = 0; at < raw.size() && count <= stop_after;) {
    const std::string_view rest = raw.substr(at);
    if (rest.starts_with("--") || starts_with_content_type(rest)) ++count;
    const std::size_t lf = raw.find('\n', at);
    if (lf == std::string_view::npos) break;
    at = lf + 1;
  }
  return count;
}

}  // namespace mailjar::mime
