// Streaming Content-Transfer-Encoding decoder (GMime's basic filters): base64,
// quoted-printable and uuencode; 7bit/8bit/binary/""/unknown values pass bytes through.
// Feed the still-encoded content in chunks of any size; output is appended to a string.
// One instance per stream; not thread-safe.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

namespace mailjar::mime {

// Canonical spelling of a Content-Transfer-Encoding header value: trimmed, lower-case.
std::string canonical_transfer_encoding(std::string_view header_value);

// Chunk size for feeding encoded content. The parser (sizes, checksums) and the store's part
// reader (downloads) feed the same boundaries, so even input whose decoding depends on the
// chunking (malformed uuencode, through GMime's filter) decodes to the same bytes in both.
inline constexpr std::size_t decode_chunk_bytes = 64 * 1024;

class transfer_decoder {
 public:
  explicit transfer_decoder(std::string_view transfer_encoding);
  ~transfer_decoder();
  transfer_decoder(const transfer_decoder&) = delete;
  transfer_decoder& operator=(const transfer_decoder&) = delete;

  // Decodes the next chunk and appends the result to `out`.
  void feed(std::string_view chunk, std::string& out);
  // Flushes what the decoder still holds into `out`. Base64 that ends without its '='
  // padding is completed (as mail clients do) so its last bytes are not lost.
  void finish(std::string& out);

  // True when base64 content held characters outside the base64 alphabet (they are
  // skipped, as mail clients do).
  bool saw_invalid_input() const { return invalid_input_; }
  bool is_identity() const { return filter_ == nullptr; }

 private:
  struct filter;
  void run_filter(std::string_view bytes, std::string& out);

  std::unique_ptr<filter> filter_;
  std::string scratch_;  // GMime's filter API takes a mutable input buffer
  // uuencode: GMime's uudecode filter takes a CR as the next line's length octet when a chunk
  // ends after it (and CRLF attachments lost their tail), so it gets whole lines without CRs;
  // the partial last line waits here for the next chunk (or finish()).
  bool uuencode_ = false;
  std::string partial_line_;
  bool base64_ = false;
  bool invalid_input_ = false;
  bool saw_padding_ = false;        // base64 '=' seen
  unsigned long long quantum_ = 0;  // base64 alphabet characters seen (mod 4 matters)
};

}  // namespace mailjar::mime
