#include "api/openapi_document.hpp"

namespace mailjar::api {

namespace {

constexpr std::string_view document = R"json({
  "openapi": "3.0.3",
  "info": {
    "title": "mailjar API",
    "version": "1",
    "description": "Mailpit API v1 compatible (Mailpit 1.30 shapes) plus the MailHog endpoints its npm clients use. Errors are text/plain with the reason: 400 bad request, 404 unknown message or part, 405 wrong method, 413 body too large, 500 store failure. Anywhere {ID} is taken, `latest` means the newest message, and `latest?query=<search>` the newest message matching the search. Times are RFC 3339 with milliseconds and the server's offset."
  },
  "servers": [{"url": "/"}],
  "tags": [
    {"name": "messages"}, {"name": "message"}, {"name": "tags"}, {"name": "application"},
    {"name": "testing"}, {"name": "mailhog"}, {"name": "health"}
  ],
  "paths": {
    "/api/v1/messages": {
      "get": {
        "tags": ["messages"], "summary": "List messages, newest first",
        "parameters": [{"$ref": "#/components/parameters/start"}, {"$ref": "#/components/parameters/limit"}],
        "responses": {"200": {"description": "Messages", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagesSummary"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}}
      },
      "put": {
        "tags": ["messages"], "summary": "Set the read status of messages by IDs, by search, or of all (neither given)",
        "parameters": [{"$ref": "#/components/parameters/tz"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "properties": {
            "IDs": {"type": "array", "items": {"type": "string"}},
            "Read": {"type": "boolean", "default": false},
            "Search": {"type": "string", "description": "Mailpit search; not together with IDs"}}}}}},
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}}
      },
      "delete": {
        "tags": ["messages", "mailhog"], "summary": "Delete messages by IDs; an empty list or no body deletes all (no body: empty 200 reply, for MailHog's client)",
        "requestBody": {"required": false, "content": {"application/json": {"schema": {
          "type": "object", "properties": {"IDs": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"200": {"description": "`ok`, or an empty body when no request body was sent", "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v1/search": {
      "get": {
        "tags": ["messages"], "summary": "Search messages, newest first",
        "parameters": [{"$ref": "#/components/parameters/query"}, {"$ref": "#/components/parameters/start"},
                       {"$ref": "#/components/parameters/limit"}, {"$ref": "#/components/parameters/tz"}],
        "responses": {"200": {"description": "Matches; messages_count and messages_unread count the matches", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MessagesSummary"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}}
      },
      "delete": {
        "tags": ["messages"], "summary": "Delete every message matching a search",
        "parameters": [{"$ref": "#/components/parameters/query"}, {"$ref": "#/components/parameters/tz"}],
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v1/message/{ID}": {
      "get": {
        "tags": ["message"], "summary": "One message; marks it read",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/latestQuery"}],
        "responses": {"200": {"description": "The message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Message"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/headers": {
      "get": {
        "tags": ["message"], "summary": "Top-level headers: canonical name -> values in message order",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/latestQuery"}],
        "responses": {"200": {"description": "Headers", "content": {"application/json": {"schema": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/raw": {
      "get": {
        "tags": ["message"], "summary": "The exact bytes received",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/latestQuery"},
                       {"name": "dl", "in": "query", "schema": {"type": "string", "enum": ["1"]}, "description": "1: download as <ID>.eml"}],
        "responses": {"200": {"description": "Raw message", "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/part/{PartID}": {
      "get": {
        "tags": ["message"], "summary": "Decoded bytes of one part (raster images inline, everything else as an attachment; HTML/XML/SVG as application/octet-stream)",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/PartID"}],
        "responses": {"200": {"description": "Part content", "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/part/{PartID}/thumb": {
      "get": {
        "tags": ["message"], "summary": "Thumbnail of an image part (the image itself); 404 for other parts",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/PartID"}],
        "responses": {"200": {"description": "Image", "content": {"image/*": {"schema": {"type": "string", "format": "binary"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/release": {
      "post": {
        "tags": ["message"], "summary": "Release a message to recipients through the smart host (--relay-host) or their MX hosts (--relay-mx)",
        "description": "Answers once each recipient has a first outcome: 200 `ok` when none failed permanently (deferred ones are retried by the queue), else 400 with one `<rcpt>: <code> <reply>` line per failed recipient. 400 `release is not configured` when release is off; 400 for recipients not allowed or blocked (nothing is sent).",
        "parameters": [{"$ref": "#/components/parameters/ID"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "required": ["To"], "properties": {"To": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/deliveries": {
      "get": {
        "tags": ["message"], "summary": "mailjar: the delivery log of a message's releases (per recipient status, every attempt with its SMTP transcript)",
        "parameters": [{"$ref": "#/components/parameters/ID"}],
        "responses": {"200": {"description": "Deliveries, oldest first", "content": {"application/json": {"schema": {"type": "object", "properties": {
          "Deliveries": {"type": "array", "items": {"type": "object", "properties": {
            "ID": {"type": "integer"}, "Created": {"type": "string", "format": "date-time"},
            "Mode": {"type": "string", "enum": ["relay", "mx"]}, "From": {"type": "string", "description": "envelope sender"},
            "Recipients": {"type": "array", "items": {"type": "object", "properties": {
              "Address": {"type": "string"}, "Status": {"type": "string", "enum": ["pending", "delivered", "deferred", "failed"]},
              "Attempts": {"type": "integer"}, "LastReply": {"type": "string"},
              "NextAttempt": {"type": "string", "format": "date-time", "nullable": true}}}},
            "Attempts": {"type": "array", "items": {"type": "object", "properties": {
              "Time": {"type": "string", "format": "date-time"}, "Host": {"type": "string"}, "Address": {"type": "string", "description": "ip:port tried"},
              "TLS": {"type": "string"}, "TLSProblem": {"type": "string"},
              "Recipients": {"type": "array", "items": {"type": "object", "properties": {
                "Address": {"type": "string"}, "Status": {"type": "string", "enum": ["delivered", "deferred", "failed"]},
                "Code": {"type": "integer"}, "Reply": {"type": "string"}}}},
              "Transcript": {"type": "array", "items": {"type": "object", "properties": {
                "Dir": {"type": "string", "enum": ["C", "S", "I"], "description": "C client sent, S server replied, I info"},
                "Text": {"type": "string"}, "Time": {"type": "string", "format": "date-time"}}}},
              "Error": {"type": "string"}}}}}}}}}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/v1/message/{ID}/html-check": {
      "get": {"tags": ["message"], "summary": "Not available in mailjar (400)", "parameters": [{"$ref": "#/components/parameters/ID"}],
              "responses": {"400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/message/{ID}/link-check": {
      "get": {"tags": ["message"], "summary": "Disabled: mailjar never fetches URLs found in mail (400)", "parameters": [{"$ref": "#/components/parameters/ID"}],
              "responses": {"400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/message/{ID}/sa-check": {
      "get": {"tags": ["message"], "summary": "SpamAssassin is not enabled (400)", "parameters": [{"$ref": "#/components/parameters/ID"}],
              "responses": {"400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/send": {
      "post": {
        "tags": ["message"], "summary": "Store a message built from a Mailpit SendRequest, as if received over SMTP",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"$ref": "#/components/schemas/SendRequest"}}}},
        "responses": {"200": {"description": "Stored", "content": {"application/json": {"schema": {"type": "object", "properties": {"ID": {"type": "string"}}}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "413": {"description": "Larger than the maximum message size"}}
      }
    },
    "/api/v1/tags": {
      "get": {"tags": ["tags"], "summary": "Every tag in use, sorted",
              "responses": {"200": {"description": "Tags", "content": {"application/json": {"schema": {"type": "array", "items": {"type": "string"}}}}}}},
      "put": {
        "tags": ["tags"], "summary": "Replace the tags of messages",
        "requestBody": {"required": true, "content": {"application/json": {"schema": {
          "type": "object", "properties": {"IDs": {"type": "array", "items": {"type": "string"}}, "Tags": {"type": "array", "items": {"type": "string"}}}}}}},
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v1/tags/{Tag}": {
      "put": {
        "tags": ["tags"], "summary": "Rename a tag",
        "parameters": [{"$ref": "#/components/parameters/Tag"}],
        "requestBody": {"required": true, "content": {"application/json": {"schema": {"type": "object", "properties": {"Name": {"type": "string"}}}}}},
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}}
      },
      "delete": {
        "tags": ["tags"], "summary": "Delete a tag (the messages stay)",
        "parameters": [{"$ref": "#/components/parameters/Tag"}],
        "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v1/info": {
      "get": {"tags": ["application"], "summary": "Application information and statistics",
              "responses": {"200": {"description": "Info", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/AppInformation"}}}}}}
    },
    "/api/v1/webui": {
      "get": {"tags": ["application"], "summary": "Web UI configuration",
              "responses": {"200": {"description": "Configuration", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/WebUIConfiguration"}}}}}}
    },
    "/api/v1/chaos": {
      "get": {"tags": ["application"], "summary": "Chaos triggers (not enabled: 400)", "responses": {"400": {"$ref": "#/components/responses/BadRequest"}}},
      "put": {"tags": ["application"], "summary": "Set chaos triggers (not enabled: 400)", "responses": {"400": {"$ref": "#/components/responses/BadRequest"}}}
    },
    "/api/v1/openapi.json": {
      "get": {"tags": ["application"], "summary": "This document",
              "responses": {"200": {"description": "OpenAPI 3 document", "content": {"application/json": {"schema": {"type": "object"}}}}}}
    },
    "/view/latest": {
      "get": {"tags": ["testing"], "summary": "Redirect to the web UI view of the newest message (or matching ?query=)",
              "parameters": [{"$ref": "#/components/parameters/latestQuery"}],
              "responses": {"302": {"description": "Redirect"}}}
    },
    "/view/{ID}.html": {
      "get": {
        "tags": ["testing"], "summary": "The HTML body with cid: URLs rewritten to part URLs, under a sandboxing CSP",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/latestQuery"}],
        "responses": {"200": {"description": "HTML", "content": {"text/html": {"schema": {"type": "string"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/view/{ID}.txt": {
      "get": {
        "tags": ["testing"], "summary": "The text body",
        "parameters": [{"$ref": "#/components/parameters/ID"}, {"$ref": "#/components/parameters/latestQuery"}],
        "responses": {"200": {"description": "Text", "content": {"text/plain": {"schema": {"type": "string"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}
      }
    },
    "/api/events": {
      "get": {"tags": ["application"], "summary": "WebSocket of live events (upgrade; served by the HTTP layer). Frames {\"Type\",\"Data\"}: new (MessageSummary), stats {Total,Unread,Version}, update {ID,Read} or {ID,Tags}, delete {ID}, prune null, truncate null, error {Level,Type,IP,Message}",
              "responses": {"101": {"description": "Switching Protocols"}, "403": {"description": "Origin not allowed"}}}
    },
    "/livez": {"get": {"tags": ["health"], "summary": "Liveness", "responses": {"200": {"$ref": "#/components/responses/OK"}}}},
    "/readyz": {"get": {"tags": ["health"], "summary": "Readiness (the mailbox answers)",
                        "responses": {"200": {"$ref": "#/components/responses/OK"}, "503": {"description": "Not ready"}}}},
    "/api/v2/messages": {
      "get": {
        "tags": ["mailhog"], "summary": "MailHog: list messages, newest first",
        "parameters": [{"$ref": "#/components/parameters/start"},
                       {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 250}}],
        "responses": {"200": {"description": "Messages", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MailHogMessages"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v2/search": {
      "get": {
        "tags": ["mailhog"], "summary": "MailHog: search by sender, recipient or content",
        "parameters": [{"name": "kind", "in": "query", "required": true, "schema": {"type": "string", "enum": ["from", "to", "containing"]}},
                       {"name": "query", "in": "query", "required": true, "schema": {"type": "string"}},
                       {"$ref": "#/components/parameters/start"},
                       {"name": "limit", "in": "query", "schema": {"type": "integer", "default": 50, "maximum": 250}}],
        "responses": {"200": {"description": "Matches", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MailHogMessages"}}}},
                      "400": {"$ref": "#/components/responses/BadRequest"}}
      }
    },
    "/api/v1/messages/{ID}": {
      "get": {"tags": ["mailhog"], "summary": "MailHog: one message", "parameters": [{"$ref": "#/components/parameters/ID"}],
              "responses": {"200": {"description": "Message", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/MailHogMessage"}}}},
                            "404": {"$ref": "#/components/responses/NotFound"}}},
      "delete": {"tags": ["mailhog"], "summary": "MailHog: delete one message (empty 200 reply)", "parameters": [{"$ref": "#/components/parameters/ID"}],
                 "responses": {"200": {"description": "Deleted (empty body)"}, "404": {"$ref": "#/components/responses/NotFound"}}}
    },
    "/api/v1/messages/{ID}/release": {
      "post": {"tags": ["mailhog"], "summary": "MailHog: release to Email through Host:Port (AUTH with Username/Password/Mechanism when given); needs release enabled, recipient rules apply", "parameters": [{"$ref": "#/components/parameters/ID"}],
               "requestBody": {"content": {"application/json": {"schema": {"type": "object", "required": ["Email"], "properties": {
                 "Host": {"type": "string"}, "Port": {"type": "string"}, "Email": {"type": "string"}, "Username": {"type": "string"},
                 "Password": {"type": "string"}, "Mechanism": {"type": "string", "enum": ["PLAIN", "LOGIN", "CRAM-MD5"]}}}}}},
               "responses": {"200": {"$ref": "#/components/responses/OK"}, "400": {"$ref": "#/components/responses/BadRequest"}, "404": {"$ref": "#/components/responses/NotFound"}}}
    }
  },
  "components": {
    "parameters": {
      "ID": {"name": "ID", "in": "path", "required": true, "schema": {"type": "string"}, "description": "Message ID (22 base62 characters) or `latest`"},
      "PartID": {"name": "PartID", "in": "path", "required": true, "schema": {"type": "string"}, "description": "Part ID, e.g. 2 or 1.2"},
      "Tag": {"name": "Tag", "in": "path", "required": true, "schema": {"type": "string"}, "description": "URL-encoded tag name"},
      "start": {"name": "start", "in": "query", "schema": {"type": "integer", "default": 0, "minimum": 0}},
      "limit": {"name": "limit", "in": "query", "description": "0: all (at most 10000); not a number or negative: 50",
                "schema": {"type": "integer", "default": 50, "minimum": 0, "maximum": 10000}},
      "query": {"name": "query", "in": "query", "required": true, "schema": {"type": "string"}, "description": "Mailpit search syntax"},
      "latestQuery": {"name": "query", "in": "query", "schema": {"type": "string"}, "description": "With ID `latest`: the newest message matching this search"},
      "tz": {"name": "tz", "in": "query", "schema": {"type": "string"}, "description": "Time zone for before:/after: (IANA name such as Pacific/Auckland, UTC, or +13:00)"}
    },
    "responses": {
      "OK": {"description": "Done", "content": {"text/plain": {"schema": {"type": "string", "example": "ok"}}}},
      "BadRequest": {"description": "The reason", "content": {"text/plain": {"schema": {"type": "string"}}}},
      "NotFound": {"description": "Not found", "content": {"text/plain": {"schema": {"type": "string"}}}}
    },
    "schemas": {
      "Address": {"type": "object", "properties": {"Name": {"type": "string"}, "Address": {"type": "string"}}},
      "MessageSummary": {"type": "object", "properties": {
        "ID": {"type": "string"}, "MessageID": {"type": "string"}, "Read": {"type": "boolean"},
        "From": {"allOf": [{"$ref": "#/components/schemas/Address"}], "nullable": true},
        "To": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "Cc": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "Bcc": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}, "description": "Bcc header plus envelope-only recipients"},
        "ReplyTo": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "Subject": {"type": "string"}, "Created": {"type": "string", "format": "date-time"},
        "Username": {"type": "string"}, "Tags": {"type": "array", "items": {"type": "string"}},
        "Size": {"type": "integer"}, "Attachments": {"type": "integer"}, "Snippet": {"type": "string"}}},
      "MessagesSummary": {"type": "object", "properties": {
        "total": {"type": "integer"}, "unread": {"type": "integer"}, "count": {"type": "integer"},
        "messages_count": {"type": "integer"}, "messages_unread": {"type": "integer"}, "start": {"type": "integer"},
        "tags": {"type": "array", "items": {"type": "string"}},
        "messages": {"type": "array", "items": {"$ref": "#/components/schemas/MessageSummary"}}}},
      "Attachment": {"type": "object", "properties": {
        "PartID": {"type": "string"}, "FileName": {"type": "string"}, "ContentType": {"type": "string"},
        "ContentID": {"type": "string"}, "Size": {"type": "integer"},
        "Checksums": {"type": "object", "properties": {"MD5": {"type": "string"}, "SHA1": {"type": "string"}, "SHA256": {"type": "string"}}}}},
      "Message": {"type": "object", "properties": {
        "ID": {"type": "string"}, "MessageID": {"type": "string"},
        "From": {"allOf": [{"$ref": "#/components/schemas/Address"}], "nullable": true},
        "To": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "Cc": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "Bcc": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "ReplyTo": {"type": "array", "items": {"$ref": "#/components/schemas/Address"}},
        "ReturnPath": {"type": "string"}, "Subject": {"type": "string"},
        "ListUnsubscribe": {"type": "object", "properties": {"Header": {"type": "string"}, "Links": {"type": "array", "items": {"type": "string"}},
                                                              "Errors": {"type": "string"}, "HeaderPost": {"type": "string"}}},
        "Date": {"type": "string", "format": "date-time"}, "Tags": {"type": "array", "items": {"type": "string"}},
        "Username": {"type": "string"}, "Text": {"type": "string"}, "HTML": {"type": "string"}, "Size": {"type": "integer"},
        "Inline": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
        "Attachments": {"type": "array", "items": {"$ref": "#/components/schemas/Attachment"}},
        "Envelope": {"type": "object", "description": "mailjar: what the SMTP session knew", "properties": {
          "MailFrom": {"type": "string"}, "RcptTo": {"type": "array", "items": {"type": "string"}},
          "ClientAddress": {"type": "string"}, "Helo": {"type": "string"}, "TLS": {"type": "string"},
          "AuthUser": {"type": "string"}, "SMTPUTF8": {"type": "boolean"}, "BodyType": {"type": "string"},
          "Received": {"type": "string", "format": "date-time"}}},
        "ParseWarnings": {"type": "array", "items": {"type": "string"}, "description": "mailjar: MIME parse problems"}}},
      "SendRequest": {"type": "object", "required": ["From", "Subject"], "properties": {
        "From": {"type": "object", "required": ["Email"], "properties": {"Email": {"type": "string"}, "Name": {"type": "string"}}},
        "To": {"type": "array", "items": {"$ref": "#/components/schemas/SendAddress"}},
        "Cc": {"type": "array", "items": {"$ref": "#/components/schemas/SendAddress"}},
        "Bcc": {"type": "array", "items": {"type": "string"}},
        "ReplyTo": {"type": "array", "items": {"$ref": "#/components/schemas/SendAddress"}},
        "Subject": {"type": "string"}, "Text": {"type": "string"}, "HTML": {"type": "string"},
        "Attachments": {"type": "array", "items": {"type": "object", "required": ["Content"], "properties": {
          "Content": {"type": "string", "description": "base64 (a data: URL prefix is accepted)"},
          "Filename": {"type": "string"}, "ContentType": {"type": "string"},
          "ContentID": {"type": "string", "description": "set: attached inline"}}}},
        "Tags": {"type": "array", "items": {"type": "string"}},
        "Headers": {"type": "object", "additionalProperties": {"type": "string"}}}},
      "SendAddress": {"type": "object", "required": ["Email"], "properties": {"Email": {"type": "string"}, "Name": {"type": "string"}}},
      "AppInformation": {"type": "object", "properties": {
        "Version": {"type": "string"}, "LatestVersion": {"type": "string"}, "Database": {"type": "string"},
        "DatabaseSize": {"type": "integer"}, "Messages": {"type": "integer"}, "Unread": {"type": "integer"},
        "Tags": {"type": "object", "additionalProperties": {"type": "integer"}},
        "RuntimeStats": {"type": "object", "properties": {
          "Uptime": {"type": "integer"}, "Memory": {"type": "integer"}, "MessagesDeleted": {"type": "integer"},
          "SMTPAccepted": {"type": "integer"}, "SMTPAcceptedSize": {"type": "integer"},
          "SMTPRejected": {"type": "integer"}, "SMTPIgnored": {"type": "integer"}}}}},
      "WebUIConfiguration": {"type": "object", "properties": {
        "Label": {"type": "string"},
        "MessageRelay": {"type": "object", "properties": {
          "Enabled": {"type": "boolean"}, "SMTPServer": {"type": "string"}, "ReturnPath": {"type": "string"},
          "AllowedRecipients": {"type": "string"}, "BlockedRecipients": {"type": "string"}, "OverrideFrom": {"type": "string"},
          "PreserveMessageIDs": {"type": "boolean"}, "RecipientAllowlist": {"type": "string"}}},
        "SpamAssassin": {"type": "boolean"}, "ChaosEnabled": {"type": "boolean"},
        "DuplicatesIgnored": {"type": "boolean"}, "HideDeleteAllButton": {"type": "boolean"}}},
      "MailHogPath": {"type": "object", "properties": {"Relays": {"type": "array", "nullable": true, "items": {"type": "string"}},
                                                        "Mailbox": {"type": "string"}, "Domain": {"type": "string"}, "Params": {"type": "string"}}},
      "MailHogContent": {"type": "object", "properties": {
        "Headers": {"type": "object", "additionalProperties": {"type": "array", "items": {"type": "string"}}},
        "Body": {"type": "string"}, "Size": {"type": "integer"},
        "MIME": {"type": "object", "nullable": true, "properties": {"Parts": {"type": "array", "items": {"$ref": "#/components/schemas/MailHogContent"}}}}}},
      "MailHogMessage": {"type": "object", "properties": {
        "ID": {"type": "string"}, "From": {"$ref": "#/components/schemas/MailHogPath"},
        "To": {"type": "array", "items": {"$ref": "#/components/schemas/MailHogPath"}},
        "Content": {"$ref": "#/components/schemas/MailHogContent"}, "Created": {"type": "string", "format": "date-time"},
        "MIME": {"type": "object", "nullable": true, "properties": {"Parts": {"type": "array", "items": {"$ref": "#/components/schemas/MailHogContent"}}}},
        "Raw": {"type": "object", "properties": {"From": {"type": "string"}, "To": {"type": "array", "items": {"type": "string"}},
                                                 "Data": {"type": "string"}, "Helo": {"type": "string"}}}}},
      "MailHogMessages": {"type": "object", "properties": {
        "total": {"type": "integer"}, "count": {"type": "integer"}, "start": {"type": "integer"},
        "items": {"type": "array", "items": {"$ref": "#/components/schemas/MailHogMessage"}}}}
    }
  }
})json";

}  // namespace

std::string_view openapi_document() { return document; }

}  // namespace mailjar::api
