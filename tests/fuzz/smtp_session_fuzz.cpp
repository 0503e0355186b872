// libFuzzer target smtp_session: the sans-IO SMTP machine (server/smtp/protocol) driven exactly
// as smtp_server.cpp drives it — greeting, receive() per read, next() until need_input,
// take_output() before every read, STARTTLS (the 220, then tls_started), deliver (take_message,
// store, delivered) and close — by a client stream whose read boundaries the fuzzer chooses.
//
// Input: byte 0 = session options (bit 0 STARTTLS offered, 1 reject bare CR/LF, 2 AUTH required
// with user fuzz/pw, 3 small limits, 4 every second store fails, bits 5-6 how reads are split:
// random sizes 1..16 / after every CR / one byte each / random sizes 1..4096), byte 1 = seed of
// the random read sizes, the rest = the bytes the client sends.
//
// Invariants (each aborts with an explanation):
//  - every reply line is `ddd[ -]text\r\n` (2xx-5xx), printable ASCII, <= 512 octets with CRLF,
//    and multi-line replies keep one code;
//  - "250 ... queued as" replies == messages the fake store accepted;
//  - a message ended by DATA ends only where the stream had <CRLF>.<CRLF> (or "." as the first
//    data line), checked at its byte offset, and (up to 2 KB) is exactly the client's lines
//    before it with leading dots removed (a reference unstuffer); with bare line endings
//    refused it holds none;
//  - delivered messages respect the size, recipient and AUTH limits; envelope addresses hold no
//    control characters;
//  - plaintext received while the TLS handshake is pending is dropped, none is left after it;
//  - differential: the same stream in one read gives the same replies and messages.
// STARTTLS model: the client sends nothing between STARTTLS and the handshake, i.e. the bytes
// after the STARTTLS line are re-fed after tls_started() (the injection defence itself is
// asserted separately above), so the differential holds for every split.
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "smtp/protocol/command_parser.hpp"
#include "smtp/protocol/session_machine.hpp"

using namespace mailjar;
using namespace mailjar::smtp;
using mailjar::fuzz::printable;

namespace {

struct options {
  bool tls = false;
  bool reject_bare = false;
  bool auth_required = false;
  bool small = false;
  bool flaky_store = false;
  int split = 0;
  std::uint32_t seed = 1;
};

struct delivery {
  received_message msg;
  std::size_t end_offset = 0;  // stream offset just past the end-of-data terminator / chunk
  bool by_data = false;        // ended by DATA (the last reply before it was 354)
  bool stored = false;
};

struct transcript {
  std::string replies;
  std::vector<delivery> deliveries;
};

session_config config_of(const options& o) {
  session_config c;
  c.hostname = "fuzz.example";
  c.tls_available = o.tls;
  c.reject_bare_line_endings = o.reject_bare;
  if (o.auth_required) {
    c.auth_required = true;
    c.users = {{"fuzz", "pw"}};
  }
  if (o.small) {
    c.max_line = 128;
    c.max_message_size = 300;
    c.max_recipients = 3;
    c.max_errors = 6;
  }
  return c;
}

// Read sizes as the fuzzer chose them: [offset, length) pieces covering the stream.
std::vector<std::pair<std::size_t, std::size_t>> split(std::string_view s, const options& o) {
  std::vector<std::pair<std::size_t, std::size_t>> out;
  std::uint32_t x = o.seed * 2654435761u + 1;
  auto rnd = [&x] {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    return x;
  };
  std::size_t i = 0;
  while (i < s.size()) {
    std::size_t n = 1;
    switch (o.split) {
      case 0:
        n = 1 + rnd() % 16;
        break;
      case 1: {
        const auto cr = s.find('\r', i);
        n = cr == std::string_view::npos ? s.size() - i : cr - i + 1;
        break;
      }
      case 2:
        n = 1;
        break;
      default:
        n = 1 + rnd() % 4096;
        break;
    }
    n = std::min(n, s.size() - i);
    out.emplace_back(i, n);
    i += n;
  }
  return out;
}

// The code of the last complete reply line in `wire`, or 0.
int last_code(std::string_view wire) {
  if (wire.size() < 6) return 0;
  const auto start = wire.rfind("\r\n", wire.size() - 3);
  const std::size_t b = start == std::string_view::npos ? 0 : start + 2;
  return (wire[b] - '0') * 100 + (wire[b + 1] - '0') * 10 + (wire[b + 2] - '0');
}

void check_replies(std::string_view wire) {
  int multi_code = 0;
  while (!wire.empty()) {
    const auto eol = wire.find("\r\n");
    FUZZ_CHECK(eol != std::string_view::npos, "reply without CRLF", printable(wire));
    const std::string_view line = wire.substr(0, eol);
    FUZZ_CHECK(eol + 2 <= 512, "reply line longer than 512 octets", printable(line));
    FUZZ_CHECK(line.size() >= 4 && line[0] >= '2' && line[0] <= '5' && line[1] >= '0' && line[1] <= '9' &&
                   line[2] >= '0' && line[2] <= '9' && (line[3] == ' ' || line[3] == '-'),
               "malformed reply line", printable(line));
    for (const char c : line) {
      const auto u = static_cast<unsigned char>(c);
      FUZZ_CHECK(u >= 0x20 && u < 0x7f, "reply with a control or non-ASCII byte", printable(line));
    }
    const int code = (line[0] - '0') * 100 + (line[1] - '0') * 10 + (line[2] - '0');
    if (multi_code != 0) FUZZ_CHECK(code == multi_code, "multi-line reply changes its code", printable(line));
    multi_code = line[3] == '-' ? code : 0;
    wire.remove_prefix(eol + 2);
  }
  FUZZ_CHECK(multi_code == 0, "multi-line reply without a last line");
}

std::size_t count_queued(std::string_view wire) {
  std::size_t n = 0;
  for (auto p = wire.find("250 2.0.0 Ok: queued as "); p != std::string_view::npos;
       p = wire.find("250 2.0.0 Ok: queued as ", p + 1))
    ++n;
  return n;
}

transcript drive(std::string_view stream, const std::vector<std::pair<std::size_t, std::size_t>>& reads,
                 const options& o) {
  transcript t;
  session_machine m(config_of(o), [] { return std::string("4242.1700000000"); });
  t.replies += m.greeting().wire();
  std::deque<std::pair<std::size_t, std::size_t>> pending(reads.begin(), reads.end());
  std::size_t fed = 0;  // stream offset of the next byte to feed
  std::size_t deliveries = 0;
  for (;;) {
    const step s = m.next();
    if (s == step::need_input) {
      t.replies += m.take_output();
      if (pending.empty()) break;  // the client closes
      const auto [off, len] = pending.front();
      pending.pop_front();
      FUZZ_CHECK(off == fed, "read bookkeeping");
      m.receive(stream.substr(off, len));
      fed = off + len;
    } else if (s == step::start_tls) {
      t.replies += m.take_output();
      FUZZ_CHECK(last_code(t.replies) == 220, "start_tls without a 220", printable(t.replies));
      const std::size_t consumed = fed - m.buffered();
      // CVE-2011-0411: plaintext arriving before the handshake completes is never buffered.
      const std::size_t before = m.buffered();
      m.receive("MAIL FROM:<injected@example.com>\r\n");
      FUZZ_CHECK(m.buffered() == before, "plaintext accepted while the TLS handshake is pending");
      m.tls_started("TLSv1.3 FUZZ");
      FUZZ_CHECK(m.buffered() == 0, "plaintext kept across STARTTLS");
      FUZZ_CHECK(m.take_output().empty(), "tls_started produced a reply");
      // The client's next bytes come over TLS: re-feed the rest of the stream from `consumed`.
      if (fed > consumed) pending.emplace_front(consumed, fed - consumed);
      fed = consumed;
    } else if (s == step::deliver) {
      t.replies += m.take_output();
      delivery d;
      d.by_data = last_code(t.replies) == 354;
      d.msg = m.take_message();
      d.end_offset = fed - m.buffered();
      d.stored = !(o.flaky_store && deliveries % 2 == 1);
      ++deliveries;
      FUZZ_CHECK(m.next() == step::need_input, "machine moved on while a delivery was pending");
      m.delivered(d.stored, d.stored ? "FUZZ" + std::to_string(deliveries) : "disk I/O error");
      t.deliveries.push_back(std::move(d));
    } else {  // close
      t.replies += m.take_output();
      break;
    }
  }
  return t;
}

// Reference dot-unstuffing, written independently of data_reader: a '.' that starts a line
// (the start of data, or right after CRLF) is dropped; nothing else changes.
std::string unstuff(std::string_view region) {
  std::string out;
  bool line_start = true;
  for (std::size_t i = 0; i < region.size(); ++i) {
    const char c = region[i];
    if (line_start && c == '.') {
      line_start = false;
      continue;
    }
    line_start = c == '\n' && i > 0 && region[i - 1] == '\r';
    out.push_back(c);
  }
  return out;
}

// True when some line of the stream before `end` starts data that unstuffs to `data` and ends
// with the terminator at `end`. Only for small messages (the search is quadratic).
bool data_matches_stream(std::string_view stream, std::size_t end, std::string_view data) {
  if (end < 3) return false;
  const std::size_t body_end = end - 3;  // without ".\r\n"
  const std::size_t lowest = body_end >= 2 * data.size() + 2 ? body_end - 2 * data.size() - 2 : 0;
  for (std::size_t s = body_end - std::min(body_end, data.size());; --s) {
    if (s > 0 && stream[s - 1] == '\n' && unstuff(stream.substr(s, body_end - s)) == data) return true;
    if (s == 0 || s <= lowest) return false;
  }
}

bool has_bare_line_endings(std::string_view s) {
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\r' && (i + 1 == s.size() || s[i + 1] != '\n')) return true;
    if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r')) return true;
  }
  return false;
}

void check_transcript(const transcript& t, std::string_view stream, const options& o) {
  check_replies(t.replies);
  const session_config cfg = config_of(o);
  std::size_t stored = 0;
  std::size_t last_end = 0;
  for (const auto& d : t.deliveries) {
    if (d.stored) ++stored;
    FUZZ_CHECK(d.end_offset <= stream.size() && d.end_offset >= last_end, "delivery offsets out of order");
    last_end = d.end_offset;
    const auto& msg = d.msg;
    FUZZ_CHECK(msg.data.size() <= cfg.max_message_size, "delivered message larger than the limit");
    FUZZ_CHECK(!msg.env.rcpt_to.empty() && msg.env.rcpt_to.size() <= cfg.max_recipients,
               "delivered message with a bad recipient count");
    FUZZ_CHECK(!has_control_chars(msg.env.mail_from), "control character in MAIL FROM",
               printable(msg.env.mail_from));
    for (const auto& r : msg.env.rcpt_to) {
      FUZZ_CHECK(!r.empty() && !has_control_chars(r), "bad RCPT TO address", printable(r));
    }
    if (cfg.auth_required)
      FUZZ_CHECK(msg.env.auth_user == "fuzz", "delivered without AUTH", printable(msg.env.auth_user));
    if (d.by_data) {
      const std::string_view before = stream.substr(0, d.end_offset);
      const bool crlf_dot_crlf = before.size() >= 5 && before.substr(before.size() - 5) == "\r\n.\r\n";
      const bool first_line =
          msg.data.empty() && before.size() >= 4 && before.substr(before.size() - 4) == "\n.\r\n";
      FUZZ_CHECK(crlf_dot_crlf || first_line, "DATA ended without <CRLF>.<CRLF>",
                 printable(before.substr(before.size() > 40 ? before.size() - 40 : 0)));
      FUZZ_CHECK(msg.data.empty() || (msg.data.size() >= 2 && msg.data.substr(msg.data.size() - 2) == "\r\n"),
                 "DATA message does not end with CRLF", printable(msg.data));
      if (msg.data.size() <= 2048)
        FUZZ_CHECK(data_matches_stream(stream, d.end_offset, msg.data),
                   "DATA content is not the unstuffed stream", printable(msg.data));
      if (cfg.reject_bare_line_endings)
        FUZZ_CHECK(!has_bare_line_endings(msg.data), "bare CR/LF stored despite reject", printable(msg.data));
    }
  }
  const std::size_t queued = count_queued(t.replies);
  FUZZ_CHECK(queued == stored, "queued replies != stored messages",
             std::to_string(queued) + " vs " + std::to_string(stored));
}

bool same(const transcript& a, const transcript& b) {
  if (a.replies != b.replies || a.deliveries.size() != b.deliveries.size()) return false;
  for (std::size_t i = 0; i < a.deliveries.size(); ++i) {
    const auto& x = a.deliveries[i];
    const auto& y = b.deliveries[i];
    if (x.msg.data != y.msg.data || !(x.msg.env.rcpt_to == y.msg.env.rcpt_to) ||
        x.msg.env.mail_from != y.msg.env.mail_from || x.msg.env.helo != y.msg.env.helo ||
        x.msg.env.auth_user != y.msg.env.auth_user || x.msg.env.tls != y.msg.env.tls ||
        x.msg.env.body_type != y.msg.env.body_type || x.msg.env.smtputf8 != y.msg.env.smtputf8 ||
        x.end_offset != y.end_offset || x.by_data != y.by_data)
      return false;
  }
  return true;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  options o;
  o.tls = data[0] & 1;
  o.reject_bare = data[0] & 2;
  o.auth_required = data[0] & 4;
  o.small = data[0] & 8;
  o.flaky_store = data[0] & 16;
  o.split = (data[0] >> 5) & 3;
  o.seed = data[1] + 1u;
  const std::string stream(reinterpret_cast<const char*>(data) + 2, size - 2);

  const transcript chunked = drive(stream, split(stream, o), o);
  if (std::getenv("MAILJAR_FUZZ_TRACE") != nullptr) {  // debugging aid: what a given input did
    std::fprintf(stderr, "replies:\n%s", chunked.replies.c_str());
    for (const auto& d : chunked.deliveries)
      std::fprintf(stderr, "delivery: %s end=%zu data=%s stored=%d\n", d.by_data ? "DATA" : "BDAT",
                   d.end_offset, printable(d.msg.data).c_str(), d.stored);
  }
  check_transcript(chunked, stream, o);

  const transcript whole = drive(stream, {{0, stream.size()}}, o);
  check_transcript(whole, stream, o);
  FUZZ_CHECK(same(chunked, whole), "split reads changed the session",
             "chunked replies:\n" + printable(chunked.replies, 3000),
             "one-read replies:\n" + printable(whole.replies, 3000));
  return 0;
}
