#include "support/samples.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace mailjar::testing {

std::string read_sample(std::string_view file_name) {
  const std::filesystem::path path = std::filesystem::path(MAILJAR_SAMPLES_DIR) / file_name;
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error("cannot open sample " + path.string());
  std::ostringstream buf;
  buf << in.rdbuf();
  return buf.str();
}

std::vector<std::string> sample_names() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(MAILJAR_SAMPLES_DIR)) {
    if (entry.is_regular_file() && entry.path().extension() == ".eml")
      names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

}  // namespace mailjar::testing
