#include "relay/protocol/reply_parser.hpp"

#include <cstdint>

namespace mailjar::relay {

std::string server_reply::text() const {
  std::string out;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    if (i) out += '\n';
    out += lines[i];
  }
  return out;
}

std::vector<std::string> server_reply::wire_lines() const {
  std::vector<std::string> out;
  const std::string c = std::to_string(code);
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const char sep = i + 1 == lines.size() ? ' ' : '-';
    out.push_back(lines[i].empty() && sep == ' ' ? c : c + sep + lines[i]);
  }
  return out;
}

reply_parser::status reply_parser::fail(std::string why) {
  if (error_.empty()) error_ = std::move(why);
  return status::error;
}

std::size_t reply_parser::discard_buffered() {
  const std::size_t n = buffered();
  buf_.clear();
  pos_ = 0;
  return n;
}

reply_parser::status reply_parser::next(server_reply& out) {
  if (!error_.empty()) return status::error;
  server_reply r;
  std::size_t at = pos_;
  for (;;) {
    const std::size_t lf = buf_.find('\n', at);
    if (lf == std::string::npos) {
      if (buf_.size() - at > limits_.max_line)
        return fail("reply line longer than " + std::to_string(limits_.max_line));
      return status::need_more;
    }
    if (lf + 1 - at > limits_.max_line)
      return fail("reply line longer than " + std::to_string(limits_.max_line));
    std::string_view line(buf_.data() + at, lf - at);
    if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
    at = lf + 1;
    if (line.size() < 3) return fail("malformed reply line");
    for (std::size_t i = 0; i < 3; ++i) {
      if (line[i] < '0' || line[i] > '9') return fail("malformed reply code");
    }
    if (line[0] < '2' || line[0] > '5' || line[1] > '5') return fail("reply code out of range");
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (r.code != 0 && code != r.code) return fail("reply lines with different codes");
    r.code = code;
    bool last = true;
    if (line.size() > 3) {
      if (line[3] == '-') {
        last = false;
      } else if (line[3] != ' ') {
        return fail("malformed reply separator");
      }
    }
    std::string_view text = line.size() > 4 ? line.substr(4) : std::string_view{};
    for (const char ch : text) {
      const auto u = static_cast<std::uint8_t>(ch);
      if ((u < 0x20 && ch != '\t') || u == 0x7f) return fail("control character in reply");
    }
    r.lines.emplace_back(text);
    if (r.lines.size() > limits_.max_lines)
      return fail("reply longer than " + std::to_string(limits_.max_lines) + " lines");
    if (last) break;
  }
  pos_ = at;
  if (pos_ == buf_.size() || pos_ > 64 * 1024) {
    buf_.erase(0, pos_);
    pos_ = 0;
  }
  out = std::move(r);
  return status::reply;
}

}  // namespace mailjar::relay
