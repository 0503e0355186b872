// The body of POST /api/v1/send (Mailpit's SendRequest), with from_json. Field names as
// Mailpit's: From{Email,Name}, To/Cc/ReplyTo [{Email,Name}], Bcc [string], Subject, Text, HTML,
// Attachments [{Content (base64, optionally a data: URL), Filename, ContentType, ContentID}],
// Tags [string], Headers {name: value}. Plain data.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "api/json_body.hpp"

namespace mailjar::api {

struct send_address {
  std::string email;
  std::string name;
};

struct send_attachment {
  std::string content;  // base64
  std::string filename;
  std::string content_type;
  std::string content_id;  // set: attached inline
};

struct send_request {
  send_address from;
  std::vector<send_address> to, cc, reply_to;
  std::vector<std::string> bcc;
  std::string subject, text, html;
  std::vector<send_attachment> attachments;
  std::vector<std::string> tags;
  std::map<std::string, std::string> headers;
};

void from_json(const json& j, send_address& a);
void from_json(const json& j, send_attachment& a);
void from_json(const json& j, send_request& r);

}  // namespace mailjar::api
