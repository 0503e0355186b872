// Strict parser for SMTP server replies (RFC 5321 4.2), client side, sans I/O.
// A reply is one or more lines "ddd-text" ... "ddd text" (or a bare "ddd"), every line with the
// same code, the first digit 2-5, each line ended by CRLF (a lone LF is tolerated, a stray CR or
// NUL inside a line is not). Line length and line count are bounded; anything else is a
// protocol error that ends the session. Bytes are buffered until a whole reply is present.
// One parser per connection; not thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace mailjar::relay {

struct server_reply {
  int code = 0;                                 // 220, 250, 354, 421, 550, ...
  std::vector<std::string> lines;               // text of each line, without "ddd-" and CRLF
  int kind() const { return code / 100; }       // 2, 3, 4 or 5
  std::string text() const;                     // lines joined with "\n"
  std::vector<std::string> wire_lines() const;  // "250-first", "250 last" (for the transcript)
};

struct reply_limits {
  std::size_t max_line = 1000;  // octets incl. CRLF: RFC 5321 allows 512; real servers exceed it a bit
  std::size_t max_lines = 100;  // lines in one reply (EHLO replies have ~10)
};

class reply_parser {
 public:
  enum class status { need_more, reply, error };

  explicit reply_parser(reply_limits limits = {}) : limits_(limits) {}

  void feed(std::string_view bytes) { buf_.append(bytes); }
  // Extracts the next complete reply into `out`; on error, error() says why (sticky).
  status next(server_reply& out);
  const std::string& error() const { return error_; }

  // Drops everything buffered (after the 220 to STARTTLS). Returns how many octets it dropped.
  std::size_t discard_buffered();
  std::size_t buffered() const { return buf_.size() - pos_; }

 private:
  status fail(std::string why);

  reply_limits limits_;
  std::string buf_;
  std::size_t pos_ = 0;  // start of the unparsed part of buf_
  std::string error_;
};

}  // namespace mailjar::relay
