#include "relay/dns_resolver.hpp"

#include <ares.h>
#include <arpa/inet.h>
#include <arpa/nameser.h>
#include <poll.h>

#include <memory>
#include <mutex>
#include <random>
#include <stdexcept>
#include <vector>

#include "relay/protocol/mx_order.hpp"

namespace mailjar::relay {

namespace {

void init_library() {
  static std::once_flag once;
  static int rc = ARES_SUCCESS;
  std::call_once(once, [] { rc = ares_library_init(ARES_LIB_INIT_ALL); });
  if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares init: ") + ares_strerror(rc));
}

// One c-ares channel for one resolve() call; queries are driven by poll() until none is pending.
class channel {
 public:
  explicit channel(const dns_options& o) {
    ares_options opts{};
    opts.timeout = static_cast<int>(o.timeout.count());
    opts.tries = o.tries;
    const int rc = ares_init_options(&ch_, &opts, ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES);
    if (rc != ARES_SUCCESS) throw std::runtime_error(std::string("c-ares channel: ") + ares_strerror(rc));
    if (!o.server.empty()) {
      const int s = ares_set_servers_ports_csv(ch_, o.server.c_str());
      if (s != ARES_SUCCESS) {
        ares_destroy(ch_);
        throw std::runtime_error("bad DNS server '" + o.server + "': " + ares_strerror(s));
      }
    }
  }
  ~channel() { ares_destroy(ch_); }
  channel(const channel&) = delete;
  channel& operator=(const channel&) = delete;

  ares_channel get() { return ch_; }
  int* pending() { return &pending_; }

  void run() {
    while (pending_ > 0) {
      ares_socket_t socks[ARES_GETSOCK_MAXNUM];
      const int bits = ares_getsock(ch_, socks, ARES_GETSOCK_MAXNUM);
      std::vector<pollfd> fds;
      for (int i = 0; i < ARES_GETSOCK_MAXNUM; ++i) {
        short ev = 0;
        if (ARES_GETSOCK_READABLE(bits, i)) ev |= POLLIN;
        if (ARES_GETSOCK_WRITABLE(bits, i)) ev |= POLLOUT;
        if (ev) fds.push_back({socks[i], ev, 0});
      }
      timeval tv{};
      timeval* tvp = ares_timeout(ch_, nullptr, &tv);
      const int ms = tvp ? static_cast<int>(tv.tv_sec * 1000 + (tv.tv_usec + 999) / 1000) : 100;
      const int n = ::poll(fds.data(), fds.size(), ms);
      if (n <= 0) {
        ares_process_fd(ch_, ARES_SOCKET_BAD, ARES_SOCKET_BAD);  // timeouts
        continue;
      }
      for (const auto& p : fds) {
        const bool r = p.revents & (POLLIN | POLLERR | POLLHUP);
        const bool w = p.revents & POLLOUT;
        if (r || w) ares_process_fd(ch_, r ? p.fd : ARES_SOCKET_BAD, w ? p.fd : ARES_SOCKET_BAD);
      }
    }
  }

 private:
  ares_channel ch_ = nullptr;
  int pending_ = 0;
};

struct mx_query {
  int* pending;
  int status = ARES_ETIMEOUT;
  std::vector<mx_record> records;
  bool malformed = false;
};

struct addr_query {
  int* pending;
  bool v6;
  int status = ARES_ETIMEOUT;
  std::vector<std::string> addresses;
};

void on_mx(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* q = static_cast<mx_query*>(arg);
  --*q->pending;
  q->status = status;
  if (status != ARES_SUCCESS) return;
  ares_mx_reply* mx = nullptr;
  const int rc = ares_parse_mx_reply(abuf, alen, &mx);
  if (rc == ARES_ENODATA) {
    q->status = ARES_ENODATA;
    return;
  }
  if (rc != ARES_SUCCESS) {
    q->malformed = true;
    return;
  }
  for (auto* r = mx; r; r = r->next) q->records.push_back({r->priority, r->host ? r->host : ""});
  ares_free_data(mx);
  if (q->records.empty()) q->status = ARES_ENODATA;
}

void on_addr(void* arg, int status, int, unsigned char* abuf, int alen) {
  auto* q = static_cast<addr_query*>(arg);
  --*q->pending;
  q->status = status;
  if (status != ARES_SUCCESS) return;
  char text[INET6_ADDRSTRLEN];
  if (q->v6) {
    ares_addr6ttl a[32];
    int n = 32;
    if (ares_parse_aaaa_reply(abuf, alen, nullptr, a, &n) != ARES_SUCCESS) return;
    for (int i = 0; i < n; ++i) {
      if (inet_ntop(AF_INET6, &a[i].ip6addr, text, sizeof text)) q->addresses.emplace_back(text);
    }
  } else {
    ares_addrttl a[32];
    int n = 32;
    if (ares_parse_a_reply(abuf, alen, nullptr, a, &n) != ARES_SUCCESS) return;
    for (int i = 0; i < n; ++i) {
      if (inet_ntop(AF_INET, &a[i].ipaddr, text, sizeof text)) q->addresses.emplace_back(text);
    }
  }
}

bool temporary_status(int s) { return s != ARES_SUCCESS && s != ARES_ENODATA && s != ARES_ENOTFOUND; }

std::string describe(int status, const std::string& what) {
  switch (status) {
    case ARES_ENOTFOUND:
      return "NXDOMAIN for " + what;
    case ARES_ENODATA:
      return "no records for " + what;
    case ARES_ETIMEOUT:
      return "DNS timeout for " + what;
    case ARES_ESERVFAIL:
      return "SERVFAIL for " + what;
    case ARES_EREFUSED:
      return "DNS query refused for " + what;
    case ARES_ECONNREFUSED:
      return "DNS server unreachable (connection refused) for " + what;
    default:
      return std::string(ares_strerror(status)) + " for " + what;
  }
}

std::size_t random_below(std::size_t n) {
  thread_local std::mt19937 gen{std::random_device{}()};
  return std::uniform_int_distribution<std::size_t>(0, n - 1)(gen);
}

bool valid_domain(const std::string& d) {
  if (d.empty() || d.size() > 253) return false;
  for (const char c : d) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '\\') return false;
  }
  return true;
}

}  // namespace

dns_resolver::dns_resolver(dns_options opts) : opts_(std::move(opts)) {
  init_library();
  channel probe(opts_);  // fails early on a bad --dns-server
}

mx_result dns_resolver::resolve(const std::string& domain_in) {
  mx_result res;
  std::string domain = domain_in;
  while (!domain.empty() && domain.back() == '.') domain.pop_back();
  for (char& c : domain) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  // Address literal "[192.0.2.1]" / "[IPv6:2001:db8::1]": no DNS at all.
  if (domain.size() > 2 && domain.front() == '[' && domain.back() == ']') {
    std::string lit = domain.substr(1, domain.size() - 2);
    if (lit.rfind("ipv6:", 0) == 0) lit = lit.substr(5);
    if (!is_ip_literal(lit)) {
      res.outcome = dns_outcome::nxdomain;
      res.detail = "bad address literal " + domain_in;
      return res;
    }
    res.outcome = dns_outcome::ok;
    res.targets.push_back({lit, 0, {lit}, true});
    return res;
  }
  if (!valid_domain(domain)) {
    res.outcome = dns_outcome::nxdomain;
    res.detail = "invalid domain name";
    return res;
  }

  channel ch(opts_);
  mx_query mq{ch.pending()};
  ++*ch.pending();
  ares_query(ch.get(), domain.c_str(), ns_c_in, ns_t_mx, on_mx, &mq);
  ch.run();

  std::vector<mx_record> records;
  bool implicit = false;
  if (mq.status == ARES_SUCCESS && mq.malformed) {
    res.detail = "malformed MX answer for " + domain;
    return res;  // temporary
  }
  if (mq.status == ARES_SUCCESS) {
    if (is_null_mx(mq.records)) {
      res.outcome = dns_outcome::null_mx;
      res.detail = "null MX for " + domain + ": the domain accepts no mail";
      return res;
    }
    records = order_mx(std::move(mq.records), random_below);
    if (records.empty()) {
      res.outcome = dns_outcome::null_mx;
      res.detail = "only null MX records for " + domain;
      return res;
    }
  } else if (mq.status == ARES_ENODATA) {
    implicit = true;
    records.push_back({0, domain});
  } else if (mq.status == ARES_ENOTFOUND) {
    res.outcome = dns_outcome::nxdomain;
    res.detail = describe(mq.status, domain);
    return res;
  } else {
    res.detail = describe(mq.status, domain);
    return res;  // temporary
  }

  // A and AAAA for every exchange, all in flight together.
  std::vector<std::unique_ptr<addr_query>> qs;
  for (const auto& r : records) {
    for (const bool v6 : {false, true}) {
      qs.push_back(std::make_unique<addr_query>(addr_query{ch.pending(), v6}));
      ++*ch.pending();
      ares_query(ch.get(), r.host.c_str(), ns_c_in, v6 ? ns_t_aaaa : ns_t_a, on_addr, qs.back().get());
    }
  }
  ch.run();

  bool any_temporary = false, any_address = false;
  std::string problems;
  for (std::size_t i = 0; i < records.size(); ++i) {
    mx_target t;
    t.host = records[i].host;
    t.preference = records[i].preference;
    t.implicit = implicit;
    for (const bool v6 : {false, true}) {
      const auto& q = *qs[i * 2 + (v6 ? 1 : 0)];
      t.addresses.insert(t.addresses.end(), q.addresses.begin(), q.addresses.end());
      if (temporary_status(q.status)) {
        any_temporary = true;
        if (!problems.empty()) problems += "; ";
        problems += describe(q.status, t.host + (v6 ? " AAAA" : " A"));
      }
    }
    any_address = any_address || !t.addresses.empty();
    res.targets.push_back(std::move(t));
  }
  if (any_address) {
    res.outcome = dns_outcome::ok;
    res.detail = problems;
    return res;
  }
  if (implicit && !any_temporary) {
    // The name exists but has neither MX nor address records.
    res.outcome = dns_outcome::nxdomain;
    res.detail = "no MX and no A/AAAA records for " + domain;
    res.targets.clear();
    return res;
  }
  res.outcome = dns_outcome::temporary;
  res.detail = problems.empty() ? "no address for any MX host of " + domain : problems;
  return res;
}

}  // namespace mailjar::relay
