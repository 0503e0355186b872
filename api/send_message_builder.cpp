#include "api/send_message_builder.hpp"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <utility>
#include <vector>

#include "api/mail_headers.hpp"
#include "api/mime_encoding.hpp"
#include "api/time_format.hpp"
#include "core/message_uid.hpp"

namespace mailjar::api {

namespace {

struct node {
  std::vector<std::pair<std::string, std::string>> headers;  // already encoded values
  std::string body;                                          // already transfer-encoded
  std::string multipart;                                     // subtype when this is a multipart
  std::vector<node> children;
};

bool is_tchar(unsigned char c) {
  return std::isalnum(c) || (c != 0 && std::strchr("!#$%&'*+-.^_`|~", c) != nullptr);
}

bool has_line_break(std::string_view s) {
  return s.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

std::string boundary_for(int depth, const std::string& seed) {
  // "=_" never occurs in base64 or quoted-printable output, so the boundary cannot collide.
  return "=_mailjar_" + std::to_string(depth) + "_" + seed;
}

void serialize(const node& n, int depth, const std::string& seed, std::string& out) {
  for (const auto& [k, v] : n.headers) out += k + ": " + v + "\r\n";
  if (n.multipart.empty()) {
    out += "\r\n";
    out += n.body;
    return;
  }
  std::string b = boundary_for(depth, seed);
  out += "Content-Type: multipart/" + n.multipart + "; boundary=\"" + b + "\"\r\n\r\n";
  for (const auto& c : n.children) {
    out += "--" + b + "\r\n";
    serialize(c, depth + 1, seed, out);
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
  }
  out += "--" + b + "--\r\n";
}

node text_part(std::string_view subtype, std::string_view content) {
  node n;
  n.headers = {{"Content-Type", "text/" + std::string(subtype) + "; charset=utf-8"},
               {"Content-Transfer-Encoding", "quoted-printable"}};
  n.body = quoted_printable(content);
  return n;
}

node wrap(std::string subtype, std::vector<node> children) {
  node n;
  n.multipart = std::move(subtype);
  n.children = std::move(children);
  return n;
}

std::string sniff_content_type(std::string_view b) {
  auto starts = [&](std::string_view p) { return b.substr(0, p.size()) == p; };
  if (starts("\x89PNG\r\n\x1a\n")) return "image/png";
  if (starts("\xff\xd8\xff")) return "image/jpeg";
  if (starts("GIF87a") || starts("GIF89a")) return "image/gif";
  if (starts("RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") return "image/webp";
  if (starts("%PDF-")) return "application/pdf";
  if (starts("PK\x03\x04")) return "application/zip";
  if (starts(std::string_view("\x1f\x8b", 2))) return "application/x-gzip";
  bool text = true;
  for (std::size_t i = 0; i < b.size() && i < 512; ++i) {
    unsigned char c = static_cast<unsigned char>(b[i]);
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != 0x0C && c != 0x1B) text = false;
  }
  return text ? "text/plain; charset=utf-8" : "application/octet-stream";
}

bool valid_content_type(std::string_view ct) {
  if (ct.empty() || ct.size() > 200 || has_line_break(ct)) return false;
  auto semi = ct.find(';');
  auto media = ct.substr(0, semi);
  auto slash = media.find('/');
  if (slash == std::string_view::npos || slash == 0 || slash + 1 >= media.size()) return false;
  for (char c : media)
    if (c != '/' && !is_tchar(static_cast<unsigned char>(c))) return false;
  return is_ascii_printable(ct);
}

std::string join_addresses(const std::vector<send_address>& list) {
  std::string out;
  for (const auto& a : list) out += (out.empty() ? "" : ",\r\n ") + format_address(a.name, a.email);
  return out;
}

outcome<bool> check_addresses(const std::vector<send_address>& list, const char* field) {
  for (const auto& a : list) {
    if (!plausible_email(a.email))
      return bad_request(std::string("invalid ") + field + " address: " + a.email);
    if (has_line_break(a.name))
      return bad_request(std::string("invalid ") + field + " name: line breaks are not allowed");
  }
  return true;
}

}  // namespace

bool plausible_email(std::string_view addr) {
  if (addr.empty() || addr.size() > 320) return false;
  auto at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) return false;
  for (char ch : addr) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (c <= 0x20 || c == 0x7F || std::strchr("<>()[],;:\"\\", c) != nullptr) return false;
  }
  return true;
}

outcome<built_message> build_send_message(const send_request& r, const build_context& ctx) {
  // Mailpit's (enmime's) rules: a sender, a subject and at least one recipient.
  if (r.from.email.empty()) return bad_request("From.Email is required");
  if (!plausible_email(r.from.email)) return bad_request("invalid From address: " + r.from.email);
  if (has_line_break(r.from.name)) return bad_request("invalid From name: line breaks are not allowed");
  if (r.subject.empty()) return bad_request("Subject is required");
  if (has_line_break(r.subject)) return bad_request("invalid Subject: line breaks are not allowed");
  if (r.to.empty() && r.cc.empty() && r.bcc.empty()) return bad_request("no recipients (To, Cc, Bcc) set");
  for (auto [list, field] :
       {std::pair{&r.to, "To"}, std::pair{&r.cc, "Cc"}, std::pair{&r.reply_to, "Reply-To"}}) {
    auto ok = check_addresses(*list, field);
    if (!ok.ok()) return ok.error();
  }
  for (const auto& b : r.bcc)
    if (!plausible_email(b)) return bad_request("invalid Bcc address: " + b);

  std::vector<std::string> restricted = {
      "To",   "From",    "Cc",           "Bcc",          "Reply-To",
      "Date", "Subject", "Content-Type", "Mime-Version", "Content-Transfer-Encoding"};
  if (!r.tags.empty()) restricted.push_back("X-Tags");
  std::vector<std::pair<std::string, std::string>> custom;
  bool custom_message_id = false;
  for (const auto& [name, value] : r.headers) {
    for (const auto& x : restricted)
      if (iequals(name, x)) return bad_request("cannot overwrite header: \"" + name + "\"");
    if (name.empty() || name.size() > 76 || !std::all_of(name.begin(), name.end(), [](char c) {
          return is_tchar(static_cast<unsigned char>(c));
        }))
      return bad_request("invalid header name: \"" + name + "\"");
    if (has_line_break(value))
      return bad_request("invalid value for header \"" + name + "\": line breaks are not allowed");
    std::string encoded = encode_header_text(value);
    if (encoded.size() + name.size() > 990 && encoded.find("\r\n") == std::string::npos)
      return bad_request("header \"" + name + "\" is too long");
    if (iequals(name, "Message-Id")) custom_message_id = true;
    custom.emplace_back(name, std::move(encoded));
  }
  std::string tags;
  for (const auto& t : r.tags) {
    if (has_line_break(t)) return bad_request("invalid tag: line breaks are not allowed");
    tags += (tags.empty() ? "" : ", ") + t;
  }

  // Leaves.
  node body = text_part("plain", r.text);
  if (!r.html.empty()) body = wrap("alternative", {std::move(body), text_part("html", r.html)});
  std::vector<node> inlines, attachments;
  for (const auto& a : r.attachments) {
    auto bytes = decode_base64_content(a.content);
    if (!bytes) return bad_request("error decoding base64 attachment \"" + a.filename + "\"");
    if (has_line_break(a.filename) || a.filename.size() > 255)
      return bad_request("invalid attachment file name: \"" + a.filename + "\"");
    std::string ct = a.content_type.empty() ? sniff_content_type(*bytes) : a.content_type;
    if (!valid_content_type(ct))
      return bad_request("invalid attachment content type: \"" + a.content_type + "\"");
    std::string cid = a.content_id;
    if (cid.size() >= 2 && cid.front() == '<' && cid.back() == '>') cid = cid.substr(1, cid.size() - 2);
    if (!cid.empty() &&
        (!is_ascii_printable(cid) || cid.find_first_of(" <>\"") != std::string::npos || cid.size() > 250))
      return bad_request("invalid attachment ContentID: \"" + a.content_id + "\"");
    node n;
    std::string type_value = ct;
    if (!a.filename.empty() && ct.find(';') == std::string::npos)
      type_value += "; " + mime_parameter("name", a.filename);
    n.headers.emplace_back("Content-Type", type_value);
    std::string disposition = cid.empty() ? "attachment" : "inline";
    if (!a.filename.empty()) disposition += "; " + mime_parameter("filename", a.filename);
    n.headers.emplace_back("Content-Disposition", disposition);
    if (!cid.empty()) n.headers.emplace_back("Content-ID", "<" + cid + ">");
    n.headers.emplace_back("Content-Transfer-Encoding", "base64");
    n.body = base64_lines(*bytes);
    (cid.empty() ? attachments : inlines).push_back(std::move(n));
  }
  if (!inlines.empty()) {
    inlines.insert(inlines.begin(), std::move(body));
    body = wrap("related", std::move(inlines));
  }
  if (!attachments.empty()) {
    attachments.insert(attachments.begin(), std::move(body));
    body = wrap("mixed", std::move(attachments));
  }

  // Top-level header, in the order a mail client writes it.
  std::vector<std::pair<std::string, std::string>> top;
  top.emplace_back("From", format_address(r.from.name, r.from.email));
  if (!r.to.empty()) top.emplace_back("To", join_addresses(r.to));
  if (!r.cc.empty()) top.emplace_back("Cc", join_addresses(r.cc));
  if (!r.reply_to.empty()) top.emplace_back("Reply-To", join_addresses(r.reply_to));
  top.emplace_back("Subject", encode_header_text(r.subject));
  top.emplace_back("Date", rfc5322_local(ctx.now_ms));
  if (!custom_message_id) top.emplace_back("Message-ID", "<" + new_message_uid() + "@mailjar>");
  if (!tags.empty()) top.emplace_back("X-Tags", encode_header_text(tags));
  for (auto& h : custom) top.push_back(std::move(h));
  top.emplace_back("MIME-Version", "1.0");
  body.headers.insert(body.headers.begin(), top.begin(), top.end());

  built_message out;
  std::string seed = new_message_uid();
  serialize(body, 0, seed, out.raw);
  out.env.mail_from = r.from.email;
  auto add_rcpt = [&](const std::string& a) {
    if (std::find(out.env.rcpt_to.begin(), out.env.rcpt_to.end(), a) == out.env.rcpt_to.end())
      out.env.rcpt_to.push_back(a);
  };
  for (const auto& a : r.to) add_rcpt(a.email);
  for (const auto& a : r.cc) add_rcpt(a.email);
  for (const auto& a : r.bcc) add_rcpt(a);
  out.env.client_addr = ctx.remote_addr;
  out.env.auth_user = ctx.auth_user;
  out.env.received_ms = ctx.now_ms;
  return out;
}

}  // namespace mailjar::api
