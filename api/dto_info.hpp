// Response shapes of GET /api/v1/info (Mailpit's AppInformation), GET /api/v1/webui
// (WebUIConfiguration) and GET /api/v1/chaos, with to_json. Plain data.
#pragma once

#include <cstdint>
#include <map>
#include <string>

#include <nlohmann/json.hpp>

namespace mailjar::api {

using json = nlohmann::json;

struct runtime_stats_dto {
  std::uint64_t uptime = 0;  // seconds
  std::uint64_t memory = 0;
  std::uint64_t messages_deleted = 0;
  std::uint64_t smtp_accepted = 0, smtp_accepted_size = 0, smtp_rejected = 0, smtp_ignored = 0;
};
void to_json(json& j, const runtime_stats_dto& r);

struct info_dto {
  std::string version;
  std::string latest_version;  // never looked up: mailjar makes no outbound requests
  std::string database;
  std::uint64_t database_size = 0;
  std::uint64_t messages = 0, unread = 0;
  std::map<std::string, std::uint64_t> tags;
  runtime_stats_dto runtime_stats;
};
void to_json(json& j, const info_dto& i);

struct message_relay_dto {
  bool enabled = false;
  std::string smtp_server, return_path, allowed_recipients, blocked_recipients, override_from;
  bool preserve_message_ids = false;
  std::string mode;  // mailjar: "relay" (smart host) | "mx" (direct to MX hosts) | "" when off
};

struct webui_dto {
  std::string label;
  message_relay_dto message_relay;
  bool spam_assassin = false, chaos_enabled = false, duplicates_ignored = false,
       hide_delete_all_button = false;
};
void to_json(json& j, const webui_dto& w);

}  // namespace mailjar::api
