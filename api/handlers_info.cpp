// Application endpoints: /api/v1/info, /api/v1/webui, /api/v1/chaos (not enabled).
#include <chrono>

#include "api/dto_info.hpp"
#include "api/handlers.hpp"
#include "api/json_reply.hpp"

namespace mailjar::api::handlers {

response info(const call& c) {
  mailbox_stats st = c.svc.box.stats();
  runtime_stats rt = c.svc.runtime ? c.svc.runtime() : runtime_stats{};
  info_dto d;
  d.version = c.svc.config.version;
  d.database = c.svc.config.database_path;
  d.database_size = st.database_bytes;
  d.messages = st.messages;
  d.unread = st.unread;
  d.tags = st.tags;
  auto up = std::chrono::steady_clock::now() - c.state.started;
  d.runtime_stats.uptime =
      static_cast<std::uint64_t>(std::chrono::duration_cast<std::chrono::seconds>(up).count());
  d.runtime_stats.memory = rt.memory_bytes;
  d.runtime_stats.messages_deleted = rt.messages_deleted + c.state.deleted.load();
  d.runtime_stats.smtp_accepted = rt.smtp_accepted;
  d.runtime_stats.smtp_accepted_size = rt.smtp_accepted_bytes;
  d.runtime_stats.smtp_rejected = rt.smtp_rejected;
  d.runtime_stats.smtp_ignored = rt.smtp_ignored;
  return json_reply(d);
}

response webui(const call& c) {
  webui_dto d;
  d.label = c.svc.config.label;
  if (c.svc.release) {  // release settings (issue 5)
    const release_settings s = c.svc.release->settings();
    d.message_relay = message_relay_dto{s.enabled,
                                        s.smtp_server,
                                        s.return_path,
                                        s.allowed_recipients,
                                        s.blocked_recipients,
                                        s.override_from,
                                        s.preserve_message_ids,
                                        s.enabled ? s.mode : ""};
    if (s.enabled && s.allow_any && s.allowed_recipients.empty()) d.message_relay.allowed_recipients = ".*";
  }
  return json_reply(d);
}

response chaos(const call&) { return error_response(bad_request("chaos is not enabled")); }

}  // namespace mailjar::api::handlers
