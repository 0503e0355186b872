#include "smtp/protocol/data_reader.hpp"

#include <algorithm>
#include <cstring>

namespace mailjar::smtp {

namespace {
constexpr std::uint64_t trust_declared_after = 1u << 20;  // bytes received before SIZE= is believed
}  // namespace

void data_reader::reset(std::uint64_t max_size, std::uint64_t expected_size) {
  *this = data_reader{};
  max_size_ = max_size;
  expected_ = std::min(expected_size, max_size);
}

void data_reader::emit(const char* p, std::size_t n, std::string& out) {
  if (n == 0) return;
  size_ += n;
  if (too_big_) return;
  if (size_ > max_size_) {
    too_big_ = true;
    std::string().swap(out);  // drop what was buffered: the message will be refused
    return;
  }
  if (out.capacity() - out.size() < n) {
    std::uint64_t want = out.size() + n;
    if (size_ >= trust_declared_after && expected_ > want) {
      want = expected_ + expected_ / 64;  // SIZE= is an estimate: a little slack
    } else {
      want = std::max<std::uint64_t>(want, out.capacity() + out.capacity() / 2);
    }
    out.reserve(static_cast<std::size_t>(std::min<std::uint64_t>(want, max_size_)));
  }
  out.append(p, n);
}

data_reader::progress data_reader::feed(std::string_view in, std::string& out) {
  const char* const b = in.data();
  const std::size_t n = in.size();
  std::size_t i = 0;
  std::size_t run = 0;  // start of the bytes not yet appended to `out`

  while (i < n) {
    switch (pos_) {
      case position::line_start:
        if (b[i] == '.') {
          emit(b + run, i - run, out);
          run = ++i;  // the dot is withheld: terminator or stuffing, dropped either way
          pos_ = position::dot;
        } else {
          pos_ = position::mid_line;
          prev_cr_ = false;
        }
        break;

      case position::dot:
        if (b[i] == '\r') {
          run = ++i;
          pos_ = position::dot_cr;
        } else {
          pos_ = position::mid_line;  // a stuffed dot: dropped, the byte is processed as data
          prev_cr_ = false;
        }
        break;

      case position::dot_cr:
        if (b[i] == '\n') return {i + 1, true};  // <CRLF>.<CRLF>
        // ".\r" then not LF: the dot was stuffing, the CR is a bare CR of the data.
        emit("\r", 1, out);
        bare_ = true;
        pos_ = position::mid_line;
        prev_cr_ = false;
        break;

      case position::mid_line: {
        const auto* lf = static_cast<const char*>(std::memchr(b + i, '\n', n - i));
        const std::size_t end = lf ? static_cast<std::size_t>(lf - b) : n;  // [i, end) is line text
        if (prev_cr_ && end > i) bare_ = true;  // previous chunk ended in CR, no LF follows
        if (!bare_ && end > i + 1) {
          // Any CR before the last byte of the run is followed by something other than LF.
          if (std::memchr(b + i, '\r', end - i - 1) != nullptr) bare_ = true;
        }
        if (!lf) {
          prev_cr_ = b[n - 1] == '\r';
          i = n;
          break;
        }
        const bool crlf = end > i ? b[end - 1] == '\r' : prev_cr_;
        prev_cr_ = false;
        i = end + 1;
        if (crlf) {
          pos_ = position::line_start;
        } else {
          bare_ = true;  // bare LF: never a line start for dot handling or the terminator
        }
        break;
      }
    }
  }
  emit(b + run, n - run, out);
  return {n, false};
}

}  // namespace mailjar::smtp
