// Response shape of GET /api/v1/message/{ID}/deliveries (the release engine's delivery log, as
// the web UI renders it) and the release error text, with to_json. Names are the API's
// contract: {"Deliveries":[{"ID","Created","Mode","From","Recipients":[{"Address","Status",
// "Attempts","LastReply","NextAttempt"}],"Attempts":[{"Time","Host","Address","TLS",
// "TLSProblem","Recipients":[{"Address","Status","Code","Reply"}],"Transcript":[{"Dir","Text",
// "Time"}],"Error"}]}]}. Times are RFC 3339 (NextAttempt: null unless deferred). Pure.
#pragma once

#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "relay/delivery_records.hpp"

namespace mailjar::api {

using json = nlohmann::json;

json deliveries_json(const std::vector<relay::delivery_record>& deliveries);

// "<rcpt>: <code> <reply>" per recipient that failed permanently, one per line; "" when none.
std::string failed_recipients_text(const std::vector<relay::recipient_record>& recipients);

}  // namespace mailjar::api
