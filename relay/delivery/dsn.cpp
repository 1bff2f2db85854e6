#include "relay/delivery/dsn.hpp"

#include <cassert>
#include <cstdio>

#include "relay/core/ascii.hpp"
#include "relay/core/utf8.hpp"
#include "relay/mime/content_type.hpp"
#include "relay/mime/header.hpp"
#include "relay/mime/transfer_encoding.hpp"

namespace kizuna::delivery {
namespace {

// RFC 5322 §2.1.1: 998 octets per line, 78 recommended. Folding aims at 78;
// a word longer than this is split so no line can pass 998.
constexpr std::size_t fold_width = 78;
constexpr std::size_t max_word = 900;
// RFC 2046 §5.1.1 allows 70 boundary characters; the token part is cut so the
// prefix and a retry suffix always fit.
constexpr std::size_t max_boundary_token = 40;

bool is_ctl(unsigned char c) { return c < 0x20 || c == 0x7F; }

// One line of text from the network: controls and runs of space become one
// space, invalid UTF-8 becomes '?', non-ASCII characters stay (utf8) or become
// '?' (ASCII only); trimmed, cut at `max` octets on a character boundary
// (marked "...").
std::string one_line(std::string_view in, std::size_t max, bool utf8) {
  std::string out;
  out.reserve(std::min(in.size(), max) + 3);
  bool space = false;
  std::size_t i = 0;
  while (i < in.size()) {
    const auto c = static_cast<unsigned char>(in[i]);
    std::string_view piece;
    std::size_t len = 1;
    if (c == ' ' || is_ctl(c)) {
      space = !out.empty();
      ++i;
      continue;
    }
    if (c < 0x80) {
      piece = in.substr(i, 1);
    } else if ((len = utf8_sequence_length(in, i)) != 0) {
      piece = utf8 ? in.substr(i, len) : std::string_view("?");
    } else {
      len = utf8_maximal_subpart(in, i);
      piece = "?";
    }
    i += len;
    if (out.size() + space + piece.size() > max) {
      out += "...";
      return out;
    }
    if (space) out += ' ';
    space = false;
    out += piece;
  }
  return out;
}

bool is_ascii(std::string_view s) {
  for (const char c : s)
    if (static_cast<unsigned char>(c) >= 0x80) return false;
  return true;
}

// RFC 6533 §3 utf-8-addr-xtext: printable ASCII except '+', '=', '\' as is,
// everything else as \x{HEX} (upper case, no leading zeros).
std::string utf8_xtext(std::string_view address) {
  std::string out;
  char buf[16];
  for (std::size_t i = 0; i < address.size();) {
    const auto c = static_cast<unsigned char>(address[i]);
    std::size_t len = utf8_sequence_length(address, i);
    if (len == 0) {  // one_line() already replaced invalid UTF-8; keep this total anyway
      out += '?';
      ++i;
      continue;
    }
    if (len == 1 && c > 0x20 && c < 0x7F && c != '+' && c != '=' && c != '\\') {
      out += static_cast<char>(c);
    } else {
      unsigned cp = len == 1 ? c : (c & (0xFF >> (len + 1)));
      for (std::size_t k = 1; k < len; ++k) cp = (cp << 6) | (static_cast<unsigned char>(address[i + k]) & 0x3F);
      std::snprintf(buf, sizeof buf, "\\x{%X}", cp);
      out += buf;
    }
    i += len;
  }
  return out;
}

// "rfc822; a@example.com", or "utf-8; ..." (RFC 6533) for a non-ASCII address.
std::string typed_address(std::string_view address) {
  const std::string a = one_line(address, dsn_max_address, true);
  if (is_ascii(a)) return "rfc822; " + a;
  return "utf-8; " + utf8_xtext(a);
}

// RFC 3463 §2: class "." subject (1-3 digits) "." detail (1-3 digits), class 2, 4 or 5.
bool well_formed_enhanced(std::string_view e) {
  const auto dot1 = e.find('.');
  const auto dot2 = dot1 == std::string_view::npos ? dot1 : e.find('.', dot1 + 1);
  auto digits = [](std::string_view d) {
    if (d.empty() || d.size() > 3) return false;
    for (const char c : d)
      if (c < '0' || c > '9') return false;
    return true;
  };
  return dot1 == 1 && dot2 != std::string_view::npos && (e[0] == '2' || e[0] == '4' || e[0] == '5') &&
         digits(e.substr(2, dot2 - 2)) && digits(e.substr(dot2 + 1));
}

// RFC 5322 §3.2.3 atext, with RFC 6532's UTF-8 (any byte >= 0x80; one_line
// already made the text valid UTF-8).
bool is_atext(unsigned char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c >= 0x80 ||
         std::string_view("!#$%&'*+-/=?^_`{|}~").find(static_cast<char>(c)) != std::string_view::npos;
}

bool is_dot_atom(std::string_view s) {
  if (s.empty() || s.front() == '.' || s.back() == '.') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '.' ? s[i - 1] == '.' : !is_atext(c)) return false;
  }
  return true;
}

// The envelope sender as the DSN's To address: "<local@domain>", the local
// part quoted when it is not a dot-atom (Japanese carrier addresses like
// "taro..yamada."@docomo.ne.jp). Empty when it cannot be written as an
// address (no '@', a domain that is neither a dot-atom nor a literal): then
// the To field names no one and only the envelope carries the recipient.
std::string recipient_of_dsn(std::string_view sender) {
  const std::string a = one_line(sender, dsn_max_address, true);
  const auto at = a.rfind('@');
  if (at == std::string::npos || at == 0 || at + 1 == a.size()) return {};
  std::string_view local = std::string_view(a).substr(0, at);
  const std::string_view domain = std::string_view(a).substr(at + 1);
  const bool literal = domain.size() > 2 && domain.front() == '[' && domain.back() == ']' &&
                       domain.substr(1, domain.size() - 2).find_first_of("[]\\ ") == std::string_view::npos;
  if (!literal && !is_dot_atom(domain)) return {};
  std::string plain;  // the local part without its quoting
  if (local.size() >= 2 && local.front() == '"' && local.back() == '"') {
    local = local.substr(1, local.size() - 2);
    for (std::size_t i = 0; i < local.size(); ++i) {
      if (local[i] == '\\' && i + 1 < local.size()) ++i;
      plain += local[i];
    }
  } else {
    plain = local;
  }
  std::string out = "<";
  if (is_dot_atom(plain)) {
    out += plain;
  } else {
    out += '"';
    for (const char c : plain) {
      if (c == '"' || c == '\\') out += '\\';
      out += c;
    }
    out += '"';
  }
  out += '@';
  out += domain;
  out += '>';
  return out;
}

// Host names and tokens: only what a DNS name or an id may hold.
std::string host_chars(std::string_view in, std::size_t max, std::string_view extra) {
  std::string out;
  for (const char c : in) {
    if (out.size() >= max) break;
    if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-' || c == '.' ||
        extra.find(c) != std::string_view::npos)
      out += c;
  }
  return out;
}

// RFC 5322 §3.3 date-time in UTC, locale-free.
std::string rfc5322_date(std::chrono::system_clock::time_point tp) {
  using namespace std::chrono;
  static constexpr const char* days[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
  static constexpr const char* months[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                           "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  const auto secs = floor<seconds>(tp);
  const auto day = floor<std::chrono::days>(secs);
  const year_month_day ymd{day};
  const hh_mm_ss hms{secs - day};
  char buf[64];
  std::snprintf(buf, sizeof buf, "%s, %02u %s %d %02d:%02d:%02d +0000", days[weekday{day}.c_encoding()],
                static_cast<unsigned>(ymd.day()), months[static_cast<unsigned>(ymd.month()) - 1],
                static_cast<int>(ymd.year()), static_cast<int>(hms.hours().count()),
                static_cast<int>(hms.minutes().count()), static_cast<int>(hms.seconds().count()));
  return buf;
}

// "Name: value" folded at spaces near fold_width; `value` is one line of
// printable ASCII (one_line with utf8 = false). A word past max_word is split
// (unfolding then shows a space there: acceptable in diagnostic text).
void folded_field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ':';
  std::size_t column = name.size() + 1;
  bool line_empty = true;  // no word on this line yet: never fold before the first
  for (std::size_t pos = 0; pos < value.size();) {
    std::size_t end = std::min(value.find(' ', pos), value.size());
    if (end - pos > max_word) end = pos + max_word;
    const std::string_view word = value.substr(pos, end - pos);
    pos = end < value.size() && value[end] == ' ' ? end + 1 : end;
    if (!line_empty && column + 1 + word.size() > fold_width) {
      out += "\r\n";
      column = 0;
    }
    out += ' ';
    out += word;
    column += 1 + word.size();
    line_empty = false;
  }
  out += "\r\n";
}

void field(std::string& out, std::string_view name, std::string_view value) {
  out += name;
  out += ": ";
  out += value;
  out += "\r\n";
}

std::string diagnostic_code(const smtp::reply& r) {
  std::string s = "smtp; " + std::to_string(r.code);
  if (well_formed_enhanced(r.enhanced)) s += ' ' + r.enhanced;
  const std::string text = one_line(r.text, dsn_max_reply_text, false);
  if (!text.empty()) s += ' ' + text;
  return s;
}

// The original header block, cut after the last whole field within the limit,
// with CRLF line ends and without NUL.
std::string returned_headers(std::string_view message) {
  const auto block = mime::parse_header_block(message, 0);
  std::size_t end = block.range.end;
  if (end - block.range.begin > dsn_max_original_headers) {
    end = block.range.begin;
    for (const auto& f : block.fields) {
      if (f.raw.end - block.range.begin > dsn_max_original_headers) break;
      end = f.raw.end;
    }
  }
  const std::string_view raw = message.substr(block.range.begin, end - block.range.begin);
  std::string out;
  out.reserve(raw.size() + 64);
  for (std::size_t i = 0; i < raw.size(); ++i) {
    const char c = raw[i];
    if (c == '\0') continue;
    if (c == '\r' || c == '\n') {
      if (c == '\r' && i + 1 < raw.size() && raw[i + 1] == '\n') ++i;
      out += "\r\n";
      continue;
    }
    out += c;
  }
  if (!out.empty() && !out.ends_with("\r\n")) out += "\r\n";
  return out;
}

// 7bit is enough: ASCII without controls other than TAB, lines of at most 998 octets.
bool fits_7bit(std::string_view crlf_text) {
  std::size_t line = 0;
  for (std::size_t i = 0; i < crlf_text.size(); ++i) {
    const auto c = static_cast<unsigned char>(crlf_text[i]);
    if (c == '\r' && i + 1 < crlf_text.size() && crlf_text[i + 1] == '\n') {
      line = 0;
      ++i;
      continue;
    }
    if (c >= 0x80 || (is_ctl(c) && c != '\t') || ++line > 998) return false;
  }
  return true;
}

struct part_body {
  std::string bytes;
  std::string_view encoding;  // "7bit" or "quoted-printable"
};

part_body text_body(std::string text) {
  if (fits_7bit(text)) return {std::move(text), "7bit"};
  return {mime::encode_quoted_printable(text, "\r\n"), "quoted-printable"};
}

std::string human_text(const dsn_request& r, std::string_view host) {
  std::string t;
  t += "This is the mail system at " + std::string(host) + ".\r\n\r\n";
  t += "Your message was accepted for delivery, but the next mail server refused it\r\n"
       "permanently for the recipients below, so it could not be delivered to them.\r\n"
       "It will not be retried for them.\r\n\r\n";
  for (const auto& rc : r.recipients) {
    t += '<' + one_line(rc.final, dsn_max_address, true) + '>';
    if (!rc.original.empty() && rc.original != rc.final)
      t += " (originally <" + one_line(rc.original, dsn_max_address, true) + ">)";
    const std::string remote = host_chars(rc.remote_mta, dsn_max_address, "[]:");
    t += remote.empty() ? std::string(": the server said:") : ": host " + remote + " said:";
    t += "\r\n    " + std::to_string(rc.reply.code);
    if (well_formed_enhanced(rc.reply.enhanced)) t += ' ' + rc.reply.enhanced;
    const std::string text = one_line(rc.reply.text, dsn_max_reply_text, true);
    if (!text.empty()) t += ' ' + text;
    t += "\r\n\r\n";
  }
  t += "Received: " + rfc5322_date(r.arrival_date) + "\r\n";
  const std::string id = host_chars(r.transaction_id, 64, "_");
  if (!id.empty()) t += "Transaction: " + id + "\r\n";
  t += "\r\nThe headers of your message are attached. Its body is not returned: it may\r\n"
       "hold personal data and can be large.\r\n";
  return t;
}

std::string delivery_status(const dsn_request& r, std::string_view host) {
  std::string s;
  field(s, "Reporting-MTA", "dns; " + std::string(host));
  const std::string envid = one_line(r.envelope_id, 100, false);
  if (!envid.empty()) field(s, "Original-Envelope-Id", envid);
  field(s, "Arrival-Date", rfc5322_date(r.arrival_date));
  for (const auto& rc : r.recipients) {
    s += "\r\n";
    if (!rc.original.empty()) field(s, "Original-Recipient", typed_address(rc.original));
    field(s, "Final-Recipient", typed_address(rc.final));
    field(s, "Action", "failed");
    field(s, "Status", dsn_status(rc.reply));
    const std::string remote = host_chars(rc.remote_mta, dsn_max_address, "[]:");
    if (!remote.empty()) field(s, "Remote-MTA", "dns; " + remote);
    if (rc.reply.code >= 200 && rc.reply.code <= 599) folded_field(s, "Diagnostic-Code", diagnostic_code(rc.reply));
    const auto when = rc.last_attempt == std::chrono::system_clock::time_point{} ? r.date : rc.last_attempt;
    field(s, "Last-Attempt-Date", rfc5322_date(when));
  }
  return s;
}

// A boundary that occurs in none of the bodies.
std::string pick_boundary(std::string_view token, std::initializer_list<std::string_view> bodies) {
  const std::string base = "=_kizuna-dsn_" + host_chars(token, max_boundary_token, "_");
  for (unsigned n = 0;; ++n) {
    const std::string candidate = n == 0 ? base : base + "." + std::to_string(n);
    bool clash = false;
    for (const auto b : bodies) clash = clash || b.find(candidate) != std::string_view::npos;
    if (!clash) return candidate;
  }
}

std::string auto_submitted_keyword(std::string_view value) {
  std::size_t i = 0, depth = 0;
  // Skip CFWS (RFC 3834 allows comments around the keyword).
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (c == '(') ++depth;
    else if (c == ')' && depth) --depth;
    else if (depth == 0 && c != ' ' && c != '\t') break;
  }
  std::string k;
  for (; i < value.size(); ++i) {
    const char c = value[i];
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '-')) break;
    k += ascii_lower(c);
  }
  return k;
}

}  // namespace

std::string dsn_status(const smtp::reply& reply) {
  if (well_formed_enhanced(reply.enhanced) && (reply.enhanced[0] == '4' || reply.enhanced[0] == '5'))
    return "5" + reply.enhanced.substr(1);
  return "5.0.0";
}

std::string build_dsn(const dsn_request& r) {
  assert(!r.envelope_sender.empty() && !r.recipients.empty());
  std::string host = host_chars(r.reporting_mta, 253, "");
  if (host.empty()) host = "localhost";
  std::string token = host_chars(r.token, 128, "_");
  if (token.empty()) token = "dsn";

  const part_body human = text_body(human_text(r, host));
  const std::string status = delivery_status(r, host);
  const part_body headers = text_body(returned_headers(r.original_headers));
  const std::string boundary = pick_boundary(token, {human.bytes, status, headers.bytes});

  std::string out;
  out.reserve(human.bytes.size() + status.size() + headers.bytes.size() + 1024);
  field(out, "From", "\"Mail Delivery System\" <MAILER-DAEMON@" + host + ">");
  const std::string to = recipient_of_dsn(r.envelope_sender);
  field(out, "To", to.empty() ? std::string("undisclosed-recipients:;") : to);
  field(out, "Subject", "Undelivered Mail Returned to Sender");
  field(out, "Date", rfc5322_date(r.date));
  field(out, "Message-ID", '<' + token + '@' + host + '>');
  field(out, "MIME-Version", "1.0");
  field(out, "Auto-Submitted", "auto-replied");
  out += "Content-Type: multipart/report; report-type=delivery-status;\r\n\tboundary=\"" + boundary + "\"\r\n";
  out += "\r\nThis is a MIME-encapsulated delivery status notification.\r\n";

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Notification\r\nContent-Type: text/plain; charset=utf-8\r\n";
  out += "Content-Transfer-Encoding: " + std::string(human.encoding) + "\r\n\r\n";
  out += human.bytes;
  if (!human.bytes.ends_with("\r\n")) out += "\r\n";

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Delivery report\r\nContent-Type: message/delivery-status\r\n\r\n";
  out += status;

  out += "\r\n--" + boundary + "\r\n";
  out += "Content-Description: Undelivered message headers\r\nContent-Type: text/rfc822-headers\r\n";
  out += "Content-Transfer-Encoding: " + std::string(headers.encoding) + "\r\n\r\n";
  out += headers.bytes;
  if (!headers.bytes.empty() && !headers.bytes.ends_with("\r\n")) out += "\r\n";

  out += "\r\n--" + boundary + "--\r\n";
  return out;
}

const char* to_string(dsn_suppression s) {
  switch (s) {
    case dsn_suppression::none:
      return "none";
    case dsn_suppression::null_sender:
      return "null sender";
    case dsn_suppression::delivery_report:
      return "message is a delivery report";
    case dsn_suppression::auto_response:
      return "message is an automatic response";
  }
  return "?";
}

dsn_suppression dsn_suppressed(std::string_view envelope_sender, std::string_view original_headers,
                               bool bounce_auto_generated) {
  if (envelope_sender.empty() || envelope_sender == "<>") return dsn_suppression::null_sender;
  const auto block = mime::parse_header_block(original_headers, 0);
  if (const auto* f = mime::find_field(block.fields, "Content-Type")) {
    const auto ct = mime::parse_content_type(f->value);
    const auto type = ct.param("report-type");
    if (ct.is("multipart", "report") && (iequals(type, "delivery-status") || iequals(type, "disposition-notification")))
      return dsn_suppression::delivery_report;
  }
  if (const auto* f = mime::find_field(block.fields, "Auto-Submitted")) {
    const std::string k = auto_submitted_keyword(f->value);
    if (!k.empty() && k != "no" && !(k == "auto-generated" && bounce_auto_generated))
      return dsn_suppression::auto_response;
  }
  return dsn_suppression::none;
}

}  // namespace kizuna::delivery
