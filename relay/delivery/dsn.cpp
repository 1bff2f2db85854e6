#include "relay/delivery/dsn.hpp"

#include <cassert>

#include "relay/core/ascii.hpp"
#include "relay/delivery/dsn_values.hpp"
#include "relay/mime/content_type.hpp"
#include "relay/mime/header.hpp"
#include "relay/mime/transfer_encoding.hpp"

namespace kizuna::delivery {
namespace {

using namespace dsn_values;

// RFC 5322 §2.1.1: 998 octets per line, 78 recommended. Folding aims at 78;
// a word longer than this is split so no line can pass 998.
constexpr std::size_t fold_width = 78;
constexpr std::size_t max_word = 900;
// RFC 2046 §5.1.1 allows 70 boundary characters; the token part is cut so the
// prefix and a retry suffix always fit.
constexpr std::size_t max_boundary_token = 40;


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
