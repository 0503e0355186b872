#include "api/dto_mailhog.hpp"

namespace mailjar::api {

void to_json(json& j, const mailhog_path_dto& p) {
  j = json{{"Relays", nullptr}, {"Mailbox", p.mailbox}, {"Domain", p.domain}, {"Params", ""}};
}

void to_json(json& j, const mailhog_mime_dto& m) {
  j = json::object();
  json parts = json::array();
  for (const auto& p : m.parts) parts.push_back(p);
  j["Parts"] = std::move(parts);
}

void to_json(json& j, const mailhog_content_dto& c) {
  json headers = json::object();
  for (const auto& [k, v] : c.headers) headers[k] = v;
  j = json{{"Headers", std::move(headers)},
           {"Body", c.body},
           {"Size", c.size},
           {"MIME", c.mime ? json(*c.mime) : json(nullptr)}};
}

void to_json(json& j, const mailhog_raw_dto& r) {
  j = json{{"From", r.from}, {"To", r.to}, {"Data", r.data}, {"Helo", r.helo}};
}

void to_json(json& j, const mailhog_message_dto& m) {
  j = json{{"ID", m.id},           {"From", m.from},       {"To", m.to},
           {"Content", m.content}, {"Created", m.created}, {"MIME", m.mime ? json(*m.mime) : json(nullptr)},
           {"Raw", m.raw}};
}

void to_json(json& j, const mailhog_list_dto& l) {
  json items = json::array();
  for (const auto& i : l.items) items.push_back(i);
  j = json{{"total", l.total}, {"count", l.count}, {"start", l.start}, {"items", std::move(items)}};
}

}  // namespace mailjar::api
