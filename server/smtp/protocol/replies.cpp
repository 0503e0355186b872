#include "smtp/protocol/replies.hpp"

namespace mailjar::smtp::replies {

namespace {

reply make(int code, std::string enhanced, std::string text) {
  return reply{code, std::move(enhanced), {std::move(text)}};
}

// Values handed in by the adapter are bounded so the reply stays one short line.
std::string bounded(std::string_view s, std::size_t max) { return std::string(s.substr(0, max)); }

}  // namespace

reply greeting(std::string_view host) { return make(220, "", bounded(host, 255) + " ESMTP mailjar"); }
reply access_denied() { return make(554, "5.7.1", "Error: access denied"); }
reply too_many_connections() { return make(421, "4.7.0", "Error: too many connections, try again later"); }
reply bye() { return make(221, "2.0.0", "Bye"); }
reply timeout(std::string_view host) {
  return make(421, "4.4.2", bounded(host, 255) + " Error: timeout exceeded");
}
reply too_many_errors(std::string_view host) {
  return make(421, "4.7.0", bounded(host, 255) + " Error: too many errors");
}
reply not_smtp(std::string_view host) {
  return make(421, "4.7.0", bounded(host, 255) + " Error: this is an SMTP server, closing connection");
}

reply helo(std::string_view host) { return make(250, "", bounded(host, 255)); }
reply ehlo(std::string_view host, const std::vector<std::string>& keywords) {
  reply r{250, "", {bounded(host, 255)}};
  r.lines.insert(r.lines.end(), keywords.begin(), keywords.end());
  return r;
}

reply ok() { return make(250, "2.0.0", "Ok"); }
reply sender_ok() { return make(250, "2.1.0", "Ok"); }
reply recipient_ok() { return make(250, "2.1.5", "Ok"); }
// RFC 2034 asks for enhanced codes on 2xx, 4xx and 5xx only; 354 carries none, as in Postfix.
reply start_data() { return make(354, "", "End data with <CR><LF>.<CR><LF>"); }
reply chunk_ok(std::uint64_t octets) {
  return make(250, "2.0.0", std::to_string(octets) + " octets received");
}
reply queued(std::string_view id) { return make(250, "2.0.0", "Ok: queued as " + bounded(id, 64)); }
reply vrfy() { return make(252, "2.5.0", "Cannot VRFY user, but will accept message and attempt delivery"); }
reply help() {
  return make(214, "2.0.0", "Commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP QUIT VRFY HELP STARTTLS AUTH");
}
reply ready_for_tls() { return make(220, "2.0.0", "Ready to start TLS"); }
reply auth_challenge(std::string_view base64) { return make(334, "", std::string(base64)); }
reply auth_ok() { return make(235, "2.7.0", "Authentication successful"); }

reply unknown_command() { return make(500, "5.5.1", "Error: command not recognized"); }
reply line_too_long() { return make(500, "5.5.2", "Error: line too long"); }
reply not_implemented() { return make(502, "5.5.1", "Error: command not implemented"); }
reply syntax(std::string_view usage) { return make(501, "5.5.4", "Syntax: " + std::string(usage)); }
reply bad_sender() { return make(501, "5.1.7", "Error: bad sender address syntax"); }
reply bad_recipient() { return make(501, "5.1.3", "Error: bad recipient address syntax"); }
reply unknown_parameter() { return make(555, "5.5.4", "Error: unsupported parameter"); }
reply need_helo() { return make(503, "5.5.1", "Error: send HELO/EHLO first"); }
reply need_mail() { return make(503, "5.5.1", "Error: need MAIL command"); }
reply need_rcpt() { return make(503, "5.5.1", "Error: need RCPT command"); }
reply nested_mail() { return make(503, "5.5.1", "Error: nested MAIL command"); }
reply transaction_in_progress() { return make(503, "5.5.1", "Error: MAIL transaction in progress"); }
reply data_after_bdat() { return make(503, "5.5.1", "Error: DATA cannot follow BDAT"); }
reply binarymime_needs_bdat() { return make(503, "5.5.1", "Error: BODY=BINARYMIME requires BDAT"); }
reply tls_already_active() { return make(503, "5.5.1", "Error: TLS already active"); }
reply tls_not_available() { return make(502, "5.5.1", "Error: STARTTLS not available"); }
reply already_authenticated() { return make(503, "5.5.1", "Error: already authenticated"); }
reply auth_required() { return make(530, "5.7.0", "Error: authentication required"); }
reply auth_failed() { return make(535, "5.7.8", "Error: authentication credentials invalid"); }
reply auth_cancelled() { return make(501, "5.0.0", "Authentication cancelled"); }
reply auth_malformed() { return make(501, "5.5.2", "Error: cannot decode authentication response"); }
reply auth_unknown_mechanism() { return make(504, "5.5.4", "Error: unrecognized authentication type"); }

reply too_many_recipients() { return make(452, "4.5.3", "Error: too many recipients"); }
reply message_too_big() { return make(552, "5.3.4", "Error: message exceeds fixed maximum message size"); }
reply bare_line_endings() {
  return make(550, "5.5.2", "Error: bare CR or LF in message data, use CRLF line endings");
}
reply store_failed(std::string_view reason) {
  return make(451, "4.3.0", "Error: message not stored: " + bounded(reason, 200));
}

}  // namespace mailjar::smtp::replies
