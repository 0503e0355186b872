// Test fake of the mailbox port: messages kept in memory, parsed with the real MIME parser, so
// handler tests see realistic stored_message values. Search understands a tiny subset of
// Mailpit's syntax (bare words/phrases on subject and addresses, from:/to:/cc:/bcc:/tag:/
// subject:/is:read/is:unread); a term starting with "bad:" is a parse error, like an
// unparsable search of the real store. Mutations and reads can be told to fail (store
// failures). Records the last page request and selection. Thread-safe (one mutex).
#pragma once

#include <algorithm>
#include <cctype>
#include <mutex>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/message_summary.hpp"
#include "core/message_uid.hpp"
#include "mime/parser.hpp"
#include "ports/mailbox.hpp"

namespace mailjar::testing {

class fake_mailbox : public mailbox {
 public:
  // Adds a message (parsed now) and returns its uid. Later additions are newer.
  std::string add(std::string raw, envelope env = {}, std::string uid = {}) {
    std::lock_guard lock(mu_);
    entry e;
    e.msg.uid = uid.empty() ? new_message_uid() : uid;
    if (env.received_ms == 0) env.received_ms = 1'700'000'000'000 + static_cast<std::int64_t>(seq_) * 1000;
    e.msg.env = std::move(env);
    e.msg.row_id = static_cast<std::int64_t>(++seq_);
    e.msg.size = raw.size();
    e.msg.parsed = mime::parse_message(raw);
    for (const auto& p : e.msg.parsed.parts) {
      if (p.role == mime::part_role::attachment) ++e.msg.attachment_count;
      if (p.role == mime::part_role::inline_part) ++e.msg.inline_count;
    }
    e.raw = std::move(raw);
    entries_.push_back(std::move(e));
    return entries_.back().msg.uid;
  }

  void fail_mutations(bool on) {
    std::lock_guard lock(mu_);
    fail_mutations_ = on;
  }
  void fail_reads(bool on) {
    std::lock_guard lock(mu_);
    fail_reads_ = on;
  }
  std::optional<page_request> last_page() {
    std::lock_guard lock(mu_);
    return last_page_;
  }
  std::optional<selection> last_selection() {
    std::lock_guard lock(mu_);
    return last_selection_;
  }
  std::size_t size() {
    std::lock_guard lock(mu_);
    return entries_.size();
  }
  bool is_read(const std::string& uid) {
    std::lock_guard lock(mu_);
    const entry* e = find(uid);
    return e != nullptr && e->msg.read;
  }

  // ---- mailbox ----
  result<message_page> list(const page_request& req) override {
    std::lock_guard lock(mu_);
    last_page_ = req;
    if (fail_reads_) return error{"database is locked"};
    auto matches = matching(req.search);
    if (!matches) return error{"unknown search term: bad:"};
    message_page page;
    page.total = entries_.size();
    for (const auto& e : entries_) page.unread += e.msg.read ? 0 : 1;
    page.matched = matches->size();
    for (const entry* e : *matches) page.matched_unread += e->msg.read ? 0 : 1;
    for (std::size_t i = req.start; i < matches->size() && i < req.start + req.limit; ++i)
      page.messages.push_back(summary((*matches)[i]));
    return page;
  }

  result<std::optional<std::string>> latest_uid(std::string_view search, int) override {
    std::lock_guard lock(mu_);
    if (fail_reads_) return error{"database is locked"};
    auto matches = matching(std::string(search));
    if (!matches) return error{"unknown search term: bad:"};
    if (matches->empty()) return std::optional<std::string>();
    return std::optional<std::string>(matches->front()->msg.uid);
  }

  std::optional<stored_message> get(std::string_view uid) override {
    std::lock_guard lock(mu_);
    const entry* e = find(uid);
    if (e == nullptr) return std::nullopt;
    return e->msg;
  }

  std::optional<std::string> raw(std::string_view uid) override {
    std::lock_guard lock(mu_);
    const entry* e = find(uid);
    if (e == nullptr) return std::nullopt;
    return e->raw;
  }

  std::optional<std::string> part_content(std::string_view uid, std::string_view part_id) override {
    std::lock_guard lock(mu_);
    const entry* e = find(uid);
    if (e == nullptr) return std::nullopt;
    for (const auto& p : e->msg.parsed.parts) {
      if (p.part_id != part_id) continue;
      if (p.content) return *p.content;
      if (!p.in_raw) return std::nullopt;
      return mime::decode_content(std::string_view(e->raw).substr(p.raw_offset, p.raw_length),
                                  p.transfer_encoding);
    }
    return std::nullopt;
  }

  result<std::vector<std::string>> set_read(const selection& which, bool read) override {
    std::lock_guard lock(mu_);
    last_selection_ = which;
    if (fail_mutations_) return error{"disk I/O error"};
    auto chosen = select(which);
    if (!chosen) return error{"unknown search term: bad:"};
    std::vector<std::string> changed;
    for (entry* e : *chosen) {
      if (e->msg.read == read) continue;
      e->msg.read = read;
      changed.push_back(e->msg.uid);
    }
    return changed;
  }

  result<std::vector<std::string>> remove(const selection& which) override {
    std::lock_guard lock(mu_);
    last_selection_ = which;
    if (fail_mutations_) return error{"disk I/O error"};
    auto chosen = select(which);
    if (!chosen) return error{"unknown search term: bad:"};
    std::set<std::string> gone;
    for (entry* e : *chosen) gone.insert(e->msg.uid);
    std::vector<std::string> removed;
    std::vector<entry> kept;
    for (auto& e : entries_) {
      if (gone.count(e.msg.uid))
        removed.push_back(e.msg.uid);
      else
        kept.push_back(std::move(e));
    }
    entries_ = std::move(kept);
    return removed;
  }

  result<std::vector<std::string>> set_tags(const std::vector<std::string>& uids,
                                            const std::vector<std::string>& tags) override {
    std::lock_guard lock(mu_);
    if (fail_mutations_) return error{"disk I/O error"};
    std::vector<std::string> clean;
    for (const auto& t : tags) {
      std::string s;
      for (char c : t)  // as Mailpit: letters, digits, - _ . space
        if (std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_' || c == '.' || c == ' ')
          s += c;
      if (!s.empty() && std::find(clean.begin(), clean.end(), s) == clean.end()) clean.push_back(s);
    }
    std::vector<std::string> changed;
    for (const auto& uid : uids) {
      entry* e = find(uid);
      if (e == nullptr || e->msg.parsed.tags == clean) continue;
      e->msg.parsed.tags = clean;
      changed.push_back(uid);
    }
    return changed;
  }

  result<std::vector<std::string>> rename_tag(std::string_view from, std::string_view to) override {
    std::lock_guard lock(mu_);
    if (fail_mutations_) return error{"disk I/O error"};
    std::vector<std::string> changed;
    for (auto& e : entries_) {
      for (auto& t : e.msg.parsed.tags) {
        if (t == from) {
          t = std::string(to);
          changed.push_back(e.msg.uid);
        }
      }
    }
    return changed;
  }

  result<std::vector<std::string>> delete_tag(std::string_view name) override {
    std::lock_guard lock(mu_);
    if (fail_mutations_) return error{"disk I/O error"};
    std::vector<std::string> changed;
    for (auto& e : entries_) {
      auto& tags = e.msg.parsed.tags;
      auto it = std::remove(tags.begin(), tags.end(), std::string(name));
      if (it != tags.end()) {
        tags.erase(it, tags.end());
        changed.push_back(e.msg.uid);
      }
    }
    return changed;
  }

  std::vector<std::string> tags() override {
    std::lock_guard lock(mu_);
    std::set<std::string> all;
    for (const auto& e : entries_) all.insert(e.msg.parsed.tags.begin(), e.msg.parsed.tags.end());
    return {all.begin(), all.end()};
  }

  mailbox_stats stats() override {
    std::lock_guard lock(mu_);
    mailbox_stats s;
    s.messages = entries_.size();
    s.database_bytes = 4096;
    for (const auto& e : entries_) {
      s.unread += e.msg.read ? 0 : 1;
      for (const auto& t : e.msg.parsed.tags) ++s.tags[t];
    }
    return s;
  }

 private:
  struct entry {
    stored_message msg;
    std::string raw;
  };

  entry* find(std::string_view uid) {
    for (auto& e : entries_)
      if (e.msg.uid == uid) return &e;
    return nullptr;
  }

  message_summary summary(const entry* e) const {
    message_summary s = summarize(e->msg.uid, e->msg.env, e->msg.parsed, e->msg.size);
    s.read = e->msg.read;
    s.tags = e->msg.parsed.tags;
    return s;
  }

  static std::string lower(std::string s) {
    for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return s;
  }

  static bool contains(const std::string& hay, const std::string& needle) {
    return lower(hay).find(lower(needle)) != std::string::npos;
  }

  static bool any_address(const std::vector<address>& list, const std::string& v) {
    for (const auto& a : list)
      if (contains(a.addr, v) || contains(a.name, v)) return true;
    return false;
  }

  bool term_matches(const entry& e, std::string term) const {
    const auto& p = e.msg.parsed;
    auto strip = [](std::string s) {
      s.erase(std::remove(s.begin(), s.end(), '"'), s.end());
      return s;
    };
    auto value = [&](std::size_t n) { return strip(term.substr(n)); };
    if (term.rfind("from:", 0) == 0)
      return p.from && (contains(p.from->addr, value(5)) || contains(p.from->name, value(5)));
    if (term.rfind("to:", 0) == 0) return any_address(p.to, value(3));
    if (term.rfind("cc:", 0) == 0) return any_address(p.cc, value(3));
    if (term.rfind("bcc:", 0) == 0) return any_address(effective_bcc(p, e.msg.env.rcpt_to), value(4));
    if (term.rfind("subject:", 0) == 0) return contains(p.subject, value(8));
    if (term.rfind("tag:", 0) == 0) {
      for (const auto& t : p.tags)
        if (lower(t) == lower(value(4))) return true;
      return false;
    }
    if (term == "is:read") return e.msg.read;
    if (term == "is:unread") return !e.msg.read;
    std::string v = strip(term);
    return contains(p.subject, v) || contains(p.text, v) || (p.from && contains(p.from->addr, v)) ||
           any_address(p.to, v);
  }

  // Newest first; nullopt for a "bad:" term.
  std::optional<std::vector<entry*>> matching(const std::string& search) {
    std::vector<std::string> terms;
    std::string cur;
    bool quoted = false;
    for (char c : search) {
      if (c == '"') quoted = !quoted;
      if (c == ' ' && !quoted) {
        if (!cur.empty()) terms.push_back(cur);
        cur.clear();
      } else {
        cur += c;
      }
    }
    if (!cur.empty()) terms.push_back(cur);
    for (const auto& t : terms)
      if (t.rfind("bad:", 0) == 0) return std::nullopt;
    std::vector<entry*> out;
    for (auto it = entries_.rbegin(); it != entries_.rend(); ++it) {
      bool all = true;
      for (const auto& t : terms) all = all && term_matches(*it, t);
      if (all) out.push_back(&*it);
    }
    std::stable_sort(out.begin(), out.end(), [](const entry* a, const entry* b) {
      return a->msg.env.received_ms > b->msg.env.received_ms;
    });
    return out;
  }

  std::optional<std::vector<entry*>> select(const selection& which) {
    if (!which.uids.empty()) {
      std::vector<entry*> out;
      for (const auto& uid : which.uids)
        if (entry* e = find(uid)) out.push_back(e);
      return out;
    }
    return matching(which.search.value_or(""));
  }

  std::mutex mu_;
  std::vector<entry> entries_;
  std::size_t seq_ = 0;
  bool fail_mutations_ = false;
  bool fail_reads_ = false;
  std::optional<page_request> last_page_;
  std::optional<selection> last_selection_;
};

}  // namespace mailjar::testing
