#include "api/dto_info.hpp"

namespace mailjar::api {

void to_json(json& j, const runtime_stats_dto& r) {
  j = json{{"Uptime", r.uptime},
           {"Memory", r.memory},
           {"MessagesDeleted", r.messages_deleted},
           {"SMTPAccepted", r.smtp_accepted},
           {"SMTPAcceptedSize", r.smtp_accepted_size},
           {"SMTPRejected", r.smtp_rejected},
           {"SMTPIgnored", r.smtp_ignored}};
}

void to_json(json& j, const info_dto& i) {
  j = json{{"Version", i.version},
           {"LatestVersion", i.latest_version},
           {"Database", i.database},
           {"DatabaseSize", i.database_size},
           {"Messages", i.messages},
           {"Unread", i.unread},
           {"Tags", i.tags.empty() ? json::object() : json(i.tags)},
           {"RuntimeStats", i.runtime_stats}};
}

void to_json(json& j, const webui_dto& w) {
  const auto& r = w.message_relay;
  j = json{{"Label", w.label},
           {"MessageRelay",
            {{"Enabled", r.enabled},
             {"SMTPServer", r.smtp_server},
             {"ReturnPath", r.return_path},
             {"AllowedRecipients", r.allowed_recipients},
             {"BlockedRecipients", r.blocked_recipients},
             {"OverrideFrom", r.override_from},
             {"PreserveMessageIDs", r.preserve_message_ids},
             {"RecipientAllowlist", r.allowed_recipients},
             {"Mode", r.mode}}},
           {"SpamAssassin", w.spam_assassin},
           {"ChaosEnabled", w.chaos_enabled},
           {"DuplicatesIgnored", w.duplicates_ignored},
           {"HideDeleteAllButton", w.hide_delete_all_button}};
}

}  // namespace mailjar::api
