#include "mime/parser.hpp"

#include <exception>
#include <memory>
#include <string>

#include "mime/charset.hpp"
#include "mime/digest.hpp"
#include "mime/gmime_support.hpp"
#include "mime/html_text.hpp"
#include "mime/message_fields.hpp"
#include "mime/parse_horizon.hpp"
#include "mime/part_tree.hpp"
#include "mime/text_util.hpp"
#include "mime/transfer_decoder.hpp"
#include "mime/warning_list.hpp"

namespace mailjar::mime {
namespace {

constexpr std::size_t decode_chunk = decode_chunk_bytes;

const char* gmime_warning_text(GMimeParserWarning code) {
  switch (code) {
    case GMIME_WARN_DUPLICATED_HEADER:
      return "duplicated header";
    case GMIME_WARN_DUPLICATED_PARAMETER:
      return "duplicated header parameter";
    case GMIME_WARN_UNENCODED_8BIT_HEADER:
      return "header with unencoded 8-bit text";
    case GMIME_WARN_INVALID_CONTENT_TYPE:
      return "invalid Content-Type";
    case GMIME_WARN_INVALID_RFC2047_HEADER_VALUE:
      return "invalid RFC 2047 encoded header value";
    case GMIME_WARN_MALFORMED_MULTIPART:
      return "malformed multipart";
    case GMIME_WARN_TRUNCATED_MESSAGE:
      return "message is truncated (a multipart is not closed)";
    case GMIME_WARN_MALFORMED_MESSAGE:
      return "malformed message";
    case GMIME_CRIT_INVALID_HEADER_NAME:
      return "invalid header name";
    case GMIME_CRIT_CONFLICTING_HEADER:
      return "conflicting header";
    case GMIME_CRIT_CONFLICTING_PARAMETER:
      return "conflicting header parameter";
    case GMIME_CRIT_MULTIPART_WITHOUT_BOUNDARY:
      return "multipart without boundary parameter";
    case GMIME_WARN_INVALID_PARAMETER:
      return "invalid header parameter";
    case GMIME_WARN_INVALID_ADDRESS_LIST:
      return "invalid address list";
    case GMIME_CRIT_NESTING_OVERFLOW:
      return "MIME nesting too deep; deeper parts ignored";
    case GMIME_WARN_PART_WITHOUT_CONTENT:
      return "MIME part without content";
    case GMIME_CRIT_PART_WITHOUT_HEADERS_OR_CONTENT:
      return "MIME part without headers or content";
  }
  return "MIME parser warning";
}

void on_gmime_warning(gint64, GMimeParserWarning code, const gchar* item, gpointer user_data) {
  std::string text = gmime_warning_text(code);
  if (item != nullptr && *item != '\0') {
    text += ": ";
    text += truncate_utf8(collapse_whitespace(item, 100), 80);
  }
  static_cast<warning_list*>(user_data)->add(std::move(text));
}

struct options_deleter {
  void operator()(GMimeParserOptions* o) const { g_mime_parser_options_free(o); }
};
using options_ptr = std::unique_ptr<GMimeParserOptions, options_deleter>;

options_ptr make_options(warning_list* warnings) {
  options_ptr o(g_mime_parser_options_new());
  const char* fallback[] = {"utf-8", "windows-1252", nullptr};
  g_mime_parser_options_set_fallback_charsets(o.get(), fallback);
  g_mime_parser_options_set_allow_addresses_without_domain(o.get(), TRUE);
  g_mime_parser_options_set_address_compliance_mode(o.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_parameter_compliance_mode(o.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_rfc2047_compliance_mode(o.get(), GMIME_RFC_COMPLIANCE_LOOSE);
  g_mime_parser_options_set_warning_callback(o.get(), on_gmime_warning, warnings);
  return o;
}

bool body_candidate(const part& p) {
  return p.disposition != "attachment" && (p.file_name.empty() || p.disposition == "inline");
}

// First eligible part of `type`, preferring one inside a multipart/alternative.
int choose_body(const std::vector<detail::leaf>& leaves, std::string_view type) {
  for (const bool alternative_only : {true, false}) {
    for (std::size_t i = 0; i < leaves.size(); ++i) {
      const detail::leaf& l = leaves[i];
      if (alternative_only && !l.in_alternative) continue;
      if (l.info.content_type == type && body_candidate(l.info)) return static_cast<int>(i);
    }
  }
  return -1;
}

part_role role_of(const part& p) {
  if (p.disposition == "attachment") return part_role::attachment;
  if (!p.content_id.empty() || p.disposition == "inline") return part_role::inline_part;
  return part_role::attachment;
}

// A decoded body: a view into raw when no decoding was needed, else owned bytes.
struct body_bytes {
  std::string owned;
  std::string_view view;
  bool is_owned = false;
};

// Decodes one leaf once: size and digests always; the decoded bytes only when `keep_body`.
void measure_leaf(detail::leaf& l, std::string_view raw, bool keep_body, body_bytes& body,
                  warning_list& warnings) {
  part& p = l.info;
  multi_digest digest;
  if (!p.in_raw) {
    static const std::string empty;
    const std::string& c = p.content ? *p.content : empty;
    digest.update(c);
    p.size = c.size();
    if (keep_body) body.view = c;
  } else {
    const std::string_view encoded = raw.substr(p.raw_offset, p.raw_length);
    transfer_decoder decoder(p.transfer_encoding);
    if (decoder.is_identity()) {
      digest.update(encoded);
      p.size = encoded.size();
      if (keep_body) body.view = encoded;
    } else {
      if (keep_body) {
        body.is_owned = true;
        body.owned.reserve(encoded.size());  // decoding never grows base64/QP/uuencode
      }
      std::string chunk_out;
      std::uint64_t size = 0;
      auto take = [&] {
        digest.update(chunk_out);
        size += chunk_out.size();
        if (keep_body) body.owned += chunk_out;
        chunk_out.clear();
      };
      for (std::size_t at = 0; at < encoded.size(); at += decode_chunk) {
        decoder.feed(encoded.substr(at, decode_chunk), chunk_out);
        take();
      }
      decoder.finish(chunk_out);
      take();
      p.size = size;
      if (decoder.saw_invalid_input())
        warnings.add("part " + p.part_id + ": characters outside the base64 alphabet were skipped");
    }
  }
  hex_digests h = digest.finish();
  p.md5 = std::move(h.md5);
  p.sha1 = std::move(h.sha1);
  p.sha256 = std::move(h.sha256);
}

std::string body_to_utf8(body_bytes& bytes, const part& p, bool html, warning_list& warnings) {
  const std::string_view view = bytes.is_owned ? std::string_view(bytes.owned) : bytes.view;
  std::string charset = p.charset;
  if (charset.empty() && html) charset = sniff_html_charset(view);
  std::string note;
  std::string text =
      bytes.is_owned ? to_utf8_owned(std::move(bytes.owned), charset, &note) : to_utf8(view, charset, &note);
  if (!note.empty()) warnings.add("part " + p.part_id + ": " + note);
  return text;
}

void finish_parts(std::vector<detail::leaf>& leaves, std::string_view raw, parsed_message& out,
                  warning_list& warnings) {
  const int text_index = choose_body(leaves, "text/plain");
  const int html_index = choose_body(leaves, "text/html");
  out.parts.reserve(leaves.size());
  for (std::size_t i = 0; i < leaves.size(); ++i) {
    detail::leaf& l = leaves[i];
    const bool is_text = static_cast<int>(i) == text_index;
    const bool is_html = static_cast<int>(i) == html_index;
    body_bytes body;
    measure_leaf(l, raw, is_text || is_html, body, warnings);
    if (is_text) out.text = body_to_utf8(body, l.info, false, warnings);
    if (is_html) out.html = body_to_utf8(body, l.info, true, warnings);
    l.info.role = (is_text || is_html) ? part_role::body : role_of(l.info);
    out.parts.push_back(std::move(l.info));
  }
  if (!out.html.empty()) out.html_as_text = html_to_text(out.html);
  out.snippet = make_snippet(out.text, out.html_as_text);
}

// What GMime cannot read as a message (no header block at all) is one text/plain body.
std::vector<detail::leaf> whole_message_as_text(std::string_view raw) {
  detail::leaf l;
  l.info.part_id = "1";
  l.info.content_type = "text/plain";
  l.info.in_raw = true;
  l.info.raw_offset = 0;
  l.info.raw_length = raw.size();
  std::vector<detail::leaf> leaves;
  leaves.push_back(std::move(l));
  return leaves;
}

parsed_message parse(std::string_view raw, const parse_limits& limits) {
  // Declaration order matters: GMime objects go first (the message before the options and
  // the stream), the charset guard last.
  detail::charset_table_guard charset_guard(raw);
  parsed_message out;
  warning_list warnings;
  options_ptr options = make_options(&warnings);
  const detail::parse_horizon horizon = detail::find_parse_horizon(raw, limits, 4 * limits.max_parts + 4);
  if (!horizon.reason.empty()) warnings.add(horizon.reason);
  // A prefix of raw: GMime's offsets stay offsets into raw.
  detail::gobject_ptr<GMimeStream> stream = detail::make_view_stream(raw.substr(0, horizon.length));
  detail::gobject_ptr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
  g_mime_parser_set_persist_stream(parser.get(), TRUE);
  g_mime_parser_set_format(parser.get(), GMIME_FORMAT_MESSAGE);
  detail::gobject_ptr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), options.get()));

  std::vector<detail::leaf> leaves;
  if (!msg) {
    warnings.add("no message header found; the whole message is shown as plain text");
    leaves = whole_message_as_text(raw);
  } else {
    detail::fill_message_fields(msg.get(), options.get(), out);
    if (out.headers.empty()) warnings.add("message has no header fields");
    leaves = detail::collect_leaves(msg.get(), raw, limits, warnings);
  }
  finish_parts(leaves, raw, out, warnings);
  out.warnings = warnings.take();
  return out;
}

}  // namespace

parsed_message parse_message(std::string_view raw, const parse_limits& limits) {
  try {
    return parse(raw, limits);
  } catch (const std::exception& e) {
    parsed_message out;
    out.warnings.push_back(std::string("message could not be parsed: ") + e.what());
    return out;
  } catch (...) {
    parsed_message out;
    out.warnings.emplace_back("message could not be parsed");
    return out;
  }
}

std::string decode_content(std::string_view encoded, std::string_view transfer_encoding) {
  transfer_decoder decoder(transfer_encoding);
  std::string out;
  if (decoder.is_identity()) return std::string(encoded);
  out.reserve(encoded.size());
  for (std::size_t at = 0; at < encoded.size(); at += decode_chunk)
    decoder.feed(encoded.substr(at, decode_chunk), out);
  decoder.finish(out);
  return out;
}

}  // namespace mailjar::mime
