#include "log/log.hpp"

#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <mutex>

namespace mailjar::log {

namespace {
std::atomic<bool> verbose_flag{false};
std::mutex write_mutex;

const char* level_name(level lv) {
  switch (lv) {
    case level::debug:
      return "debug";
    case level::info:
      return "info";
    case level::warn:
      return "warn";
    case level::error:
      return "error";
  }
  return "info";
}

std::string timestamp() {
  using namespace std::chrono;
  auto now = system_clock::now();
  auto ms = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::time_t t = system_clock::to_time_t(now);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, static_cast<int>(ms));
  return buf;
}
}  // namespace

void set_verbose(bool v) { verbose_flag = v; }
bool verbose() { return verbose_flag; }

std::string quote(std::string_view value) {
  bool plain = !value.empty();
  for (unsigned char c : value) {
    if (c <= ' ' || c == '"' || c == '=' || c == '\\' || c >= 0x7f) {
      plain = false;
      break;
    }
  }
  if (plain) return std::string(value);
  std::string out = "\"";
  for (unsigned char c : value) {
    if (c == '"' || c == '\\') {
      out.push_back('\\');
      out.push_back(static_cast<char>(c));
    } else if (c < ' ' || c == 0x7f) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\x%02x", c);
      out += buf;
    } else {
      out.push_back(static_cast<char>(c));  // UTF-8 passes through
    }
  }
  out.push_back('"');
  return out;
}

line::line(level lv, std::string_view event) : level_(lv) {
  text_.reserve(160);
  text_ += "ts=";
  text_ += timestamp();
  text_ += " level=";
  text_ += level_name(lv);
  text_ += " event=";
  text_ += quote(event);
}

line& line::kv(std::string_view key, std::string_view value) {
  text_.push_back(' ');
  text_.append(key);
  text_.push_back('=');
  text_ += quote(value);
  return *this;
}

line& line::kv(std::string_view key, long long value) {
  text_.push_back(' ');
  text_.append(key);
  text_.push_back('=');
  text_ += std::to_string(value);
  return *this;
}

void line::emit() {
  if (level_ == level::debug && !verbose()) return;
  text_.push_back('\n');
  std::lock_guard lock(write_mutex);
  std::size_t off = 0;
  while (off < text_.size()) {
    ssize_t n = ::write(STDERR_FILENO, text_.data() + off, text_.size() - off);
    if (n <= 0) break;
    off += static_cast<std::size_t>(n);
  }
}

}  // namespace mailjar::log
