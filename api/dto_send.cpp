#include "api/dto_send.hpp"

namespace mailjar::api {

namespace {

template <class T>
std::vector<T> object_array(const json& obj, std::string_view name) {
  const json* f = find_field(obj, name);
  if (f == nullptr || f->is_null()) return {};
  if (!f->is_array()) throw dto_error(std::string(name) + " must be an array of objects");
  std::vector<T> out;
  for (const auto& e : *f) {
    if (!e.is_object()) throw dto_error(std::string(name) + " must be an array of objects");
    out.push_back(e.get<T>());
  }
  return out;
}

}  // namespace

void from_json(const json& j, send_address& a) {
  require_object(j, "an address");
  a.email = string_field(j, "Email");
  a.name = string_field(j, "Name");
}

void from_json(const json& j, send_attachment& a) {
  require_object(j, "an attachment");
  a.content = string_field(j, "Content");
  a.filename = string_field(j, "Filename");
  a.content_type = string_field(j, "ContentType");
  a.content_id = string_field(j, "ContentID");
}

void from_json(const json& j, send_request& r) {
  require_object(j, "the request");
  if (const json* f = find_field(j, "From"); f != nullptr && !f->is_null()) {
    if (!f->is_object()) throw dto_error("From must be an object with Email and Name");
    r.from = f->get<send_address>();
  }
  r.to = object_array<send_address>(j, "To");
  r.cc = object_array<send_address>(j, "Cc");
  r.reply_to = object_array<send_address>(j, "ReplyTo");
  r.bcc = string_array_field(j, "Bcc");
  r.subject = string_field(j, "Subject");
  r.text = string_field(j, "Text");
  r.html = string_field(j, "HTML");
  r.attachments = object_array<send_attachment>(j, "Attachments");
  r.tags = string_array_field(j, "Tags");
  r.headers = string_map_field(j, "Headers");
}

}  // namespace mailjar::api
