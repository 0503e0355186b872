#include "mime/transfer_decoder.hpp"

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

bool is_base64_char(unsigned char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '+' || c == '/' ||
         c == '=' || c == '\r' || c == '\n' || c == ' ' || c == '\t';
}

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
    for (char c : chunk) {
      const auto u = static_cast<unsigned char>(c);
      if (u == '=') {
        saw_padding_ = true;
      } else if (!is_base64_char(u)) {
        invalid_input_ = true;
      } else if (u != '\r' && u != '\n' && u != ' ' && u != '\t') {
        ++quantum_;
      }
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
