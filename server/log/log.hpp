// One log line per event, key=value, to stderr: `ts=... level=info event=... session=...`.
// Values with spaces, quotes or control characters are quoted and escaped, so a hostile client
// can never forge a log line. Thread-safe (one write(2)-sized line at a time).
#pragma once

#include <string>
#include <string_view>

namespace mailjar::log {

enum class level { debug, info, warn, error };

void set_verbose(bool verbose);  // debug lines shown only when verbose
bool verbose();

// Builder: log::line(level::info, "listening").kv("addr", a).emit();
class line {
 public:
  line(level lv, std::string_view event);
  line& kv(std::string_view key, std::string_view value);
  line& kv(std::string_view key, long long value);
  void emit();

 private:
  level level_;
  std::string text_;
};

std::string quote(std::string_view value);

}  // namespace mailjar::log
