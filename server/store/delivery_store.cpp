#include "store/delivery_store.hpp"

#include <map>
#include <nlohmann/json.hpp>

namespace mailjar::store {

namespace {

using json = nlohmann::json;

std::string dump(const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); }

const char* rcpt_status_name(relay::rcpt_status s) {
  switch (s) {
    case relay::rcpt_status::delivered:
      return "delivered";
    case relay::rcpt_status::permanent:
      return "permanent";
    case relay::rcpt_status::temporary:
      break;
  }
  return "temporary";
}

relay::rcpt_status rcpt_status_from(const std::string& s) {
  if (s == "delivered") return relay::rcpt_status::delivered;
  if (s == "permanent") return relay::rcpt_status::permanent;
  return relay::rcpt_status::temporary;
}

std::string recipients_json(const std::vector<relay::rcpt_outcome>& rs) {
  json out = json::array();
  for (const auto& r : rs) {
    out.push_back({{"address", r.address},
                   {"status", rcpt_status_name(r.status)},
                   {"code", r.code},
                   {"reply", r.reply}});
  }
  return dump(out);
}

std::string transcript_json(const std::vector<relay::transcript_line>& lines) {
  json out = json::array();
  for (const auto& l : lines)
    out.push_back({{"dir", std::string(1, l.dir)}, {"text", l.text}, {"at", l.at_ms}});
  return dump(out);
}

json parse_or_empty(const std::string& text) {
  auto j = json::parse(text, nullptr, false);
  return j.is_array() ? j : json::array();
}

std::optional<relay::route_override> via_from(const statement& s, int col) {
  if (s.column_is_null(col)) return std::nullopt;
  auto j = json::parse(s.column_text(col), nullptr, false);
  if (!j.is_object()) return std::nullopt;
  relay::route_override v;
  v.host = j.value("host", "");
  v.port = j.value("port", std::uint16_t{25});
  v.user = j.value("user", "");
  v.mechanism = j.value("mechanism", "");
  return v;
}

constexpr const char* k_insert_delivery =
    "INSERT INTO deliveries (message_uid, created_ms, mode, mail_from, via_json, data) VALUES (?, ?, ?, ?, "
    "?, ?)";
constexpr const char* k_insert_recipient =
    "INSERT INTO delivery_recipients (delivery, seq, address, state) VALUES (?, ?, ?, 'in_flight')";
constexpr const char* k_insert_attempt =
    "INSERT INTO delivery_attempts (delivery, time_ms, host, address, tls, tls_problem, connected, "
    "recipients_json, transcript_json, error) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)";
constexpr const char* k_update_recipient =
    "UPDATE delivery_recipients SET state = ?, attempts = attempts + 1, last_reply = ?, next_attempt_ms = ? "
    "WHERE delivery = ? AND address = ? AND state = 'in_flight'";
constexpr const char* k_select_due =
    "SELECT delivery, seq, address, state, attempts, last_reply, next_attempt_ms FROM delivery_recipients "
    "WHERE state IN ('pending', 'deferred') AND next_attempt_ms <= ? ORDER BY next_attempt_ms LIMIT ?";
constexpr const char* k_claim =
    "UPDATE delivery_recipients SET state = 'in_flight' WHERE delivery = ? AND seq = ?";
constexpr const char* k_next_due =
    "SELECT min(next_attempt_ms) FROM delivery_recipients WHERE state IN ('pending', 'deferred')";
constexpr const char* k_payload =
    "SELECT message_uid, mode, mail_from, data, via_json FROM deliveries WHERE id = ?";
constexpr const char* k_for_message =
    "SELECT id, created_ms, mode, mail_from, via_json FROM deliveries WHERE message_uid = ? ORDER BY id";
constexpr const char* k_recipients_of =
    "SELECT address, state, attempts, last_reply, next_attempt_ms FROM delivery_recipients WHERE delivery = "
    "? "
    "ORDER BY seq";
constexpr const char* k_attempts_of =
    "SELECT time_ms, host, address, tls, tls_problem, connected, recipients_json, transcript_json, error "
    "FROM delivery_attempts WHERE delivery = ? ORDER BY id";
constexpr const char* k_in_flight =
    "SELECT delivery, address FROM delivery_recipients WHERE state = 'in_flight' ORDER BY delivery, seq";
constexpr const char* k_fail_in_flight =
    "UPDATE delivery_recipients SET state = 'failed', last_reply = ?, next_attempt_ms = NULL "
    "WHERE state = 'in_flight'";

}  // namespace

result<std::unique_ptr<delivery_store>> delivery_store::open(const std::string& path) {
  auto db = open_connection(path, false, 10'000);
  if (!db) return error{db.error_message()};
  if (auto st = exec(db->get(), "PRAGMA foreign_keys = ON"); !st) return error{st.error_message()};
  statement probe(db->get(), "SELECT count(*) FROM deliveries", false);
  if (!probe.valid()) return error{"database '" + path + "' has no delivery tables: " + probe.error()};
  return std::unique_ptr<delivery_store>(new delivery_store(std::move(*db)));
}

statement* delivery_store::prepared(const char* sql) { return cache_.get(sql); }

template <class F>
auto delivery_store::in_transaction(F&& body) -> decltype(body()) {
  if (auto st = exec(db_.get(), "BEGIN IMMEDIATE"); !st) return error{"delivery log: " + st.error_message()};
  auto out = body();
  if (out.ok()) {
    if (auto st = exec(db_.get(), "COMMIT"); !st) {
      exec(db_.get(), "ROLLBACK");
      return error{"delivery log: " + st.error_message()};
    }
  } else if (sqlite3_get_autocommit(db_.get()) == 0) {
    exec(db_.get(), "ROLLBACK");
  }
  return out;
}

#define MJ_PREPARE(var, sql)                                      \
  statement* var = prepared(sql);                                 \
  if (!var) return error{"delivery log: " + cache_.last_error()}; \
  reset_guard var##_guard(*var)

result<std::uint64_t> delivery_store::create(const relay::new_delivery& d) {
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> result<std::uint64_t> {
    MJ_PREPARE(ins, k_insert_delivery);
    std::string via;
    if (d.via) {
      via = dump({{"host", d.via->host},
                  {"port", d.via->port},
                  {"user", d.via->user},
                  {"mechanism", d.via->mechanism}});
    }
    ins->bind(1, d.uid);
    ins->bind(2, d.created_ms);
    ins->bind(3, d.mode);
    ins->bind(4, d.mail_from);
    if (d.via) {
      ins->bind(5, via);
    } else {
      ins->bind_null(5);
    }
    ins->bind_blob(6, d.data);
    if (ins->step() != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: insert")};
    const auto id = static_cast<std::uint64_t>(sqlite3_last_insert_rowid(db_.get()));
    MJ_PREPARE(rc, k_insert_recipient);
    std::int64_t seq = 0;
    for (const auto& r : d.recipients) {
      rc->bind(1, static_cast<std::int64_t>(id));
      rc->bind(2, seq++);
      rc->bind(3, r);
      const int step = rc->step();
      rc->reset();
      if (step != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: insert recipient")};
    }
    return id;
  });
}

status delivery_store::record(std::uint64_t delivery_id, const std::vector<relay::attempt_record>& attempts,
                              const std::vector<relay::recipient_update>& updates) {
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> status {
    MJ_PREPARE(ins, k_insert_attempt);
    for (const auto& a : attempts) {
      const std::string rj = recipients_json(a.session.recipients);
      const std::string tj = transcript_json(a.session.transcript);
      ins->bind(1, static_cast<std::int64_t>(delivery_id));
      ins->bind(2, a.time_ms);
      ins->bind(3, a.session.host);
      ins->bind(4, a.session.address);
      ins->bind(5, a.session.tls);
      ins->bind(6, a.session.tls_problem);
      ins->bind(7, std::int64_t{a.session.connected ? 1 : 0});
      ins->bind(8, rj);
      ins->bind(9, tj);
      ins->bind(10, a.session.error);
      const int step = ins->step();
      ins->reset();
      if (step != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: insert attempt")};
    }
    MJ_PREPARE(up, k_update_recipient);
    for (const auto& u : updates) {
      up->bind(1, std::string_view(relay::state_name(u.state)));
      up->bind(2, u.last_reply);
      up->bind(3, u.next_attempt_ms);
      up->bind(4, static_cast<std::int64_t>(delivery_id));
      up->bind(5, u.address);
      const int step = up->step();
      up->reset();
      if (step != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: update recipient")};
    }
    return ok_status();
  });
}

result<std::vector<relay::claimed>> delivery_store::claim_due(std::int64_t now_ms, std::size_t limit) {
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> result<std::vector<relay::claimed>> {
    MJ_PREPARE(sel, k_select_due);
    sel->bind(1, now_ms);
    sel->bind(2, static_cast<std::int64_t>(limit));
    std::map<std::uint64_t, relay::claimed> by_delivery;
    std::vector<std::pair<std::int64_t, std::int64_t>> keys;
    int rc;
    while ((rc = sel->step()) == SQLITE_ROW) {
      const auto id = static_cast<std::uint64_t>(sel->column_int(0));
      keys.emplace_back(sel->column_int(0), sel->column_int(1));
      relay::recipient_record r;
      r.address = sel->column_text(2);
      r.state = relay::state_from_name(sel->column_text(3)).value_or(relay::recipient_state::deferred);
      r.attempts = static_cast<std::uint32_t>(sel->column_int(4));
      r.last_reply = sel->column_text(5);
      if (!sel->column_is_null(6)) r.next_attempt_ms = sel->column_int(6);
      auto& c = by_delivery[id];
      c.delivery_id = id;
      c.recipients.push_back(std::move(r));
    }
    if (rc != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: due recipients")};
    MJ_PREPARE(claim, k_claim);
    for (const auto& [delivery, seq] : keys) {
      claim->bind(1, delivery);
      claim->bind(2, seq);
      const int step = claim->step();
      claim->reset();
      if (step != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: claim")};
    }
    std::vector<relay::claimed> out;
    for (auto& [id, c] : by_delivery) out.push_back(std::move(c));
    return out;
  });
}

result<std::optional<std::int64_t>> delivery_store::next_due() {
  std::lock_guard lock(mu_);
  MJ_PREPARE(s, k_next_due);
  if (s->step() != SQLITE_ROW) return error{db_error(db_.get(), "delivery log: next due")};
  if (s->column_is_null(0)) return std::optional<std::int64_t>{};
  return std::optional<std::int64_t>(s->column_int(0));
}

result<std::optional<relay::delivery_payload>> delivery_store::payload(std::uint64_t delivery_id) {
  std::lock_guard lock(mu_);
  MJ_PREPARE(s, k_payload);
  s->bind(1, static_cast<std::int64_t>(delivery_id));
  const int rc = s->step();
  if (rc == SQLITE_DONE) return std::optional<relay::delivery_payload>{};
  if (rc != SQLITE_ROW) return error{db_error(db_.get(), "delivery log: payload")};
  relay::delivery_payload p;
  p.uid = s->column_text(0);
  p.mode = s->column_text(1);
  p.mail_from = s->column_text(2);
  p.data = s->column_text(3);
  p.via = via_from(*s, 4);
  return std::optional<relay::delivery_payload>(std::move(p));
}

result<std::vector<relay::delivery_record>> delivery_store::for_message(const std::string& uid) {
  std::lock_guard lock(mu_);
  std::vector<relay::delivery_record> out;
  {
    MJ_PREPARE(s, k_for_message);
    s->bind(1, uid);
    int rc;
    while ((rc = s->step()) == SQLITE_ROW) {
      relay::delivery_record d;
      d.id = static_cast<std::uint64_t>(s->column_int(0));
      d.uid = uid;
      d.created_ms = s->column_int(1);
      d.mode = s->column_text(2);
      d.mail_from = s->column_text(3);
      d.via = via_from(*s, 4);
      out.push_back(std::move(d));
    }
    if (rc != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: deliveries")};
  }
  for (auto& d : out) {
    MJ_PREPARE(r, k_recipients_of);
    r->bind(1, static_cast<std::int64_t>(d.id));
    while (r->step() == SQLITE_ROW) {
      relay::recipient_record rec;
      rec.address = r->column_text(0);
      rec.state = relay::state_from_name(r->column_text(1)).value_or(relay::recipient_state::failed);
      rec.attempts = static_cast<std::uint32_t>(r->column_int(2));
      rec.last_reply = r->column_text(3);
      if (!r->column_is_null(4)) rec.next_attempt_ms = r->column_int(4);
      d.recipients.push_back(std::move(rec));
    }
    MJ_PREPARE(a, k_attempts_of);
    a->bind(1, static_cast<std::int64_t>(d.id));
    while (a->step() == SQLITE_ROW) {
      relay::attempt_record rec;
      rec.time_ms = a->column_int(0);
      rec.session.host = a->column_text(1);
      rec.session.address = a->column_text(2);
      rec.session.tls = a->column_text(3);
      rec.session.tls_problem = a->column_text(4);
      rec.session.connected = a->column_int(5) != 0;
      for (const auto& j : parse_or_empty(a->column_text(6))) {
        if (!j.is_object()) continue;
        relay::rcpt_outcome o;
        o.address = j.value("address", "");
        o.status = rcpt_status_from(j.value("status", ""));
        o.code = j.value("code", 0);
        o.reply = j.value("reply", "");
        rec.session.recipients.push_back(std::move(o));
      }
      for (const auto& j : parse_or_empty(a->column_text(7))) {
        if (!j.is_object()) continue;
        relay::transcript_line l;
        const std::string dir = j.value("dir", "I");
        l.dir = dir.empty() ? 'I' : dir[0];
        l.text = j.value("text", "");
        l.at_ms = j.value("at", std::int64_t{0});
        rec.session.transcript.push_back(std::move(l));
      }
      rec.session.error = a->column_text(8);
      d.attempts.push_back(std::move(rec));
    }
  }
  return out;
}

result<std::vector<std::pair<std::uint64_t, std::string>>> delivery_store::recover_in_flight(
    const std::string& reply) {
  std::lock_guard lock(mu_);
  return in_transaction([&]() -> result<std::vector<std::pair<std::uint64_t, std::string>>> {
    std::vector<std::pair<std::uint64_t, std::string>> found;
    {
      MJ_PREPARE(s, k_in_flight);
      int rc;
      while ((rc = s->step()) == SQLITE_ROW)
        found.emplace_back(static_cast<std::uint64_t>(s->column_int(0)), s->column_text(1));
      if (rc != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: in-flight recipients")};
    }
    MJ_PREPARE(u, k_fail_in_flight);
    u->bind(1, reply);
    if (u->step() != SQLITE_DONE) return error{db_error(db_.get(), "delivery log: recover")};
    return found;
  });
}

#undef MJ_PREPARE

}  // namespace mailjar::store
