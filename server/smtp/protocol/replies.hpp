// Every reply the SMTP server sends, as named factories: the one place where codes, enhanced
// status codes (RFC 3463) and texts are written. Texts never contain bytes from the client;
// values from the adapter (queue id, store error) are sanitised again by reply::wire().
// Pure functions; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "smtp/protocol/reply.hpp"

namespace mailjar::smtp::replies {

// Connection level.
reply greeting(std::string_view host);         // 220 <host> ESMTP mailjar
reply access_denied();                         // 554 5.7.1 (peer outside the allow list)
reply too_many_connections();                  // 421 4.7.0
reply bye();                                   // 221 2.0.0
reply timeout(std::string_view host);          // 421 4.4.2
reply too_many_errors(std::string_view host);  // 421 4.7.0
reply not_smtp(std::string_view host);         // 421 4.7.0 (HTTP or header-like line)

// HELO / EHLO (no enhanced codes on these, RFC 2034).
reply helo(std::string_view host);
reply ehlo(std::string_view host, const std::vector<std::string>& keywords);

// Positive replies.
reply ok();                                     // 250 2.0.0 Ok
reply sender_ok();                              // 250 2.1.0 Ok
reply recipient_ok();                           // 250 2.1.5 Ok
reply start_data();                             // 354 End data with <CR><LF>.<CR><LF>
reply chunk_ok(std::uint64_t octets);           // 250 2.0.0 <n> octets received
reply queued(std::string_view id);              // 250 2.0.0 Ok: queued as <id>
reply vrfy();                                   // 252 2.5.0
reply help();                                   // 214 2.0.0
reply ready_for_tls();                          // 220 2.0.0 Ready to start TLS
reply auth_challenge(std::string_view base64);  // 334 <base64> (no enhanced code)
reply auth_ok();                                // 235 2.7.0

// Command errors (count towards session_config::max_errors unless noted).
reply unknown_command();               // 500 5.5.1
reply line_too_long();                 // 500 5.5.2
reply not_implemented();               // 502 5.5.1 (not counted)
reply syntax(std::string_view usage);  // 501 5.5.4 Syntax: <usage>
reply bad_sender();                    // 501 5.1.7
reply bad_recipient();                 // 501 5.1.3
reply unknown_parameter();             // 555 5.5.4
reply need_helo();                     // 503 5.5.1
reply need_mail();                     // 503 5.5.1
reply need_rcpt();                     // 503 5.5.1
reply nested_mail();                   // 503 5.5.1
reply transaction_in_progress();       // 503 5.5.1
reply data_after_bdat();               // 503 5.5.1
reply binarymime_needs_bdat();         // 503 5.5.1
reply tls_already_active();            // 503 5.5.1
reply tls_not_available();             // 502 5.5.1 (not counted)
reply already_authenticated();         // 503 5.5.1
reply auth_required();                 // 530 5.7.0
reply auth_failed();                   // 535 5.7.8
reply auth_cancelled();                // 501 5.0.0 (not counted)
reply auth_malformed();                // 501 5.5.2
reply auth_unknown_mechanism();        // 504 5.5.4

// Transaction results (not counted: the client did nothing wrong in protocol terms).
reply too_many_recipients();                  // 452 4.5.3
reply message_too_big();                      // 552 5.3.4
reply bare_line_endings();                    // 550 5.5.2
reply store_failed(std::string_view reason);  // 451 4.3.0

}  // namespace mailjar::smtp::replies
