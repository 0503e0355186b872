#include "support/store_fixtures.hpp"

#include <sqlite3.h>
#include <stdlib.h>

#include <future>
#include <stdexcept>
#include <thread>

#include "core/message_uid.hpp"
#include "mime/parser.hpp"

namespace mailjar::test {

temp_dir::temp_dir() {
  std::string tmpl = (std::filesystem::temp_directory_path() / "mailjar-store-XXXXXX").string();
  if (mkdtemp(tmpl.data()) == nullptr) throw std::runtime_error("mkdtemp failed");
  path_ = tmpl;
}

temp_dir::~temp_dir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::int64_t now_ms() {
  using namespace std::chrono;
  return duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count();
}

full_sample make_full_message(std::int64_t received_ms) {
  full_sample s;
  s.decoded_text_part = "Hello caf\xC3\xA9 world, the quarterly numbers are in.";
  s.decoded_attachment = "%PDF-1.4 pretend pdf bytes";
  s.stored_content = std::string("nested rfc822 bytes\0with a NUL", 30);
  const std::string qp_body = "Hello caf=C3=A9 world, the quarterly numbers are in.";
  const std::string b64_body = "JVBERi0xLjQgcHJldGVuZCBwZGYgYnl0ZXM=";

  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  m->raw =
      "Return-Path: <bounce@example.org>\r\n"
      "From: =?utf-8?q?Zo=C3=AB?= Example <zoe@example.com>\r\n"
      "To: Bob <bob@example.com>, carol@example.com\r\n"
      "Cc: Dave <dave@example.net>\r\n"
      "Bcc: Erin <erin@example.org>\r\n"
      "Reply-To: Replies <replies@example.com>\r\n"
      "Subject: Quarterly report =?utf-8?q?na=C3=AFve_caf=C3=A9?=\r\n"
      "Message-ID: <abc123@example.com>\r\n"
      "Date: Tue, 14 Nov 2023 22:13:20 +0000\r\n"
      "X-Tags: reports, Urgent\r\n"
      "MIME-Version: 1.0\r\n"
      "Content-Type: multipart/mixed; boundary=\"b1\"\r\n"
      "\r\n"
      "--b1\r\n"
      "Content-Type: text/plain; charset=utf-8\r\n"
      "Content-Transfer-Encoding: quoted-printable\r\n"
      "\r\n" +
      qp_body +
      "\r\n"
      "--b1\r\n"
      "Content-Type: application/pdf; name=\"report.pdf\"\r\n"
      "Content-Disposition: attachment; filename=\"report.pdf\"\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n" +
      b64_body +
      "\r\n"
      "--b1\r\n"
      "Content-Type: message/rfc822\r\n"
      "Content-Transfer-Encoding: base64\r\n"
      "\r\n"
      "bmVzdGVk\r\n"
      "--b1--\r\n";

  m->env.mail_from = "bounce@example.org";
  m->env.rcpt_to = {"bob@example.com", "carol@example.com", "hidden@example.net"};
  m->env.client_addr = "127.0.0.1:54321";
  m->env.helo = "client.example";
  m->env.tls = "TLSv1.3 TLS_AES_256_GCM_SHA384";
  m->env.auth_user = "alice";
  m->env.smtputf8 = true;
  m->env.body_type = "8BITMIME";
  m->env.received_ms = received_ms;

  auto& p = m->parsed;
  p.message_id = "abc123@example.com";
  p.subject = "Quarterly report na\xC3\xAFve caf\xC3\xA9";
  p.date_ms = 1'700'000'000'000;
  p.from = address{"Zo\xC3\xAB Example", "zoe@example.com"};
  p.to = {{"Bob", "bob@example.com"}, {"", "carol@example.com"}};
  p.cc = {{"Dave", "dave@example.net"}};
  p.bcc = {{"Erin", "erin@example.org"}};
  p.reply_to = {{"Replies", "replies@example.com"}};
  p.return_path = "bounce@example.org";
  p.headers = {{"Return-Path", "<bounce@example.org>"},
               {"From", "=?utf-8?q?Zo=C3=AB?= Example <zoe@example.com>"},
               {"To", "Bob <bob@example.com>, carol@example.com"},
               {"Cc", "Dave <dave@example.net>"},
               {"Bcc", "Erin <erin@example.org>"},
               {"Reply-To", "Replies <replies@example.com>"},
               {"Subject", "Quarterly report =?utf-8?q?na=C3=AFve_caf=C3=A9?="},
               {"Message-ID", "<abc123@example.com>"},
               {"Date", "Tue, 14 Nov 2023 22:13:20 +0000"},
               {"X-Tags", "reports, Urgent"},
               {"MIME-Version", "1.0"},
               {"Content-Type", "multipart/mixed; boundary=\"b1\""}};
  p.text = s.decoded_text_part;
  p.html = "<p>Hello <b>caf\xC3\xA9</b></p>";
  p.html_as_text = "Hello caf\xC3\xA9 htmlonlyword";
  p.snippet = "Hello caf\xC3\xA9 world, the quarterly numbers are in.";
  p.warnings = {"part 3: something odd"};
  p.tags = {"reports", "Urgent"};

  mime::part text;
  text.part_id = "1";
  text.role = mime::part_role::body;
  text.content_type = "text/plain";
  text.charset = "utf-8";
  text.transfer_encoding = "quoted-printable";
  text.in_raw = true;
  text.raw_offset = m->raw.find(qp_body);
  text.raw_length = qp_body.size();
  text.size = s.decoded_text_part.size();
  text.md5 = "0123456789abcdef0123456789abcdef";
  text.sha1 = "0123456789abcdef0123456789abcdef01234567";
  text.sha256 = std::string(64, 'a');

  mime::part pdf;
  pdf.part_id = "2";
  pdf.role = mime::part_role::attachment;
  pdf.content_type = "application/pdf";
  pdf.disposition = "attachment";
  pdf.file_name = "report.pdf";
  pdf.transfer_encoding = "base64";
  pdf.in_raw = true;
  pdf.raw_offset = m->raw.find(b64_body);
  pdf.raw_length = b64_body.size();
  pdf.size = s.decoded_attachment.size();
  pdf.md5 = "fedcba9876543210fedcba9876543210";
  pdf.sha1 = "fedcba9876543210fedcba9876543210fedcba98";
  pdf.sha256 = std::string(64, 'b');

  mime::part nested;
  nested.part_id = "3.1";
  nested.role = mime::part_role::inline_part;
  nested.content_type = "image/png";
  nested.disposition = "inline";
  nested.file_name = "logo\xC3\xA9.png";
  nested.content_id = "logo@example.com";
  nested.in_raw = false;
  nested.content = s.stored_content;
  nested.size = s.stored_content.size();
  nested.md5 = "00000000000000000000000000000000";

  p.parts = {text, pdf, nested};
  s.msg = std::move(m);
  return s;
}

std::shared_ptr<new_message> make_small_message(const std::string& subject, const std::string& word,
                                                std::int64_t received_ms) {
  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  std::string body;
  while (body.size() < 1700)
    body += "Lorem ipsum dolor sit amet, consectetur adipiscing elit " + word + ".\r\n";
  m->raw = "From: Sender <sender@example.com>\r\nTo: rcpt@example.com\r\nSubject: " + subject +
           "\r\nMessage-ID: <" + m->uid + "@example.com>\r\n\r\n" + body;
  m->env.mail_from = "sender@example.com";
  m->env.rcpt_to = {"rcpt@example.com"};
  m->env.client_addr = "127.0.0.1:1";
  m->env.helo = "bulk";
  m->env.received_ms = received_ms != 0 ? received_ms : now_ms();
  auto& p = m->parsed;
  p.message_id = m->uid + "@example.com";
  p.subject = subject;
  p.from = address{"Sender", "sender@example.com"};
  p.to = {{"", "rcpt@example.com"}};
  p.headers = {{"From", "Sender <sender@example.com>"}, {"To", "rcpt@example.com"}, {"Subject", subject}};
  p.text = body;
  p.snippet = body.substr(0, 200) + "...";
  mime::part text;
  text.part_id = "1";
  text.role = mime::part_role::body;
  text.content_type = "text/plain";
  text.in_raw = true;
  text.raw_offset = m->raw.find("\r\n\r\n") + 4;
  text.raw_length = body.size();
  text.size = body.size();
  p.parts = {text};
  return m;
}

namespace {

// The addr-specs in a simple address list ("Name <a@b>, c@d").
std::vector<std::string> addr_specs(const std::string& list) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < list.size()) {
    std::size_t comma = list.find(',', start);
    if (comma == std::string::npos) comma = list.size();
    std::string one = list.substr(start, comma - start);
    const auto lt = one.find('<'), gt = one.find('>');
    if (lt != std::string::npos && gt != std::string::npos && gt > lt) one = one.substr(lt + 1, gt - lt - 1);
    const auto b = one.find_first_not_of(' '), e = one.find_last_not_of(' ');
    if (b != std::string::npos) out.push_back(one.substr(b, e - b + 1));
    start = comma + 1;
  }
  return out;
}

}  // namespace

std::shared_ptr<new_message> make_mail(const mail_spec& spec) {
  auto m = std::make_shared<new_message>();
  m->uid = new_message_uid();
  std::string h;
  auto header = [&h](const char* name, const std::string& value) {
    if (!value.empty()) h += std::string(name) + ": " + value + "\r\n";
  };
  header("From", spec.from);
  header("To", spec.to);
  header("Cc", spec.cc);
  header("Bcc", spec.bcc);
  header("Reply-To", spec.reply_to);
  header("Subject", spec.subject);
  header("Message-ID", "<" + (spec.message_id.empty() ? m->uid + "@test.example" : spec.message_id) + ">");
  header("Date", "Tue, 14 Nov 2023 22:13:20 +0000");
  for (const auto& x : spec.extra_headers) h += x + "\r\n";
  h += "MIME-Version: 1.0\r\n";

  const std::string text_part =
      "Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: 8bit\r\n\r\n" + spec.text +
      "\r\n";
  std::string body;
  if (spec.html.empty() && spec.attachment_name.empty() && !spec.inline_image) {
    body = text_part;
  } else {
    body = "Content-Type: multipart/mixed; boundary=\"mix\"\r\n\r\n--mix\r\n";
    if (spec.html.empty()) {
      body += text_part;
    } else {
      body += "Content-Type: multipart/alternative; boundary=\"alt\"\r\n\r\n--alt\r\n" + text_part +
              "--alt\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" + spec.html + "\r\n--alt--\r\n";
    }
    if (!spec.attachment_name.empty()) {
      body += "--mix\r\nContent-Type: application/octet-stream; name=\"" + spec.attachment_name +
              "\"\r\nContent-Disposition: attachment; filename=\"" + spec.attachment_name +
              "\"\r\nContent-Transfer-Encoding: base64\r\n\r\naGVsbG8gYXR0YWNobWVudA==\r\n";
    }
    if (spec.inline_image) {
      body +=
          "--mix\r\nContent-Type: image/png\r\nContent-Disposition: inline\r\nContent-ID: <img1@test>\r\n"
          "Content-Transfer-Encoding: base64\r\n\r\niVBORw0KGgo=\r\n";
    }
    body += "--mix--\r\n";
  }
  m->raw = h + body;
  m->parsed = mime::parse_message(m->raw);
  m->env.mail_from = "bounce@test.example";
  m->env.rcpt_to = spec.rcpt_to;
  if (m->env.rcpt_to.empty()) {
    for (const auto* list : {&spec.to, &spec.cc, &spec.bcc})
      for (auto& a : addr_specs(*list)) m->env.rcpt_to.push_back(a);
  }
  m->env.client_addr = "127.0.0.1:2525";
  m->env.helo = "test";
  m->env.received_ms = spec.received_ms != 0 ? spec.received_ms : now_ms();
  return m;
}

store_outcome store_sync(message_store& store, std::shared_ptr<const new_message> msg) {
  auto done = std::make_shared<std::promise<store_outcome>>();
  auto f = done->get_future();
  store.store(std::move(msg), [done](store_outcome o) { done->set_value(std::move(o)); });
  return f.get();
}

std::function<void(store_outcome)> outcome_log::callback(const std::string& uid) {
  return [this, uid](store_outcome o) {
    if (on_each_) on_each_(uid, o);
    {
      std::lock_guard lock(mu_);
      by_uid_[uid].push_back(std::move(o));
      ++total_;
    }
    cv_.notify_all();
  };
}

bool outcome_log::wait_for(std::size_t n, std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return total_ >= n; });
}

std::map<std::string, std::vector<store_outcome>> outcome_log::all() const {
  std::lock_guard lock(mu_);
  return by_uid_;
}

std::size_t outcome_log::size() const {
  std::lock_guard lock(mu_);
  return total_;
}

namespace {

struct conn {
  sqlite3* db = nullptr;
  explicit conn(const std::string& path) {
    if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
      std::string why = sqlite3_errmsg(db);
      sqlite3_close(db);
      throw std::runtime_error("test sql open: " + why);
    }
    sqlite3_busy_timeout(db, 10'000);
  }
  ~conn() { sqlite3_close(db); }
};

}  // namespace

void sql_exec(const std::string& db_path, const std::string& sql) {
  conn c(db_path);
  char* err = nullptr;
  if (sqlite3_exec(c.db, sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string why = err != nullptr ? err : "?";
    sqlite3_free(err);
    throw std::runtime_error("test sql: " + why + " in: " + sql);
  }
}

std::int64_t sql_int(const std::string& db_path, const std::string& sql) {
  conn c(db_path);
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(c.db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    throw std::runtime_error(std::string("test sql: ") + sqlite3_errmsg(c.db) + " in: " + sql);
  }
  const int rc = sqlite3_step(s);
  const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
  std::string why = sqlite3_errmsg(c.db);
  sqlite3_finalize(s);
  if (rc != SQLITE_ROW) throw std::runtime_error("test sql: no row (" + why + ") in: " + sql);
  return v;
}

bool eventually(const std::function<bool()>& pred, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!pred()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return true;
}

}  // namespace mailjar::test
