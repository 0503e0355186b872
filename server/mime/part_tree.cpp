#include "mime/part_tree.hpp"

#include <algorithm>
#include <cstring>
#include <optional>
#include <string>

#include "mime/charset.hpp"
#include "mime/text_util.hpp"
#include "mime/transfer_decoder.hpp"

namespace mailjar::mime::detail {
namespace {

struct walk_state {
  std::string_view raw;
  const parse_limits& limits;
  warning_list& warnings;
  std::vector<leaf> leaves;
  std::vector<std::string> boundaries;  // delimiters of the enclosing multiparts
  bool stopped = false;
  bool depth_warned = false;
};

std::optional<gint64> min_header_offset(GMimeObject* obj) {
  if (obj == nullptr) return std::nullopt;
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  const int n = g_mime_header_list_get_count(list);
  std::optional<gint64> best;
  for (int i = 0; i < n; ++i) {
    const gint64 off = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
    if (off >= 0 && (!best || off < *best)) best = off;
  }
  return best;
}

std::optional<gint64> max_header_offset(GMimeObject* obj) {
  if (obj == nullptr) return std::nullopt;
  GMimeHeaderList* list = g_mime_object_get_header_list(obj);
  const int n = g_mime_header_list_get_count(list);
  std::optional<gint64> best;
  for (int i = 0; i < n; ++i) {
    const gint64 off = g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
    if (off >= 0 && (!best || off > *best)) best = off;
  }
  return best;
}

std::string child_id(const std::string& parent, int index) {
  std::string n = std::to_string(index + 1);
  return parent.empty() ? n : parent + "." + n;
}

std::string content_type_of(GMimeObject* obj) {
  GMimeContentType* ct = g_mime_object_get_content_type(obj);
  if (ct == nullptr) return "text/plain";
  const char* type = g_mime_content_type_get_media_type(ct);
  const char* sub = g_mime_content_type_get_media_subtype(ct);
  std::string s = ascii_lower(type ? type : "text");
  s += '/';
  s += ascii_lower(sub ? sub : "plain");
  return sanitize_utf8(s);
}

std::string lower_param(const char* v) { return v ? sanitize_utf8(ascii_lower(trim(v))) : std::string(); }

void fill_metadata(GMimeObject* obj, part& p) {
  p.content_type = content_type_of(obj);
  p.charset = lower_param(g_mime_object_get_content_type_parameter(obj, "charset"));
  p.disposition = lower_param(g_mime_object_get_disposition(obj));
  const char* name = g_mime_object_get_content_disposition_parameter(obj, "filename");
  if (name == nullptr || *name == '\0') name = g_mime_object_get_content_type_parameter(obj, "name");
  p.file_name = sanitize_utf8(trim(name ? name : ""));
  const char* cid = g_mime_object_get_content_id(obj);
  p.content_id = sanitize_utf8(trim(cid ? cid : ""));
  const char* cte = g_mime_object_get_header(obj, "Content-Transfer-Encoding");
  p.transfer_encoding = sanitize_utf8(canonical_transfer_encoding(cte ? cte : ""));
}

void set_raw_location(part& p, std::size_t begin, std::size_t end) {
  p.in_raw = true;
  p.raw_offset = begin;
  p.raw_length = end >= begin ? end - begin : 0;
}

std::string read_stream(GMimeStream* s) {
  std::string out;
  g_mime_stream_reset(s);
  char buf[16384];
  while (true) {
    const ssize_t n = g_mime_stream_read(s, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  return out;
}

// A leaf GMimePart: its content stream is a view substream, so its bounds are offsets
// into raw. Anything else (should not happen with a view stream) is decoded into content.
void locate_part_content(GMimePart* gpart, walk_state& st, part& p) {
  GMimeDataWrapper* wrapper = g_mime_part_get_content(gpart);
  GMimeStream* s = wrapper ? g_mime_data_wrapper_get_stream(wrapper) : nullptr;
  if (s == nullptr) {
    p.content = std::string();
    return;
  }
  if (is_view_stream_over(s, st.raw.data())) {
    const auto size = static_cast<gint64>(st.raw.size());
    const gint64 begin = std::clamp<gint64>(s->bound_start, 0, size);
    const gint64 end = s->bound_end < 0 ? size : std::clamp<gint64>(s->bound_end, begin, size);
    set_raw_location(p, static_cast<std::size_t>(begin), static_cast<std::size_t>(end));
    return;
  }
  p.content = decode_content(read_stream(s), p.transfer_encoding);
}

// The attached message's bytes: from its first header to the next enclosing delimiter.
void locate_message_content(GMimeMessagePart* mpart, walk_state& st, std::size_t limit, part& p) {
  GMimeMessage* inner = g_mime_message_part_get_message(mpart);
  std::optional<gint64> first;
  if (inner != nullptr) {
    first = min_header_offset(GMIME_OBJECT(inner));
    const auto body_first = min_header_offset(g_mime_message_get_mime_part(inner));
    if (body_first && (!first || *body_first < *first)) first = body_first;
  }
  if (first && *first >= 0 && static_cast<std::size_t>(*first) <= limit) {
    const auto begin = static_cast<std::size_t>(*first);
    set_raw_location(p, begin, content_end(st.raw, begin, limit, st.boundaries));
    return;
  }
  // Not addressable (e.g. an attached message without header fields): serialise it.
  std::string bytes;
  if (inner != nullptr) {
    gobject_ptr<GMimeStream> mem(g_mime_stream_mem_new());
    g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, mem.get());
    GByteArray* arr = g_mime_stream_mem_get_byte_array(GMIME_STREAM_MEM(mem.get()));
    bytes.assign(reinterpret_cast<const char*>(arr->data), arr->len);
  }
  p.content = std::move(bytes);
}

bool add_leaf(walk_state& st, leaf&& l) {
  if (st.leaves.size() >= st.limits.max_parts) {
    st.warnings.add("more than " + std::to_string(st.limits.max_parts) + " MIME parts; only the first " +
                    std::to_string(st.limits.max_parts) + " are listed");
    st.stopped = true;
    return false;
  }
  st.leaves.push_back(std::move(l));
  return true;
}

void walk(GMimeObject* obj, const std::string& id, std::size_t depth, bool in_alternative, std::size_t limit,
          std::optional<gint64> header_end_hint, walk_state& st) {
  if (st.stopped || obj == nullptr) return;
  if (depth > st.limits.max_depth) {
    if (!st.depth_warned) {
      st.warnings.add("MIME structure nested deeper than " + std::to_string(st.limits.max_depth) +
                      " levels; deeper parts are not listed");
      st.depth_warned = true;
    }
    return;
  }
  if (GMIME_IS_MULTIPART(obj)) {
    auto* mp = GMIME_MULTIPART(obj);
    const int count = g_mime_multipart_get_count(mp);
    const char* boundary = g_mime_multipart_get_boundary(mp);
    const bool pushed = boundary != nullptr && *boundary != '\0';
    if (pushed) st.boundaries.emplace_back(boundary);
    const bool alternative = in_alternative || content_type_of(obj) == "multipart/alternative";
    if (count == 0) {
      // No child found (boundary missing or never used): keep its content as text.
      leaf l;
      l.info.part_id = id.empty() ? "1" : id;
      l.info.content_type = "text/plain";
      l.info.transfer_encoding = "";
      l.in_alternative = alternative;
      std::optional<gint64> last = max_header_offset(obj);
      if (header_end_hint && (!last || *header_end_hint > *last)) last = header_end_hint;
      const std::size_t begin =
          last ? end_of_header_block(st.raw, static_cast<std::size_t>(*last)) : st.raw.size();
      set_raw_location(l.info, std::min(begin, limit),
                       content_end(st.raw, std::min(begin, limit), limit, st.boundaries));
      st.warnings.add(content_type_of(obj) +
                      " without any part (missing or wrong boundary); its content is " + "shown as text");
      add_leaf(st, std::move(l));
    }
    for (int i = 0; i < count && !st.stopped; ++i) {
      GMimeObject* child = g_mime_multipart_get_part(mp, i);
      std::size_t child_limit = limit;
      if (i + 1 < count) {
        const auto next = min_header_offset(g_mime_multipart_get_part(mp, i + 1));
        if (next && static_cast<std::size_t>(*next) < child_limit)
          child_limit = static_cast<std::size_t>(*next);
      }
      walk(child, child_id(id, i), depth + 1, alternative, child_limit, std::nullopt, st);
    }
    if (pushed) st.boundaries.pop_back();
    return;
  }

  leaf l;
  l.info.part_id = id.empty() ? "1" : id;
  l.in_alternative = in_alternative;
  fill_metadata(obj, l.info);
  if (GMIME_IS_MESSAGE_PART(obj)) {
    locate_message_content(GMIME_MESSAGE_PART(obj), st, limit, l.info);
  } else if (GMIME_IS_PART(obj)) {
    locate_part_content(GMIME_PART(obj), st, l.info);
  } else {
    l.info.content = std::string();
  }
  add_leaf(st, std::move(l));
}

bool is_delimiter(std::string_view line, const std::string& boundary) {
  if (line.size() < boundary.size() + 2 || line[0] != '-' || line[1] != '-') return false;
  if (line.compare(2, boundary.size(), boundary) != 0) return false;
  std::string_view rest = line.substr(2 + boundary.size());
  if (rest.size() >= 2 && rest[0] == '-' && rest[1] == '-') rest.remove_prefix(2);
  return std::all_of(rest.begin(), rest.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r'; });
}

}  // namespace

std::size_t end_of_header_block(std::string_view raw, std::size_t from) {
  std::size_t pos = std::min(from, raw.size());
  while (pos < raw.size()) {
    const std::size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos) return raw.size();
    const std::string_view line = raw.substr(pos, nl - pos);
    if (pos != from && (line.empty() || line == "\r")) return nl + 1;
    pos = nl + 1;
  }
  return raw.size();
}

std::size_t content_end(std::string_view raw, std::size_t from, std::size_t limit,
                        const std::vector<std::string>& boundaries) {
  limit = std::min(limit, raw.size());
  std::size_t pos = from;
  while (pos < limit) {
    std::size_t nl = raw.find('\n', pos);
    if (nl == std::string_view::npos || nl > limit) nl = limit;
    const std::string_view line = raw.substr(pos, nl - pos);
    if (line.size() >= 2 && line[0] == '-' && line[1] == '-') {
      for (const std::string& b : boundaries) {
        if (!is_delimiter(line, b)) continue;
        if (pos == from) return from;
        std::size_t end = pos - 1;  // the '\n' before the delimiter belongs to it
        if (end > from && raw[end - 1] == '\r') --end;
        return end;
      }
    }
    pos = nl + 1;
  }
  return limit;
}

std::vector<leaf> collect_leaves(GMimeMessage* msg, std::string_view raw, const parse_limits& limits,
                                 warning_list& warnings) {
  walk_state st{raw, limits, warnings, {}, {}};
  GMimeObject* root = g_mime_message_get_mime_part(msg);
  // The top-level header block holds the message's fields too; its end is needed when the
  // root is a childless multipart.
  const std::optional<gint64> header_end_hint = max_header_offset(GMIME_OBJECT(msg));
  walk(root, "", 1, false, raw.size(), header_end_hint, st);
  return std::move(st.leaves);
}

}  // namespace mailjar::mime::detail
