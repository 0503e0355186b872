#include "mime/message_fields.hpp"

#include <algorithm>
#include <utility>
#include <vector>

#include "mime/address_list.hpp"
#include "mime/charset.hpp"
#include "mime/tags.hpp"
#include "mime/text_util.hpp"

namespace mailjar::mime::detail {
namespace {

struct located_header {
  gint64 offset;
  GMimeHeader* header;
};

// GMime keeps the top-level Content-* fields on the message's MIME part and the rest on the
// message; their stream offsets put them back in received order.
std::vector<located_header> top_level_headers(GMimeMessage* msg) {
  std::vector<located_header> all;
  auto add_from = [&](GMimeObject* obj) {
    if (obj == nullptr) return;
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    const int n = g_mime_header_list_get_count(list);
    for (int i = 0; i < n; ++i) {
      GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
      all.push_back({g_mime_header_get_offset(h), h});
    }
  };
  add_from(GMIME_OBJECT(msg));
  add_from(g_mime_message_get_mime_part(msg));
  std::stable_sort(all.begin(), all.end(),
                   [](const located_header& a, const located_header& b) { return a.offset < b.offset; });
  return all;
}

std::string decode_text(GMimeParserOptions* options, const std::string& unfolded) {
  char* decoded = g_mime_utils_header_decode_text(options, unfolded.c_str());
  std::string out = sanitize_utf8(decoded ? decoded : "");
  g_free(decoded);
  return out;
}

// addr-spec from a Return-Path value such as "<bounce@example.com>"; "" for "<>".
std::string return_path_of(std::string_view value) {
  const std::size_t lt = value.find('<');
  if (lt != std::string_view::npos) {
    const std::size_t gt = value.find('>', lt + 1);
    value = value.substr(lt + 1, gt == std::string_view::npos ? std::string_view::npos : gt - lt - 1);
  }
  return sanitize_utf8(trim(value));
}

std::string strip_angles(std::string_view v) {
  v = trim(v);
  if (!v.empty() && v.front() == '<') v.remove_prefix(1);
  if (!v.empty() && v.back() == '>') v.remove_suffix(1);
  return sanitize_utf8(trim(v));
}

}  // namespace

void fill_message_fields(GMimeMessage* msg, GMimeParserOptions* options, parsed_message& out) {
  std::string raw_message_id;
  std::string raw_return_path;
  std::vector<std::string> tag_values;
  for (const located_header& lh : top_level_headers(msg)) {
    const char* name = g_mime_header_get_name(lh.header);
    const char* raw_value = g_mime_header_get_raw_value(lh.header);
    header_field field{sanitize_utf8(name ? name : ""), unfold_header_value(raw_value ? raw_value : "")};
    if (g_ascii_strcasecmp(field.name.c_str(), "Message-ID") == 0 && raw_message_id.empty()) {
      raw_message_id = field.value;
    } else if (g_ascii_strcasecmp(field.name.c_str(), "Return-Path") == 0 && raw_return_path.empty()) {
      raw_return_path = field.value;
    } else if (g_ascii_strcasecmp(field.name.c_str(), "X-Tags") == 0) {
      tag_values.push_back(decode_text(options, field.value));
    }
    out.headers.push_back(std::move(field));
  }

  if (const char* id = g_mime_message_get_message_id(msg); id != nullptr && *id != '\0') {
    out.message_id = sanitize_utf8(id);
  } else if (!raw_message_id.empty()) {
    out.message_id = strip_angles(raw_message_id);
  }
  if (const char* subject = g_mime_message_get_subject(msg)) out.subject = sanitize_utf8(subject);
  if (GDateTime* date = g_mime_message_get_date(msg)) {
    out.date_ms = static_cast<std::int64_t>(g_date_time_to_unix(date)) * 1000 +
                  g_date_time_get_microsecond(date) / 1000;
  }

  std::vector<address> from = convert_addresses(g_mime_message_get_from(msg));
  if (!from.empty()) out.from = std::move(from.front());
  out.to = convert_addresses(g_mime_message_get_to(msg));
  out.cc = convert_addresses(g_mime_message_get_cc(msg));
  out.bcc = convert_addresses(g_mime_message_get_bcc(msg));
  out.reply_to = convert_addresses(g_mime_message_get_reply_to(msg));
  out.return_path = return_path_of(raw_return_path);
  out.tags = split_tags(tag_values);
}

}  // namespace mailjar::mime::detail
