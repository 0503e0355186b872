// Mailpit v1 response shapes for messages, with to_json and the mapping from the domain types
// (message_summary, stored_message, message_page). Field names and types are Mailpit 1.30's;
// every list is an array (never null); times are RFC 3339 with milliseconds in the server's
// offset. Plain data; the make_* functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/message_summary.hpp"
#include "core/stored_message.hpp"
#include "ports/mailbox.hpp"

namespace mailjar::api {

using json = nlohmann::json;

struct address_dto {  // {"Name","Address"}
  std::string name;
  std::string address;
};
void to_json(json& j, const address_dto& a);

struct message_summary_dto {
  std::string id, message_id;
  bool read = false;
  std::optional<address_dto> from;
  std::vector<address_dto> to, cc, bcc, reply_to;
  std::string subject, created, username;
  std::vector<std::string> tags;
  std::uint64_t size = 0;
  std::uint64_t attachments = 0;
  std::string snippet;
};
void to_json(json& j, const message_summary_dto& m);

struct messages_summary_dto {
  std::uint64_t total = 0, unread = 0, count = 0, messages_count = 0, messages_unread = 0, start = 0;
  std::vector<std::string> tags;
  std::vector<message_summary_dto> messages;
};
void to_json(json& j, const messages_summary_dto& m);

struct attachment_dto {
  std::string part_id, file_name, content_type, content_id;
  std::uint64_t size = 0;
  std::string md5, sha1, sha256;
};
void to_json(json& j, const attachment_dto& a);

struct list_unsubscribe_dto {
  std::string header;
  std::vector<std::string> links;
  std::string errors, header_post;
};
void to_json(json& j, const list_unsubscribe_dto& l);

// mailjar's addition to Mailpit's Message: what the SMTP session knew (DESIGN.md keeps it beside
// the raw bytes) and the MIME parser's warnings. Clients that only know Mailpit ignore both.
struct envelope_dto {
  std::string mail_from;
  std::vector<std::string> rcpt_to;
  std::string client_address, helo, tls, auth_user, body_type, received;
  bool smtputf8 = false;
};
void to_json(json& j, const envelope_dto& e);

struct message_dto {
  std::string id, message_id;
  std::optional<address_dto> from;
  std::vector<address_dto> to, cc, bcc, reply_to;
  std::string return_path, subject;
  list_unsubscribe_dto list_unsubscribe;
  std::string date;
  std::vector<std::string> tags;
  std::string username, text, html;
  std::uint64_t size = 0;
  std::vector<attachment_dto> inlines, attachments;
  envelope_dto envelope;              // "Envelope" (mailjar)
  std::vector<std::string> warnings;  // "ParseWarnings" (mailjar)
};
void to_json(json& j, const message_dto& m);

struct headers_dto {  // {"Header-Name": [values]} with canonical names, sorted
  std::map<std::string, std::vector<std::string>> headers;
};
void to_json(json& j, const headers_dto& h);

struct send_response_dto {  // {"ID"}
  std::string id;
};
void to_json(json& j, const send_response_dto& r);

address_dto make_address_dto(const address& a);
message_summary_dto make_summary_dto(const message_summary& s);
messages_summary_dto make_messages_summary_dto(const message_page& page, std::size_t start,
                                               std::vector<std::string> tags, bool searched);
message_dto make_message_dto(const stored_message& m);
headers_dto make_headers_dto(const stored_message& m);

}  // namespace mailjar::api
