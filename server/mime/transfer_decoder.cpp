#include "mime/transfer_decoder.hpp"

#include <cstdint>

#include "mime/gmime_support.hpp"
#include "mime/text_util.hpp"

namespace mailjar::mime {
namespace {

GMimeContentEncoding encoding_of(std::string_view canonical) {
  if (canonical == "base64") return GMIME_CONTENT_ENCODING_BASE64;
  if (canonical == "quoted-printable") return GMIME_CONTENT_ENCODING_QUOTEDPRINTABLE;
  if (canonical == "x-uuencode" || canonical == "uuencode" || canonical == "x-uue")
    return GMIME_CONTENT_ENCODING_UUENCODE;
  return GMIME_CONTENT_ENCODING_DEFAULT;
}

// What each byte of base64 content adds to a packed tally: 1 for an alphabet character, a unit
// in the padding or the invalid field for '=' or anything else, nothing for line breaks and
// blanks. Summing table values (no branches, no per-class counters) lets the compiler vectorize
// the scan that runs over every base64 byte of every message.
constexpr unsigned padding_shift = 24;
constexpr unsigned invalid_shift = 48;
// At most 2^16 - 1 bytes per sum: no field, not even the top one (16 bits), can overflow.
constexpr std::size_t tally_block = (std::size_t{1} << 16) - 1;

struct base64_tally_table {
  std::uint64_t of[256] = {};
  constexpr base64_tally_table() {
    for (auto& v : of) v = std::uint64_t{1} << invalid_shift;
    for (int c = 'A'; c <= 'Z'; ++c) of[c] = 1;
    for (int c = 'a'; c <= 'z'; ++c) of[c] = 1;
    for (int c = '0'; c <= '9'; ++c) of[c] = 1;
    of[static_cast<unsigned char>('+')] = of[static_cast<unsigned char>('/')] = 1;
    for (char c : {'\r', '\n', ' ', '\t'}) of[static_cast<unsigned char>(c)] = 0;
    of[static_cast<unsigned char>('=')] = std::uint64_t{1} << padding_shift;
  }
};
constexpr base64_tally_table k_base64;

}  // namespace

std::string canonical_transfer_encoding(std::string_view header_value) {
  std::string_view v = header_value;
  while (!v.empty() && (v.front() == ' ' || v.front() == '\t' || v.front() == '\r' || v.front() == '\n'))
    v.remove_prefix(1);
  while (!v.empty() && (v.back() == ' ' || v.back() == '\t' || v.back() == '\r' || v.back() == '\n'))
    v.remove_suffix(1);
  return ascii_lower(v);
}

struct transfer_decoder::filter {
  detail::gobject_ptr<GMimeFilter> f;
};

transfer_decoder::transfer_decoder(std::string_view transfer_encoding) {
  const GMimeContentEncoding enc = encoding_of(canonical_transfer_encoding(transfer_encoding));
  if (enc == GMIME_CONTENT_ENCODING_DEFAULT) return;
  detail::ensure_gmime();
  filter_ = std::make_unique<filter>();
  filter_->f.reset(g_mime_filter_basic_new(enc, FALSE));
  base64_ = enc == GMIME_CONTENT_ENCODING_BASE64;
  uuencode_ = enc == GMIME_CONTENT_ENCODING_UUENCODE;
}

transfer_decoder::~transfer_decoder() = default;

void transfer_decoder::feed(std::string_view chunk, std::string& out) {
  if (!filter_) {
    out.append(chunk);
    return;
  }
  if (base64_) {
    constexpr std::uint64_t field = (std::uint64_t{1} << padding_shift) - 1;
    for (std::size_t at = 0; at < chunk.size(); at += tally_block) {
      const std::string_view block = chunk.substr(at, tally_block);
      std::uint64_t tally = 0;
      for (char c : block) tally += k_base64.of[static_cast<unsigned char>(c)];
      quantum_ += tally & field;
      if (((tally >> padding_shift) & field) != 0) saw_padding_ = true;
      if ((tally >> invalid_shift) != 0) invalid_input_ = true;
    }
  }
  if (chunk.empty()) return;
  if (uuencode_) {
    // CRs dropped (no uuencode character; GMime would read one as the next line's length),
    // whole lines passed on, the partial last line kept for the next chunk.
    const std::size_t kept = partial_line_.size();  // holds no LF: search only what is new
    for (const char c : chunk)
      if (c != '\r') partial_line_.push_back(c);
    const std::size_t at = std::string_view(partial_line_).substr(kept).rfind('\n');
    if (at == std::string_view::npos) return;
    const std::size_t lf = kept + at;
    run_filter(std::string_view(partial_line_).substr(0, lf + 1), out);
    partial_line_.erase(0, lf + 1);
    return;
  }
  run_filter(chunk, out);
}

void transfer_decoder::run_filter(std::string_view bytes, std::string& out) {
  if (bytes.empty()) return;
  scratch_.assign(bytes);
  char* outbuf = nullptr;
  size_t outlen = 0;
  size_t outprespace = 0;
  g_mime_filter_filter(filter_->f.get(), scratch_.data(), scratch_.size(), 0, &outbuf, &outlen, &outprespace);
  out.append(outbuf, outlen);
}

void transfer_decoder::finish(std::string& out) {
  if (!filter_) return;
  if (base64_ && !saw_padding_ && quantum_ % 4 >= 2) {
    feed(quantum_ % 4 == 2 ? "==" : "=", out);
  }
  if (uuencode_) {
    run_filter(partial_line_, out);
    partial_line_.clear();
  }
  char empty[1] = {0};
  char* outbuf = nullptr;
  size_t outlen = 0;
  size_t outprespace = 0;
  g_mime_filter_complete(filter_->f.get(), empty, 0, 0, &outbuf, &outlen, &outprespace);
  out.append(outbuf, outlen);
}

}  // namespace mailjar::mime
