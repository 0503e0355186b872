// relay_probe: a test-only command line over the relay transport, driven by
// tests/integration/test_relay_transport.py. Two commands, JSON on stdout:
//   relay_probe resolve --dns-server ip:port DOMAIN
//       -> {"outcome":"ok","detail":"","targets":[{"host","preference","addresses":[...],"implicit"}]}
//   relay_probe deliver [--dns-server ip:port --mx-port N | --smart-host host:port] --from A --to B ...
//                       [--tls none|starttls|require|implicit] [--insecure] [--auth plain|login|cram-md5
//                       --user U --password P] [--helo NAME] [--uid ID] [--timeout-ms N]
//                       [--override-from V] [--new-message-id V] < raw-message
//       -> the delivery_report, plus "sent": the prepared bytes.
// Exit status 0 when the run completed (whatever the outcomes), 2 on bad usage.
#include <nlohmann/json.hpp>

#include <chrono>
#include <iostream>
#include <iterator>
#include <string>
#include <vector>

#include "relay/dns_resolver.hpp"
#include "relay/protocol/delivery_runner.hpp"
#include "relay/protocol/outbound_message.hpp"
#include "relay/smtp_client_asio.hpp"

using namespace mailjar::relay;
using json = nlohmann::json;

namespace {

const char* outcome_name(dns_outcome o) {
  switch (o) {
    case dns_outcome::ok:
      return "ok";
    case dns_outcome::nxdomain:
      return "nxdomain";
    case dns_outcome::null_mx:
      return "null_mx";
    case dns_outcome::temporary:
      return "temporary";
  }
  return "?";
}

const char* status_name(rcpt_status s) {
  switch (s) {
    case rcpt_status::delivered:
      return "delivered";
    case rcpt_status::permanent:
      return "permanent";
    case rcpt_status::temporary:
      return "temporary";
  }
  return "?";
}

json to_json(const mx_result& r) {
  json j{{"outcome", outcome_name(r.outcome)}, {"detail", r.detail}, {"targets", json::array()}};
  for (const auto& t : r.targets) {
    j["targets"].push_back({{"host", t.host},
                            {"preference", t.preference},
                            {"addresses", t.addresses},
                            {"implicit", t.implicit}});
  }
  return j;
}

json to_json(const std::vector<rcpt_outcome>& rs) {
  json out = json::array();
  for (const auto& r : rs) {
    out.push_back(
        {{"address", r.address}, {"status", status_name(r.status)}, {"code", r.code}, {"reply", r.reply}});
  }
  return out;
}

json to_json(const delivery_report& rep) {
  json j{{"attempts", json::array()}, {"recipients", to_json(rep.recipients)}};
  for (const auto& a : rep.attempts) {
    json t = json::array();
    for (const auto& l : a.transcript)
      t.push_back({{"dir", std::string(1, l.dir)}, {"text", l.text}, {"at_ms", l.at_ms}});
    j["attempts"].push_back({{"host", a.host},
                             {"address", a.address},
                             {"tls", a.tls},
                             {"tls_problem", a.tls_problem},
                             {"connected", a.connected},
                             {"error", a.error},
                             {"recipients", to_json(a.recipients)},
                             {"transcript", t}});
  }
  return j;
}

int usage(const std::string& why) {
  std::cerr << "relay_probe: " << why << "\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) return usage("missing command");
  const std::string cmd = argv[1];
  std::string dns_server, smart_host, from, helo = "relay-probe.test", uid = "PROBE", user, password;
  std::string override_from, new_message_id, positional;
  std::vector<std::string> to;
  std::uint16_t mx_port = 25;
  client_options opts;
  long timeout_ms = 5000;
  for (int i = 2; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&]() -> std::string {
      if (i + 1 >= argc) throw std::runtime_error("missing value for " + a);
      return argv[++i];
    };
    try {
      if (a == "--dns-server")
        dns_server = value();
      else if (a == "--smart-host")
        smart_host = value();
      else if (a == "--mx-port")
        mx_port = static_cast<std::uint16_t>(std::stoi(value()));
      else if (a == "--from")
        from = value();
      else if (a == "--to")
        to.push_back(value());
      else if (a == "--helo")
        helo = value();
      else if (a == "--uid")
        uid = value();
      else if (a == "--user")
        user = value();
      else if (a == "--password")
        password = value();
      else if (a == "--override-from")
        override_from = value();
      else if (a == "--new-message-id")
        new_message_id = value();
      else if (a == "--insecure")
        opts.verify_certificates = false;
      else if (a == "--timeout-ms")
        timeout_ms = std::stol(value());
      else if (a == "--tls") {
        const auto v = value();
        opts.tls = v == "none"       ? tls_mode::none
                   : v == "require"  ? tls_mode::starttls_required
                   : v == "implicit" ? tls_mode::implicit
                                     : tls_mode::starttls_opportunistic;
      } else if (a == "--auth") {
        const auto v = value();
        opts.auth = v == "plain" ? auth_mech::plain : v == "login" ? auth_mech::login : auth_mech::cram_md5;
      } else if (a.rfind("--", 0) == 0) {
        return usage("unknown flag " + a);
      } else {
        positional = a;
      }
    } catch (const std::exception& e) {
      return usage(e.what());
    }
  }
  opts.helo_name = helo;
  opts.user = user;
  opts.password = password;
  opts.connect_timeout = opts.command_timeout = opts.data_timeout = std::chrono::milliseconds(timeout_ms);

  try {
    if (cmd == "resolve") {
      dns_resolver r({dns_server, std::chrono::milliseconds(timeout_ms), 2});
      std::cout << to_json(r.resolve(positional)).dump(-1, ' ', false, json::error_handler_t::replace)
                << "\n";
      return 0;
    }
    if (cmd != "deliver") return usage("unknown command " + cmd);
    if (to.empty()) return usage("no --to");
    const std::string raw((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    outbound_options oo;
    oo.received_by = helo;
    oo.uid = uid;
    oo.date_unix =
        std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch())
            .count();
    oo.override_from = override_from;
    oo.new_message_id = new_message_id;
    const auto msg = prepare_outbound(raw, oo);
    asio_smtp_client client;
    delivery_report rep;
    json extra;
    if (!smart_host.empty()) {
      const auto ep = parse_smart_host(smart_host, 25);
      if (!ep) return usage("bad --smart-host");
      rep = deliver_via(client, {*ep}, {}, opts, from, to, msg.bytes);
    } else {
      const std::string domain = to.front().substr(to.front().rfind('@') + 1);
      dns_resolver r({dns_server, std::chrono::milliseconds(timeout_ms), 2});
      const auto mx = r.resolve(domain);
      extra = to_json(mx);
      run_options run;
      run.port = mx_port;
      rep = deliver_domain(client, mx, run, opts, from, to, msg.bytes);
    }
    json out = to_json(rep);
    out["mx"] = extra;
    out["sent"] = msg.bytes;
    std::cout << out.dump(-1, ' ', false, json::error_handler_t::replace) << "\n";
    return 0;
  } catch (const std::exception& e) {
    return usage(e.what());
  }
}
