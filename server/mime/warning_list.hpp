// Collects parse warnings for one message: de-duplicated, in first-seen order, capped so a
// hostile message cannot grow the list without bound. Not thread-safe (one per parse).
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace mailjar::mime {

class warning_list {
 public:
  static constexpr std::size_t max_warnings = 50;
  static constexpr std::size_t max_length = 300;  // bytes per warning (cut on a UTF-8 boundary)

  void add(std::string text);
  std::vector<std::string> take() { return std::move(items_); }
  const std::vector<std::string>& items() const { return items_; }

 private:
  std::vector<std::string> items_;
  std::size_t dropped_ = 0;
};

}  // namespace mailjar::mime
