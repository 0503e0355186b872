// Test helpers for the sample corpus in samples/ (path from MAILJAR_SAMPLES_DIR): read one
// .eml file as raw bytes, or list all of them. Throw std::runtime_error when a file is
// missing. Thread-safe (no shared state).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace mailjar::testing {

std::string read_sample(std::string_view file_name);

// File names (not paths) of every samples/*.eml, sorted.
std::vector<std::string> sample_names();

}  // namespace mailjar::testing
