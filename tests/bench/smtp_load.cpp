// smtp_load: the SMTP load generator of the comparison benchmark (tests/bench/compare.py).
//
// Opens N connections to one SMTP server on loopback, greets it with EHLO once per connection, then
// keeps every connection busy sending the same message (one sender, one recipient, one message per
// transaction) until M messages were acknowledged in total (--messages) or T seconds passed
// (--seconds). With --pipelining, MAIL, RCPT and DATA go out in one write (RFC 2920; the server must
// advertise PIPELINING) and the message follows the 354; without it each command waits for its reply.
// Every reply is checked (MAIL/RCPT 250, DATA 354, end of data 250); a wrong one counts as a failed
// transaction (RSET, go on), a broken connection ends that connection.
//
// Latency (microseconds, steady clock), per transaction: MAIL written -> 250 after the data ("txn"),
// and per command: without pipelining each command's round trip; with pipelining each reply's time
// since the one write of MAIL+RCPT+DATA; "body" is the message's first byte written -> its 250.
// The clock starts when every connection has been greeted (connection set-up is not measured).
//
// Output: one JSON object on stdout (counts, seconds, msgs/s, p50/p95/p99/max of each latency, acks
// per second, and the generator's own CPU time per acknowledged message, user + system, since it
// shares the machine with the server); errors on stderr. Exit status 0 when every transaction was
// acknowledged, 1 otherwise, 2 on bad arguments. Threads: one per connection, blocking sockets; nothing is
// shared but atomics.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>
#include <algorithm>
#include <atomic>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>
#include <mutex>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  std::string host = "127.0.0.1";
  int port = 0;
  int conns = 1;
  long messages = 0;
  double seconds = 0;
  std::string file;
  bool pipelining = false;
  std::string from = "sender@bench.example";
  std::string to = "rcpt@bench.example";
  int timeout_s = 120;
};

struct samples {
  std::vector<uint32_t> txn, mail, rcpt, data, body;
};

struct shared_state {
  std::atomic<long> remaining{0};
  std::atomic<bool> go{false};
  std::atomic<int> ready{0};
  std::atomic<long> acked{0};
  std::atomic<long> failed{0};
  std::atomic<int> broken{0};
  clock_type::time_point start;
  clock_type::time_point deadline;
  bool timed = false;
  std::vector<std::atomic<uint32_t>> per_second = std::vector<std::atomic<uint32_t>>(7200);
  std::mutex error_mutex;
  std::string first_error;

  void note_error(const std::string& what) {
    std::lock_guard<std::mutex> lock(error_mutex);
    if (first_error.empty()) first_error = what;
  }
};

uint32_t micros(clock_type::time_point a, clock_type::time_point b) {
  auto us = std::chrono::duration_cast<std::chrono::microseconds>(b - a).count();
  return us < 0 ? 0 : static_cast<uint32_t>(std::min<long long>(us, UINT32_MAX));
}

// One SMTP connection: blocking socket with a receive timeout, and a reply reader.
class connection {
 public:
  explicit connection(int fd) : fd_(fd) {}
  ~connection() {
    if (fd_ >= 0) ::close(fd_);
  }
  connection(const connection&) = delete;
  connection& operator=(const connection&) = delete;

  bool write_all(const std::string& bytes) {
    size_t off = 0;
    while (off < bytes.size()) {
      ssize_t n = ::send(fd_, bytes.data() + off, bytes.size() - off, MSG_NOSIGNAL);
      if (n < 0) {
        if (errno == EINTR) continue;
        return false;
      }
      off += static_cast<size_t>(n);
    }
    return true;
  }

  // Reads one (possibly multi-line) reply. Returns its code, or -1 on a broken connection or a
  // malformed reply; `text` gets the whole reply.
  int read_reply(std::string& text) {
    text.clear();
    for (;;) {
      std::string line;
      if (!read_line(line)) return -1;
      text += line;
      text += '\n';
      if (line.size() < 3 || !std::isdigit(static_cast<unsigned char>(line[0])) ||
          !std::isdigit(static_cast<unsigned char>(line[1])) ||
          !std::isdigit(static_cast<unsigned char>(line[2])))
        return -1;
      if (line.size() == 3 || line[3] == ' ') return std::atoi(line.substr(0, 3).c_str());
      if (line[3] != '-') return -1;
      if (text.size() > 65536) return -1;
    }
  }

 private:
  bool read_line(std::string& line) {
    for (;;) {
      auto eol = buf_.find("\r\n", pos_);
      if (eol != std::string::npos) {
        line.assign(buf_, pos_, eol - pos_);
        pos_ = eol + 2;
        if (pos_ == buf_.size()) {
          buf_.clear();
          pos_ = 0;
        }
        return true;
      }
      if (buf_.size() - pos_ > 65536) return false;
      char tmp[8192];
      ssize_t n = ::recv(fd_, tmp, sizeof tmp, 0);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) return false;
      if (pos_ > 0) {
        buf_.erase(0, pos_);
        pos_ = 0;
      }
      buf_.append(tmp, static_cast<size_t>(n));
    }
  }

  int fd_;
  std::string buf_;
  size_t pos_ = 0;
};

int connect_to(const options& o) {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(o.port));
  if (::inet_pton(AF_INET, o.host.c_str(), &addr.sin_addr) != 1 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  timeval tv{};
  tv.tv_sec = o.timeout_s;
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  return fd;
}

std::string one_line(std::string s) {
  for (auto& c : s)
    if (c == '\r' || c == '\n') c = ' ';
  while (!s.empty() && s.back() == ' ') s.pop_back();
  return s;
}

bool claim(shared_state& st) {
  if (st.timed) return clock_type::now() < st.deadline;
  return st.remaining.fetch_sub(1) > 0;
}

void record_ack(shared_state& st, clock_type::time_point at) {
  st.acked.fetch_add(1);
  auto sec = std::chrono::duration_cast<std::chrono::seconds>(at - st.start).count();
  if (sec >= 0 && static_cast<size_t>(sec) < st.per_second.size()) st.per_second[static_cast<size_t>(sec)]++;
}

void run_connection(const options& o, const std::string& body, shared_state& st, samples& out, int index) {
  auto fail_setup = [&](const std::string& what) {
    st.note_error("connection " + std::to_string(index) + ": " + what);
    st.broken++;
    st.ready++;
  };
  int fd = connect_to(o);
  if (fd < 0) return fail_setup(std::string("connect: ") + std::strerror(errno));
  connection c(fd);
  std::string reply;
  if (c.read_reply(reply) != 220) return fail_setup("greeting: " + one_line(reply));
  if (!c.write_all("EHLO bench.local\r\n")) return fail_setup("EHLO write failed");
  if (c.read_reply(reply) != 250) return fail_setup("EHLO: " + one_line(reply));
  if (o.pipelining && reply.find("PIPELINING") == std::string::npos)
    return fail_setup("server does not advertise PIPELINING");
  st.ready++;
  while (!st.go.load()) std::this_thread::sleep_for(std::chrono::microseconds(200));

  const std::string mail = "MAIL FROM:<" + o.from + ">\r\n";
  const std::string rcpt = "RCPT TO:<" + o.to + ">\r\n";
  const std::string data = "DATA\r\n";
  const std::string envelope = mail + rcpt + data;
  bool alive = true;
  while (alive && claim(st)) {
    int mail_code = 0, rcpt_code = 0, data_code = 0;
    auto t0 = clock_type::now();
    uint32_t mail_us = 0, rcpt_us = 0, data_us = 0;
    if (o.pipelining) {
      if (!c.write_all(envelope)) {
        alive = false;
        break;
      }
      mail_code = c.read_reply(reply);
      mail_us = micros(t0, clock_type::now());
      std::string r2, r3;
      rcpt_code = mail_code < 0 ? -1 : c.read_reply(r2);
      rcpt_us = micros(t0, clock_type::now());
      data_code = rcpt_code < 0 ? -1 : c.read_reply(r3);
      data_us = micros(t0, clock_type::now());
      if (mail_code == 250 && rcpt_code != 250 && rcpt_code != 251) reply = r2;
      if (mail_code == 250 && (rcpt_code == 250 || rcpt_code == 251)) reply = r3;
    } else {
      if (!c.write_all(mail) || (mail_code = c.read_reply(reply)) < 0) {
        alive = false;
        break;
      }
      auto t1 = clock_type::now();
      mail_us = micros(t0, t1);
      if (mail_code == 250) {
        if (!c.write_all(rcpt) || (rcpt_code = c.read_reply(reply)) < 0) {
          alive = false;
          break;
        }
        auto t2 = clock_type::now();
        rcpt_us = micros(t1, t2);
        if (rcpt_code == 250 || rcpt_code == 251) {
          if (!c.write_all(data) || (data_code = c.read_reply(reply)) < 0) {
            alive = false;
            break;
          }
          data_us = micros(t2, clock_type::now());
        }
      }
    }
    if (mail_code < 0 || rcpt_code < 0 || data_code < 0) {
      alive = false;
      break;
    }
    if (data_code != 354) {
      st.failed++;
      st.note_error("envelope refused: " + one_line(reply));
      if (!c.write_all("RSET\r\n") || c.read_reply(reply) < 0) alive = false;
      continue;
    }
    auto tb = clock_type::now();
    if (!c.write_all(body)) {
      alive = false;
      break;
    }
    int end_code = c.read_reply(reply);
    auto te = clock_type::now();
    if (end_code < 0) {
      alive = false;
      break;
    }
    if (end_code != 250) {
      st.failed++;
      st.note_error("message refused: " + one_line(reply));
      continue;
    }
    out.txn.push_back(micros(t0, te));
    out.mail.push_back(mail_us);
    out.rcpt.push_back(rcpt_us);
    out.data.push_back(data_us);
    out.body.push_back(micros(tb, te));
    record_ack(st, te);
  }
  if (!alive) {
    st.broken++;
    st.note_error("connection " + std::to_string(index) + " broke: " + std::strerror(errno));
    return;
  }
  if (c.write_all("QUIT\r\n")) c.read_reply(reply);
}

// The message as it goes on the wire: CRLF line ends, dot-stuffed, ended by CRLF.CRLF.
std::string wire_body(const std::string& raw) {
  std::string out;
  out.reserve(raw.size() + raw.size() / 32 + 8);
  bool line_start = true;
  for (size_t i = 0; i < raw.size(); ++i) {
    char ch = raw[i];
    if (ch == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') continue;  // CRLF: keep only the LF
    if (line_start && ch == '.') out += '.';
    if (ch == '\n') {
      out += "\r\n";
      line_start = true;
      continue;
    }
    out += ch;
    line_start = false;
  }
  if (!line_start) out += "\r\n";
  out += ".\r\n";
  return out;
}

std::string percentiles(std::vector<uint32_t>& v) {
  std::ostringstream os;
  if (v.empty()) return "null";
  std::sort(v.begin(), v.end());
  auto at = [&](double p) {
    size_t rank = static_cast<size_t>(std::ceil(p * static_cast<double>(v.size())));
    return v[std::min(v.size() - 1, rank == 0 ? 0 : rank - 1)];
  };
  os << "{\"p50\":" << at(0.50) << ",\"p95\":" << at(0.95) << ",\"p99\":" << at(0.99)
     << ",\"max\":" << v.back() << "}";
  return os.str();
}

// User + system CPU time of this whole process (every connection thread), in seconds.
double process_cpu_seconds() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  auto secs = [](const timeval& t) {
    return static_cast<double>(t.tv_sec) + static_cast<double>(t.tv_usec) / 1e6;
  };
  return secs(u.ru_utime) + secs(u.ru_stime);
}

std::string json_string(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else if (static_cast<unsigned char>(c) < 0x20) {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "\"";
}

int usage(const char* why) {
  std::cerr
      << "smtp_load: " << why << "\n"
      << "usage: smtp_load --port P --file MSG (--messages M | --seconds T) [--conns N] [--pipelining]\n"
      << "                 [--host 127.0.0.1] [--from A] [--to A] [--timeout S]\n";
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i < argc; ++i) {
    std::string a = argv[i];
    auto next = [&]() -> std::string { return i + 1 < argc ? argv[++i] : ""; };
    if (a == "--host")
      o.host = next();
    else if (a == "--port")
      o.port = std::atoi(next().c_str());
    else if (a == "--conns")
      o.conns = std::atoi(next().c_str());
    else if (a == "--messages")
      o.messages = std::atol(next().c_str());
    else if (a == "--seconds")
      o.seconds = std::atof(next().c_str());
    else if (a == "--file")
      o.file = next();
    else if (a == "--pipelining")
      o.pipelining = true;
    else if (a == "--from")
      o.from = next();
    else if (a == "--to")
      o.to = next();
    else if (a == "--timeout")
      o.timeout_s = std::atoi(next().c_str());
    else
      return usage(("unknown argument " + a).c_str());
  }
  if (o.port <= 0 || o.port > 65535) return usage("--port is required");
  if (o.conns <= 0 || o.conns > 4096) return usage("--conns must be 1..4096");
  if ((o.messages > 0) == (o.seconds > 0)) return usage("give exactly one of --messages and --seconds");
  if (o.file.empty()) return usage("--file is required");
  std::ifstream in(o.file, std::ios::binary);
  if (!in) return usage(("cannot read " + o.file).c_str());
  std::string raw((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  const std::string body = wire_body(raw);

  shared_state st;
  st.remaining = o.messages;
  st.timed = o.seconds > 0;
  std::vector<samples> per_conn(static_cast<size_t>(o.conns));
  std::vector<std::thread> threads;
  threads.reserve(per_conn.size());
  for (int i = 0; i < o.conns; ++i)
    threads.emplace_back(run_connection, std::cref(o), std::cref(body), std::ref(st),
                         std::ref(per_conn[static_cast<size_t>(i)]), i);
  while (st.ready.load() < o.conns) std::this_thread::sleep_for(std::chrono::milliseconds(1));
  st.start = clock_type::now();
  st.deadline = st.start + std::chrono::microseconds(static_cast<long long>(o.seconds * 1e6));
  const double cpu_before = process_cpu_seconds();
  st.go = true;
  for (auto& t : threads) t.join();
  auto took = std::chrono::duration<double>(clock_type::now() - st.start).count();
  const double cpu_seconds = process_cpu_seconds() - cpu_before;

  samples all;
  for (auto& s : per_conn) {
    all.txn.insert(all.txn.end(), s.txn.begin(), s.txn.end());
    all.mail.insert(all.mail.end(), s.mail.begin(), s.mail.end());
    all.rcpt.insert(all.rcpt.end(), s.rcpt.begin(), s.rcpt.end());
    all.data.insert(all.data.end(), s.data.begin(), s.data.end());
    all.body.insert(all.body.end(), s.body.begin(), s.body.end());
  }
  long acked = st.acked.load();
  size_t last_second = static_cast<size_t>(std::ceil(took));
  std::ostringstream per_second;
  for (size_t s = 0; s < std::min(last_second, st.per_second.size()); ++s)
    per_second << (s ? "," : "") << st.per_second[s].load();

  std::cout << "{\"conns\":" << o.conns << ",\"pipelining\":" << (o.pipelining ? "true" : "false")
            << ",\"message_bytes\":" << body.size() - 3 << ",\"acked\":" << acked
            << ",\"failed\":" << st.failed.load() << ",\"broken_connections\":" << st.broken.load()
            << ",\"seconds\":" << took << ",\"rate\":" << (took > 0 ? static_cast<double>(acked) / took : 0.0)
            << ",\"latency_us\":{\"txn\":" << percentiles(all.txn) << ",\"mail\":" << percentiles(all.mail)
            << ",\"rcpt\":" << percentiles(all.rcpt) << ",\"data\":" << percentiles(all.data)
            << ",\"body\":" << percentiles(all.body)
            << "},\"cpu_us_per_msg\":" << (acked > 0 ? cpu_seconds * 1e6 / static_cast<double>(acked) : 0.0)
            << ",\"per_second\":[" << per_second.str() << "],\"first_error\":" << json_string(st.first_error)
            << "}" << std::endl;
  bool complete = st.failed.load() == 0 && st.broken.load() == 0 && (st.timed || acked == o.messages);
  if (!complete && !st.first_error.empty()) std::cerr << "smtp_load: " << st.first_error << "\n";
  return complete ? 0 : 1;
}
