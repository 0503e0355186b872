#include "api/dto_message.hpp"

#include "api/list_unsubscribe.hpp"
#include "api/mail_headers.hpp"
#include "api/time_format.hpp"

namespace mailjar::api {

namespace {

json optional_address(const std::optional<address_dto>& a) { return a ? json(*a) : json(nullptr); }

std::vector<address_dto> addresses(const std::vector<address>& list) {
  std::vector<address_dto> out;
  out.reserve(list.size());
  for (const auto& a : list) out.push_back(make_address_dto(a));
  return out;
}

std::optional<address_dto> optional_dto(const std::optional<address>& a) {
  if (!a) return std::nullopt;
  return make_address_dto(*a);
}

attachment_dto make_attachment_dto(const mime::part& p) {
  attachment_dto a;
  a.part_id = p.part_id;
  a.file_name = p.file_name.empty() ? p.content_id : p.file_name;  // Mailpit falls back to the cid
  a.content_type = p.content_type;
  a.content_id = p.content_id;
  a.size = p.size;
  a.md5 = p.md5;
  a.sha1 = p.sha1;
  a.sha256 = p.sha256;
  return a;
}

}  // namespace

void to_json(json& j, const address_dto& a) { j = json{{"Name", a.name}, {"Address", a.address}}; }

void to_json(json& j, const message_summary_dto& m) {
  j = json{{"ID", m.id},
           {"MessageID", m.message_id},
           {"Read", m.read},
           {"From", optional_address(m.from)},
           {"To", m.to},
           {"Cc", m.cc},
           {"Bcc", m.bcc},
           {"ReplyTo", m.reply_to},
           {"Subject", m.subject},
           {"Created", m.created},
           {"Username", m.username},
           {"Tags", m.tags},
           {"Size", m.size},
           {"Attachments", m.attachments},
           {"Snippet", m.snippet}};
}

void to_json(json& j, const messages_summary_dto& m) {
  j = json{{"total", m.total},
           {"unread", m.unread},
           {"count", m.count},
           {"messages_count", m.messages_count},
           {"messages_unread", m.messages_unread},
           {"start", m.start},
           {"tags", m.tags},
           {"messages", m.messages}};
}

void to_json(json& j, const attachment_dto& a) {
  j = json{{"PartID", a.part_id},
           {"FileName", a.file_name},
           {"ContentType", a.content_type},
           {"ContentID", a.content_id},
           {"Size", a.size},
           {"Checksums", {{"MD5", a.md5}, {"SHA1", a.sha1}, {"SHA256", a.sha256}}}};
}

void to_json(json& j, const list_unsubscribe_dto& l) {
  j = json{{"Header", l.header}, {"Links", l.links}, {"Errors", l.errors}, {"HeaderPost", l.header_post}};
}

void to_json(json& j, const message_dto& m) {
  j = json{{"ID", m.id},
           {"MessageID", m.message_id},
           {"From", optional_address(m.from)},
           {"To", m.to},
           {"Cc", m.cc},
           {"Bcc", m.bcc},
           {"ReplyTo", m.reply_to},
           {"ReturnPath", m.return_path},
           {"Subject", m.subject},
           {"ListUnsubscribe", m.list_unsubscribe},
           {"Date", m.date},
           {"Tags", m.tags},
           {"Username", m.username},
           {"Text", m.text},
           {"HTML", m.html},
           {"Size", m.size},
           {"Inline", m.inlines},
           {"Attachments", m.attachments},
           {"Envelope", m.envelope},
           {"ParseWarnings", m.warnings}};
}

void to_json(json& j, const envelope_dto& e) {
  j = json{{"MailFrom", e.mail_from},
           {"RcptTo", e.rcpt_to},
           {"ClientAddress", e.client_address},
           {"Helo", e.helo},
           {"TLS", e.tls},
           {"AuthUser", e.auth_user},
           {"SMTPUTF8", e.smtputf8},
           {"BodyType", e.body_type},
           {"Received", e.received}};
}

void to_json(json& j, const headers_dto& h) {
  j = json::object();
  for (const auto& [k, v] : h.headers) j[k] = v;
}

void to_json(json& j, const send_response_dto& r) { j = json{{"ID", r.id}}; }

address_dto make_address_dto(const address& a) { return {a.name, a.addr}; }

message_summary_dto make_summary_dto(const message_summary& s) {
  message_summary_dto d;
  d.id = s.uid;
  d.message_id = s.message_id;
  d.read = s.read;
  d.from = optional_dto(s.from);
  d.to = addresses(s.to);
  d.cc = addresses(s.cc);
  d.bcc = addresses(s.bcc);
  d.reply_to = addresses(s.reply_to);
  d.subject = s.subject;
  d.created = rfc3339_local(s.received_ms);
  d.username = s.auth_user;
  d.tags = s.tags;
  d.size = s.size;
  d.attachments = s.attachments;
  d.snippet = s.snippet;
  return d;
}

messages_summary_dto make_messages_summary_dto(const message_page& page, std::size_t start,
                                               std::vector<std::string> tags, bool searched) {
  messages_summary_dto d;
  d.total = page.total;
  d.unread = page.unread;
  d.messages_count = searched ? page.matched : page.total;
  d.messages_unread = searched ? page.matched_unread : page.unread;
  d.start = start;
  d.tags = std::move(tags);
  d.messages.reserve(page.messages.size());
  for (const auto& m : page.messages) d.messages.push_back(make_summary_dto(m));
  d.count = d.messages.size();
  return d;
}

message_dto make_message_dto(const stored_message& m) {
  const auto& p = m.parsed;
  message_dto d;
  d.id = m.uid;
  d.message_id = p.message_id;
  d.from = optional_dto(p.from);
  d.to = addresses(p.to);
  d.cc = addresses(p.cc);
  d.bcc = addresses(effective_bcc(p, m.env.rcpt_to));
  d.reply_to = addresses(p.reply_to);
  // Return-Path header, else the envelope sender, else the From address (Mailpit's fallback).
  d.return_path = !p.return_path.empty()     ? p.return_path
                  : !m.env.mail_from.empty() ? m.env.mail_from
                  : p.from                   ? p.from->addr
                                             : std::string();
  d.subject = p.subject;
  if (auto lu = find_header(p.headers, "List-Unsubscribe"); lu && !lu->empty()) {
    auto check = check_list_unsubscribe(*lu);
    d.list_unsubscribe.header = *lu;
    d.list_unsubscribe.links = std::move(check.links);
    d.list_unsubscribe.errors = std::move(check.errors);
    d.list_unsubscribe.header_post = find_header(p.headers, "List-Unsubscribe-Post").value_or("");
  }
  d.date = rfc3339_local(p.date_ms.value_or(m.env.received_ms));
  d.tags = p.tags;
  d.username = m.env.auth_user;
  d.text = p.text;
  d.html = p.html;
  d.size = m.size;
  for (const auto& part : p.parts) {
    if (part.role == mime::part_role::inline_part) d.inlines.push_back(make_attachment_dto(part));
    if (part.role == mime::part_role::attachment) d.attachments.push_back(make_attachment_dto(part));
  }
  d.envelope.mail_from = m.env.mail_from;
  d.envelope.rcpt_to = m.env.rcpt_to;
  d.envelope.client_address = m.env.client_addr;
  d.envelope.helo = m.env.helo;
  d.envelope.tls = m.env.tls;
  d.envelope.auth_user = m.env.auth_user;
  d.envelope.smtputf8 = m.env.smtputf8;
  d.envelope.body_type = m.env.body_type;
  d.envelope.received = rfc3339_local(m.env.received_ms);
  d.warnings = p.warnings;
  return d;
}

headers_dto make_headers_dto(const stored_message& m) { return {group_headers(m.parsed.headers)}; }

}  // namespace mailjar::api
