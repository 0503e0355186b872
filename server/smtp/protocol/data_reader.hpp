// The DATA phase reader (RFC 5321 4.1.1.4, 4.5.2): finds the end of data, undoes dot-stuffing,
// counts the size and notices bare CR / bare LF. End of data is ONLY <CRLF>.<CRLF> (or ".CRLF"
// as the very first line); bare CR or LF never ends a message (SMTP smuggling). Bytes are kept
// exactly as received otherwise. Once the message exceeds max_size the output is released and
// nothing more is buffered, but the reader keeps scanning for the end of data.
// Scans with memchr and appends whole runs; the caller owns input and output. Not thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace mailjar::smtp {

class data_reader {
 public:
  struct progress {
    std::size_t consumed = 0;  // bytes of `in` used, including the terminator when done
    bool done = false;         // the end of data was found
  };

  // Starts a new message. `expected_size` is the client's MAIL ... SIZE= (0: none). The output
  // grows by half its capacity at a time; once a megabyte has really arrived, it is reserved
  // at the declared size at once (capped by max_size), so a big message is not copied from a
  // buffer into one twice its size at the end (peak memory stays near the message's size).
  void reset(std::uint64_t max_size, std::uint64_t expected_size = 0);

  // Consumes bytes up to and including the end-of-data line, appending message bytes (after
  // dot-unstuffing, without the final ".CRLF") to `out`. Input may be split anywhere.
  progress feed(std::string_view in, std::string& out);

  std::uint64_t size() const { return size_; }      // message bytes seen so far
  bool too_big() const { return too_big_; }         // size() exceeded max_size
  bool bare_line_endings() const { return bare_; }  // a CR or LF not part of a CRLF

 private:
  enum class position {
    line_start,  // start of data or right after CRLF
    mid_line,    // anywhere else
    dot,         // line start, then '.' (withheld)
    dot_cr,      // line start, then ".\r" (both withheld)
  };

  void emit(const char* p, std::size_t n, std::string& out);

  position pos_ = position::line_start;
  bool prev_cr_ = false;  // mid_line: the last byte consumed was a CR
  bool bare_ = false;
  bool too_big_ = false;
  std::uint64_t size_ = 0;
  std::uint64_t max_size_ = UINT64_MAX;
  std::uint64_t expected_ = 0;
};

}  // namespace mailjar::smtp
