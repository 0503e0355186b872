#include "mime/warning_list.hpp"

#include <algorithm>

#include "mime/charset.hpp"
#include "mime/text_util.hpp"

namespace mailjar::mime {

void warning_list::add(std::string text) {
  if (text.size() > max_length) text = std::string(truncate_utf8(text, max_length)) + "...";
  sanitize_utf8_in_place(text);
  if (std::find(items_.begin(), items_.end(), text) != items_.end()) return;
  if (items_.size() < max_warnings) {
    items_.push_back(std::move(text));
  } else if (dropped_++ == 0) {
    items_.back() = "more warnings omitted";
  }
}

}  // namespace mailjar::mime
