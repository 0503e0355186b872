// Every handler of the API, grouped by area; each is defined in handlers_<area>.cpp and listed
// in route_table.cpp. Thin: decode the request, call the mailbox/send service, publish events
// after a successful mutation, map the result to a DTO or an api_error.
#pragma once

#include "api/errors.hpp"
#include "api/handler_context.hpp"

namespace mailjar::api::handlers {

// Mailpit v1: lists and searches (handlers_messages.cpp)
response list_messages(const call& c);    // GET    /api/v1/messages
response set_read(const call& c);         // PUT    /api/v1/messages
response delete_messages(const call& c);  // DELETE /api/v1/messages
response search(const call& c);           // GET    /api/v1/search
response delete_search(const call& c);    // DELETE /api/v1/search

// Mailpit v1: one message (handlers_message.cpp)
response get_message(const call& c);  // GET  /api/v1/message/{ID}
response get_headers(const call& c);  // GET  /api/v1/message/{ID}/headers
response get_raw(const call& c);      // GET  /api/v1/message/{ID}/raw
response html_check(const call& c);   // GET  /api/v1/message/{ID}/html-check
response link_check(const call& c);   // GET  /api/v1/message/{ID}/link-check
response sa_check(const call& c);     // GET  /api/v1/message/{ID}/sa-check

// Release (handlers_release.cpp)
response release(const call& c);     // POST /api/v1/message/{ID}/release
response deliveries(const call& c);  // GET  /api/v1/message/{ID}/deliveries

// Parts and rendered views (handlers_parts.cpp, handlers_view.cpp)
response get_part(const call& c);        // GET /api/v1/message/{ID}/part/{PartID}
response get_part_thumb(const call& c);  // GET /api/v1/message/{ID}/part/{PartID}/thumb
response view_html(const call& c);       // GET /view/{ID}.html
response view_text(const call& c);       // GET /view/{ID}.txt
response view_latest(const call& c);     // GET /view/latest

// Tags (handlers_tags.cpp)
response get_tags(const call& c);    // GET    /api/v1/tags
response set_tags(const call& c);    // PUT    /api/v1/tags
response rename_tag(const call& c);  // PUT    /api/v1/tags/{Tag}
response delete_tag(const call& c);  // DELETE /api/v1/tags/{Tag}

// Application (handlers_info.cpp)
response info(const call& c);   // GET     /api/v1/info
response webui(const call& c);  // GET     /api/v1/webui
response chaos(const call& c);  // GET/PUT /api/v1/chaos

// Sending (handlers_send.cpp)
response send(const call& c);  // POST /api/v1/send

// MailHog (handlers_mailhog.cpp)
response mailhog_messages(const call& c);  // GET    /api/v2/messages
response mailhog_search(const call& c);    // GET    /api/v2/search
response mailhog_message(const call& c);   // GET    /api/v1/messages/{ID}
response mailhog_delete(const call& c);    // DELETE /api/v1/messages/{ID}
response mailhog_release(const call& c);   // POST   /api/v1/messages/{ID}/release (handlers_release.cpp)

// Health and the API description (handlers_health.cpp, handlers_openapi.cpp)
response livez(const call& c);    // GET /livez
response readyz(const call& c);   // GET /readyz
response openapi(const call& c);  // GET /api/v1/openapi.json

}  // namespace mailjar::api::handlers
