// MailHog API v2 response shapes (github.com/mailhog/data: Message, Path, Content, MIMEBody,
// SMTPMessage) with to_json, and the list wrapper {"total","count","start","items"}. What the
// npm clients `mailhog` and `cypress-mailhog` read: Content.Headers (name -> [values], names as
// written in the message), Content.Body (raw, still transfer-encoded), MIME.Parts (the
// top-level parts, each with its own nested MIME), Created, Raw. Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace mailjar::api {

using json = nlohmann::json;

struct mailhog_path_dto {  // {"Relays":null,"Mailbox","Domain","Params":""}
  std::string mailbox, domain;
};
void to_json(json& j, const mailhog_path_dto& p);

struct mailhog_content_dto;

struct mailhog_mime_dto {  // {"Parts":[Content]}
  std::vector<mailhog_content_dto> parts;
};

struct mailhog_content_dto {  // {"Headers","Body","Size","MIME"}
  std::map<std::string, std::vector<std::string>> headers;
  std::string body;
  std::uint64_t size = 0;
  std::optional<mailhog_mime_dto> mime;
};
void to_json(json& j, const mailhog_content_dto& c);
void to_json(json& j, const mailhog_mime_dto& m);

struct mailhog_raw_dto {  // {"From","To","Data","Helo"}
  std::string from;
  std::vector<std::string> to;
  std::string data, helo;
};
void to_json(json& j, const mailhog_raw_dto& r);

struct mailhog_message_dto {
  std::string id;
  mailhog_path_dto from;
  std::vector<mailhog_path_dto> to;
  mailhog_content_dto content;
  std::string created;
  std::optional<mailhog_mime_dto> mime;
  mailhog_raw_dto raw;
};
void to_json(json& j, const mailhog_message_dto& m);

struct mailhog_list_dto {
  std::uint64_t total = 0, count = 0, start = 0;
  std::vector<mailhog_message_dto> items;
};
void to_json(json& j, const mailhog_list_dto& l);

}  // namespace mailjar::api
