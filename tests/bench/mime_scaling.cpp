// mime_scaling: looks for hostile MIME whose parse cost grows faster than its size, or that kills
// the parser (stack overflow). For each family of generated messages (many parameters, nested
// groups, folded lines, deep nesting, ...) it parses a message of size n and one of size 4n, each
// in a child process (a crash or a hang costs the child, not the run), and prints the times and
// their ratio: ~4 is linear, ~16 quadratic. This is how the parameter bomb (quadratic in GMime)
// and the nested address groups (a stack overflow in GMime) were found; the parse horizon
// (server/mime/parse_horizon.hpp) now bounds both. Run it after a GMime upgrade or a parser
// change:
//
//   build/bench/mime_scaling [--n 25000] [--only NAME] [--timeout 30]
//
// Exit status 1 when a family crashed, timed out, or grew faster than 8x for 4x the size (with
// at least 20 ms at 4n: below that, timer noise decides). Bench only, not a test: it times.
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <vector>

#include "mime/parser.hpp"

namespace {

using generator = std::function<std::string(int)>;

std::string repeat(const std::string& s, int n) {
  std::string out;
  out.reserve(s.size() * static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) out += s;
  return out;
}

std::string numbered(const std::string& before, const std::string& after, int n) {
  std::string out;
  for (int i = 0; i < n; ++i) out += before + std::to_string(i) + after;
  return out;
}

const std::string head = "From: a@example.com\r\nTo: b@example.com\r\nSubject: s\r\n";

std::string with_body(const std::string& type, const std::string& body, const std::string& extra = "") {
  return head + "Content-Type: " + type + "\r\n" + extra + "\r\n" + body;
}

struct family {
  const char* name;
  generator make;
};

const std::vector<family>& families() {
  static const std::vector<family> all = {
      // Parameters and MIME structure.
      {"parameters", [](int n) { return with_body("text/plain" + numbered("; p", "=v", n), "b\r\n"); }},
      {"disposition parameters",
       [](int n) {
         return with_body("text/plain", "b\r\n",
                          "Content-Disposition: attachment" + numbered("; p", "=v", n) + "\r\n");
       }},
      {"RFC 2231 sections",
       [](int n) {
         return with_body("text/plain", "b\r\n",
                          "Content-Disposition: attachment" + numbered("; name*", "=v", n) + "\r\n");
       }},
      {"sibling parts",
       [](int n) {
         return with_body("multipart/mixed; boundary=b", repeat("--b\r\n\r\np\r\n", n) + "--b--\r\n");
       }},
      {"nested multiparts",
       [](int n) {
         return head + numbered("Content-Type: multipart/mixed; boundary=a", "\r\n\r\n--a\r\n", n) + "x\r\n";
       }},
      {"nested messages",
       [](int n) { return head + repeat("Content-Type: message/rfc822\r\n\r\n", n) + "x\r\n"; }},
      {"duplicate Content-Type",
       [](int n) { return head + repeat("Content-Type: text/plain\r\n", n) + "\r\nb\r\n"; }},
      // Header fields.
      {"header fields", [](int n) { return numbered("X-H", ": v\r\n", n) + "\r\nb\r\n"; }},
      {"folded lines", [](int n) { return "Subject: a" + repeat("\r\n b", n) + "\r\n\r\nb\r\n"; }},
      {"encoded words",
       [](int n) { return "Subject: " + repeat("=?utf-8?q?a=C3=A9?= ", n) + "\r\n\r\nb\r\n"; }},
      {"encoded-word charsets",
       [](int n) { return "Subject: " + numbered("=?x-cs", "?q?a?= ", n) + "\r\n\r\nb\r\n"; }},
      {"broken encoded words", [](int n) { return "Subject: " + repeat("=?", n) + "\r\n\r\nb\r\n"; }},
      {"Date garbage", [](int n) { return "Date: " + repeat("Mon, ", n) + "\r\n\r\nb\r\n"; }},
      {"Message-ID list", [](int n) { return "References: " + numbered("<m", "@x>", n) + "\r\n\r\nb\r\n"; }},
      {"comments",
       [](int n) { return "Message-ID: " + repeat("(", n) + repeat(")", n) + "<a@b>\r\n\r\nb\r\n"; }},
      // Addresses.
      {"addresses",
       [](int n) { return "From: a@b.c\r\nTo: " + numbered("u", "@x.y, ", n) + "\r\n\r\nb\r\n"; }},
      {"named addresses",
       [](int n) { return "To: " + numbered("\"Name ", "\" <u@x.y>, ", n) + "\r\n\r\nb\r\n"; }},
      {"groups", [](int n) { return "To: " + numbered("g", ": u@x.y;, ", n) + "\r\n\r\nb\r\n"; }},
      {"nested groups",
       [](int n) { return "To: " + repeat("g:", n) + "a@b.c" + repeat(";", n) + "\r\n\r\nb\r\n"; }},
      {"nested groups in Resent-Cc", [](int n) { return "Resent-Cc: " + repeat("g:", n) + "\r\n\r\nb\r\n"; }},
      {"address comments",
       [](int n) { return "From: " + repeat("(", n) + "a@b.c" + repeat(")", n) + "\r\n\r\nb\r\n"; }},
      {"address angles",
       [](int n) { return "From: " + repeat("<", n) + "a@b.c" + repeat(">", n) + "\r\n\r\nb\r\n"; }},
      {"source routes", [](int n) { return "From: <" + repeat("@x.y,", n) + "@z:a@b.c>\r\n\r\nb\r\n"; }},
      {"quoted escapes", [](int n) { return "From: \"" + repeat("\\\"", n) + "\" <a@b.c>\r\n\r\nb\r\n"; }},
      {"domain labels", [](int n) { return "To: a@" + repeat("b.", n) + "c\r\n\r\nb\r\n"; }},
      // Bodies.
      {"HTML tags", [](int n) { return with_body("text/html", repeat("<b>", n)); }},
      {"HTML comments", [](int n) { return with_body("text/html", repeat("<!--", n)); }},
      {"HTML entities", [](int n) { return with_body("text/html", repeat("&#", n)); }},
      {"HTML attributes", [](int n) { return with_body("text/html", "<a " + repeat("x=1 ", n) + ">"); }},
      {"HTML nested tables", [](int n) { return with_body("text/html", repeat("<table><tr><td>", n)); }},
      {"quoted-printable soft breaks",
       [](int n) {
         return with_body("text/plain", repeat("=\r\n", n),
                          "Content-Transfer-Encoding: quoted-printable\r\n");
       }},
      {"invalid base64",
       [](int n) {
         return with_body("text/plain", repeat("!", n), "Content-Transfer-Encoding: base64\r\n");
       }},
      {"uuencode begin lines",
       [](int n) {
         return with_body("text/plain", repeat("begin 644 a\r\n", n),
                          "Content-Transfer-Encoding: x-uuencode\r\n");
       }},
      {"windows-1252 body",
       [](int n) { return with_body("text/plain; charset=windows-1252", repeat("\x80\x99", n)); }},
      {"invalid UTF-8 body", [](int n) { return with_body("text/plain; charset=utf-8", repeat("\xc3", n)); }},
      {"boundary look-alikes",
       [](int n) { return with_body("multipart/mixed; boundary=b", repeat("--bx\r\n", n)); }},
  };
  return all;
}

// Parses `raw` in a child process; milliseconds, or -1 when it crashed, -2 when it timed out.
double timed_parse(const std::string& raw, int timeout_s, std::string& how) {
  int fds[2];
  if (pipe(fds) != 0) return -1;
  const pid_t pid = fork();
  if (pid == 0) {
    close(fds[0]);
    alarm(static_cast<unsigned>(timeout_s));
    const auto t0 = std::chrono::steady_clock::now();
    const auto parsed = mailjar::mime::parse_message(raw);
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - t0).count();
    (void)parsed;
    if (write(fds[1], &ms, sizeof ms) != sizeof ms) _exit(3);
    _exit(0);
  }
  close(fds[1]);
  double ms = 0;
  const bool got = read(fds[0], &ms, sizeof ms) == sizeof ms;
  close(fds[0]);
  int status = 0;
  waitpid(pid, &status, 0);
  if (got && WIFEXITED(status) && WEXITSTATUS(status) == 0) return ms;
  if (WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM) {
    how = "timed out";
    return -2;
  }
  how = WIFSIGNALED(status) ? std::string("killed by ") + strsignal(WTERMSIG(status)) : "failed";
  return -1;
}

int usage() {
  std::fprintf(stderr, "usage: mime_scaling [--n N] [--only NAME] [--timeout SECONDS]\n");
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 25000, timeout_s = 30;
  std::string only;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (i + 1 >= argc) return usage();
    if (a == "--n") {
      n = std::atoi(argv[++i]);
    } else if (a == "--only") {
      only = argv[++i];
    } else if (a == "--timeout") {
      timeout_s = std::atoi(argv[++i]);
    } else {
      return usage();
    }
  }
  if (n <= 0 || timeout_s <= 0) return usage();
  // GMime's one-time set-up (charset tables, type registration) happens here, before the first
  // fork, so the children time the parse alone.
  (void)mailjar::mime::parse_message(head + "\r\nwarm-up\r\n");
  int bad = 0;
  std::printf("| family | size at n=%d | ms at n | ms at 4n | ratio | |\n|---|---:|---:|---:|---:|---|\n", n);
  for (const family& f : families()) {
    if (!only.empty() && only != f.name) continue;
    const std::string small = f.make(n), large = f.make(4 * n);
    std::string how;
    const double a = timed_parse(small, timeout_s, how);
    const double b = a < 0 ? a : timed_parse(large, timeout_s, how);
    const double ratio = a > 0 && b > 0 ? b / a : 0;
    std::string verdict = "ok";
    if (b < 0) {
      verdict = "**" + how + (a < 0 ? " at n" : " at 4n") + "**";
    } else if (ratio > 8 && b >= 20) {
      verdict = "**superlinear**";
    }
    if (verdict != "ok") ++bad;
    std::printf("| %s | %zu B | %.1f | %.1f | %.1f | %s |\n", f.name, small.size(), a, b, ratio,
                verdict.c_str());
    std::fflush(stdout);
  }
  return bad == 0 ? 0 : 1;
}
