#include "search/query.hpp"

namespace mailjar::search {

namespace {

const char* prefix_of(term_kind k) {
  switch (k) {
    case term_kind::text:
      return "";
    case term_kind::from:
      return "from:";
    case term_kind::to:
      return "to:";
    case term_kind::cc:
      return "cc:";
    case term_kind::bcc:
      return "bcc:";
    case term_kind::reply_to:
      return "reply-to:";
    case term_kind::addressed:
      return "addressed:";
    case term_kind::subject:
      return "subject:";
    case term_kind::message_id:
      return "message-id:";
    case term_kind::tag:
      return "tag:";
    case term_kind::header:
      return "header:";
    case term_kind::is_read:
      return "is:read";
    case term_kind::is_unread:
      return "is:unread";
    case term_kind::is_tagged:
      return "is:tagged";
    case term_kind::has_attachment:
      return "has:attachment";
    case term_kind::has_inline:
      return "has:inline";
    case term_kind::larger:
      return "larger:";
    case term_kind::smaller:
      return "smaller:";
    case term_kind::after:
      return "after:";
    case term_kind::before:
      return "before:";
  }
  return "?:";
}

}  // namespace

std::string to_string(const term& t) {
  std::string out = t.negated ? "-" : "";
  out += prefix_of(t.kind);
  switch (t.kind) {
    case term_kind::larger:
    case term_kind::smaller:
    case term_kind::after:
    case term_kind::before:
      out += std::to_string(t.number);
      break;
    case term_kind::header:
      out += t.header_name + ":\"" + t.value + "\"";
      break;
    case term_kind::is_read:
    case term_kind::is_unread:
    case term_kind::is_tagged:
    case term_kind::has_attachment:
    case term_kind::has_inline:
      break;
    default:
      out += "\"" + t.value + "\"";
  }
  return out;
}

std::string to_string(const query& q) {
  std::string out;
  for (const auto& t : q.terms) {
    if (!out.empty()) out += ' ';
    out += to_string(t);
  }
  return out;
}

}  // namespace mailjar::search
