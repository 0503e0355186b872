#include "store/search_sql.hpp"

namespace mailjar::store {

namespace {

using search::term;
using search::term_kind;

constexpr const char* k_fts_in = "m.id IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)";
constexpr const char* k_fts_not_in =
    "m.id NOT IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?)";

class builder {
 public:
  void add(const std::string& clause) {
    if (!where_.empty()) where_ += " AND ";
    where_ += clause;
  }
  void bind(sql_value v) { binds_.push_back(std::move(v)); }

  // instr() on one folded column: a substring test, like Mailpit's LIKE '%value%'.
  void contains(const char* column, const term& t) {
    add(std::string("instr(m.") + column + ", ?) " + (t.negated ? "= 0" : "> 0"));
    bind(t.value);
  }

  sql_filter done(std::string fts_match) {
    sql_filter f;
    f.where = std::move(where_);
    f.binds = std::move(binds_);
    f.fts_match = std::move(fts_match);
    return f;
  }

 private:
  std::string where_;
  std::vector<sql_value> binds_;
};

const char* address_column(term_kind k) {
  switch (k) {
    case term_kind::from:
      return "from_f";
    case term_kind::to:
      return "to_f";
    case term_kind::cc:
      return "cc_f";
    case term_kind::bcc:
      return "bcc_f";
    case term_kind::reply_to:
      return "reply_to_f";
    case term_kind::subject:
      return "subject_f";
    case term_kind::message_id:
      return "message_id_f";
    default:
      return nullptr;
  }
}

std::string join(const std::vector<std::string>& parts, const char* sep) {
  std::string out;
  for (const auto& p : parts) {
    if (!out.empty()) out += sep;
    out += p;
  }
  return out;
}

}  // namespace

std::string fts_phrase(const std::string& words) {
  std::string out = "\"";
  for (char c : words) {
    if (c == '"') out += '"';
    // FTS5 reads its query up to a NUL ("unterminated string"); the tokenizer splits words
    // at control characters anyway, so a space matches the same.
    out += c == '\0' ? ' ' : c;
  }
  return out + "\"*";
}

sql_filter translate(const search::query& q) {
  builder b;
  std::vector<std::string> positive, negative;
  std::size_t other_terms = 0;
  for (const auto& t : q.terms) {
    if (t.kind == term_kind::text) {
      (t.negated ? negative : positive).push_back(fts_phrase(t.value));
    }
  }
  std::string fts_match;
  if (!positive.empty()) {
    fts_match = join(positive, " AND ");
    if (!negative.empty()) fts_match = "(" + fts_match + ") NOT (" + join(negative, " OR ") + ")";
    b.add(k_fts_in);
    b.bind(fts_match);
  } else if (!negative.empty()) {
    fts_match = join(negative, " OR ");
    b.add(k_fts_not_in);
    b.bind(fts_match);
  }

  for (const auto& t : q.terms) {
    if (t.kind == term_kind::text) continue;
    ++other_terms;
    const bool no = t.negated;
    if (const char* column = address_column(t.kind)) {
      b.contains(column, t);
      continue;
    }
    switch (t.kind) {
      case term_kind::addressed:
        b.add(std::string(no ? "NOT " : "") +
              "(instr(m.from_f, ?) > 0 OR instr(m.to_f, ?) > 0 OR instr(m.cc_f, ?) > 0 OR "
              "instr(m.bcc_f, ?) > 0 OR instr(m.reply_to_f, ?) > 0)");
        for (int i = 0; i < 5; ++i) b.bind(t.value);
        break;
      case term_kind::tag:
        // tags.name is COLLATE NOCASE: the comparison ignores (ASCII) case, as tags are ASCII.
        b.add(
            std::string("m.id ") + (no ? "NOT IN" : "IN") +
            " (SELECT mt.message FROM message_tags mt WHERE mt.tag = (SELECT id FROM tags WHERE name = ?))");
        b.bind(t.value);
        break;
      case term_kind::header:
        b.add(std::string(no ? "NOT " : "") +
              "EXISTS (SELECT 1 FROM messages x WHERE x.id = m.id AND mailjar_header_match(x.headers_json, "
              "?, ?))");
        b.bind(t.header_name);
        b.bind(t.value);
        break;
      case term_kind::is_read:
        b.add(no ? "m.is_read = 0" : "m.is_read = 1");
        break;
      case term_kind::is_unread:
        b.add(no ? "m.is_read = 1" : "m.is_read = 0");
        break;
      case term_kind::is_tagged:
        b.add(std::string(no ? "NOT " : "") +
              "EXISTS (SELECT 1 FROM message_tags mt WHERE mt.message = m.id)");
        break;
      case term_kind::has_attachment:
        b.add(no ? "m.attachments = 0" : "m.attachments > 0");
        break;
      case term_kind::has_inline:
        b.add(no ? "m.inlines = 0" : "m.inlines > 0");
        break;
      // Negations as Mailpit writes them: -larger:N is size < N, -after:D is received <= D.
      case term_kind::larger:
        b.add(no ? "m.size < ?" : "m.size > ?");
        b.bind(t.number);
        break;
      case term_kind::smaller:
        b.add(no ? "m.size > ?" : "m.size < ?");
        b.bind(t.number);
        break;
      case term_kind::after:
        b.add(no ? "m.received_ms <= ?" : "m.received_ms >= ?");
        b.bind(t.number);
        break;
      case term_kind::before:
        b.add(no ? "m.received_ms >= ?" : "m.received_ms <= ?");
        b.bind(t.number);
        break;
      default:
        break;
    }
  }
  sql_filter f = b.done(std::move(fts_match));
  f.fts_positive = !positive.empty();
  f.fts_only = f.fts_positive && other_terms == 0;
  f.fts_excluded_only = positive.empty() && !negative.empty() && other_terms == 0;
  if (positive.empty() && negative.empty() && other_terms > 0) {
    int flag = -1;
    for (const auto& t : q.terms) {
      const bool read_term = t.kind == term_kind::is_read || t.kind == term_kind::is_unread;
      if (!read_term) {
        flag = -1;
        break;
      }
      const int want = (t.kind == term_kind::is_read) != t.negated ? 1 : 0;
      flag = flag == -1 || flag == want ? want : -2;
      if (flag == -2) break;
    }
    f.read_flag_only = flag;
  }
  return f;
}

namespace {

std::string where_clause(const std::string& where, const std::string& extra = {}) {
  if (where.empty() && extra.empty()) return {};
  if (where.empty()) return " WHERE " + extra;
  if (extra.empty()) return " WHERE " + where;
  return " WHERE (" + where + ") AND " + extra;
}

}  // namespace

std::string page_query(const sql_filter& f) {
  return "SELECT m.id FROM message_index m" + where_clause(f.where) +
         " ORDER BY m.received_ms DESC, m.id DESC LIMIT ? OFFSET ?";
}

std::string count_query(const sql_filter& f) {
  return "SELECT count(*), ifnull(sum(m.is_read = 0), 0) FROM message_index m" + where_clause(f.where);
}

std::string rows_query(const sql_filter& f, const std::string& extra) {
  return "SELECT m.id, x.uid FROM message_index m JOIN messages x ON x.id = m.id" +
         where_clause(f.where, extra) + " ORDER BY m.received_ms DESC, m.id DESC";
}

int bind_filter(statement& s, const sql_filter& f, int after) {
  int i = after;
  for (const auto& v : f.binds) {
    if (const auto* n = std::get_if<std::int64_t>(&v)) {
      s.bind(++i, *n);
    } else {
      s.bind(++i, std::string_view(std::get<std::string>(v)));
    }
  }
  return i;
}

}  // namespace mailjar::store
