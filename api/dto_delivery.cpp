#include "api/dto_delivery.hpp"

#include "api/time_format.hpp"
#include "relay/release_policy.hpp"

namespace mailjar::api {

namespace {

const char* attempt_rcpt_status(relay::rcpt_status s) {
  switch (s) {
    case relay::rcpt_status::delivered:
      return "delivered";
    case relay::rcpt_status::permanent:
      return "failed";
    case relay::rcpt_status::temporary:
      break;
  }
  return "deferred";
}

}  // namespace

json deliveries_json(const std::vector<relay::delivery_record>& deliveries) {
  json list = json::array();
  for (const auto& d : deliveries) {
    json recipients = json::array();
    for (const auto& r : d.recipients) {
      recipients.push_back({{"Address", r.address},
                            {"Status", relay::api_status(r.state)},
                            {"Attempts", r.attempts},
                            {"LastReply", r.last_reply},
                            {"NextAttempt", r.next_attempt_ms && r.state == relay::recipient_state::deferred
                                                ? json(rfc3339_local(*r.next_attempt_ms))
                                                : json(nullptr)}});
    }
    json attempts = json::array();
    for (const auto& a : d.attempts) {
      json rcpts = json::array();
      for (const auto& o : a.session.recipients) {
        rcpts.push_back({{"Address", o.address},
                         {"Status", attempt_rcpt_status(relay::judge(o))},
                         {"Code", o.code},
                         {"Reply", o.reply}});
      }
      json transcript = json::array();
      for (const auto& l : a.session.transcript) {
        transcript.push_back(
            {{"Dir", std::string(1, l.dir)}, {"Text", l.text}, {"Time", rfc3339_local(l.at_ms)}});
      }
      attempts.push_back({{"Time", rfc3339_local(a.time_ms)},
                          {"Host", a.session.host},
                          {"Address", a.session.address},
                          {"TLS", a.session.tls},
                          {"TLSProblem", a.session.tls_problem},
                          {"Recipients", std::move(rcpts)},
                          {"Transcript", std::move(transcript)},
                          {"Error", a.session.error}});
    }
    list.push_back({{"ID", d.id},
                    {"Created", rfc3339_local(d.created_ms)},
                    {"Mode", d.mode},
                    {"From", d.mail_from},
                    {"Recipients", std::move(recipients)},
                    {"Attempts", std::move(attempts)}});
  }
  return json{{"Deliveries", std::move(list)}};
}

std::string failed_recipients_text(const std::vector<relay::recipient_record>& recipients) {
  std::string out;
  for (const auto& r : recipients) {
    if (r.state != relay::recipient_state::failed) continue;
    if (!out.empty()) out += "\n";
    out += r.address + ": " + r.last_reply;
  }
  return out;
}

}  // namespace mailjar::api
