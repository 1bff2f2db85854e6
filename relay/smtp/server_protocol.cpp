#include "relay/smtp/server_protocol.hpp"

#include "relay/smtp/command_parser.hpp"

namespace kizuna::smtp {
server_protocol::server_protocol(protocol_settings s) : s_(std::move(s)) { envelope_.lmtp = s_.lmtp; }

std::string server_protocol::greeting() const {
  if (!s_.client_allowed)
    return "554 5.7.1 " + s_.hostname + " Client host rejected: relay access denied\r\n";
  return "220 " + s_.hostname + (s_.lmtp ? " LMTP" : " ESMTP") + " Kizuna\r\n";
}

server_protocol::response server_protocol::answer(const reply& r, action next) {
  if (r.code >= 400) return note_error(r);
  return {r.wire(), next};
}

server_protocol::response server_protocol::note_error(const reply& r) {
  if (++errors_ >= s_.max_errors) return {replies::too_many_errors().wire(), action::close};
  return {r.wire(), action::none};
}

server_protocol::response server_protocol::on_line(const framed_line& line) {
  if (line.too_long) return answer(replies::line_too_long());
  auto parsed = parse_command(line.text);
  if (!parsed) return answer(parsed.error());
  const command& c = *parsed;

  if (c.kind == verb::quit) return {replies::bye().wire(), action::close};
  if (c.kind == verb::noop) return answer(replies::ok());
  // A refused client may only say goodbye (RFC 5321 §3.1: after a 554 greeting
  // the server answers everything but QUIT with an error).
  if (!s_.client_allowed) return answer(replies::not_allowed_client());

  switch (c.kind) {
    case verb::helo:
    case verb::ehlo:
    case verb::lhlo: return on_hello(c);
    case verb::mail: return on_mail(c);
    case verb::rcpt: return on_rcpt(c);
    case verb::data: return on_data();
    case verb::rset:
      end_transaction();
      return answer(replies::ok());
    case verb::vrfy: return answer(replies::vrfy_cannot());
    case verb::help: return answer(replies::help());
    case verb::starttls:
    case verb::auth: return answer(replies::not_implemented());
    case verb::quit:
    case verb::noop: break;  // handled above
  }
  return answer(replies::not_implemented());
}

server_protocol::response server_protocol::on_hello(const command& c) {
  const bool lhlo = c.kind == verb::lhlo;
  if (lhlo != s_.lmtp)
    return answer(replies::syntax_error(s_.lmtp ? "LMTP requires LHLO" : "LHLO is for LMTP only"));
  end_transaction();  // RFC 5321 §4.1.4: EHLO resets like RSET
  greeted_ = true;
  esmtp_ = c.kind != verb::helo;
  envelope_.helo = c.argument;
  envelope_.helo_esmtp = esmtp_;
  if (!esmtp_) return {"250 " + s_.hostname + "\r\n", action::none};
  std::string w = "250-" + s_.hostname + "\r\n";
  w += "250-PIPELINING\r\n";
  w += "250-SIZE " + std::to_string(s_.max_message_bytes) + "\r\n";
  w += "250-8BITMIME\r\n";
  w += "250-SMTPUTF8\r\n";
  w += "250 ENHANCEDSTATUSCODES\r\n";
  return {std::move(w), action::none};
}

server_protocol::response server_protocol::on_mail(const command& c) {
  if (!greeted_) return answer(replies::bad_sequence("send HELO/EHLO first"));
  if (in_mail_) return answer(replies::bad_sequence("nested MAIL command"));
  if (!esmtp_ && (c.params.size || c.params.smtputf8 || c.params.body != body_type::unspecified))
    return answer(replies::param_not_implemented("MAIL parameters need EHLO"));
  if (c.params.size && *c.params.size > s_.max_message_bytes) return answer(replies::message_too_large());
  envelope_.mail_from = c.path;
  envelope_.params = c.params;
  envelope_.recipients.clear();
  in_mail_ = true;
  return answer(replies::sender_ok());
}

server_protocol::response server_protocol::on_rcpt(const command& c) {
  if (!in_mail_) return answer(replies::bad_sequence("need MAIL before RCPT"));
  // The parser accepts UTF-8 in RCPT; only the transaction knows if MAIL declared SMTPUTF8.
  if (!envelope_.params.smtputf8 && !is_ascii(c.path)) return answer(replies::non_ascii_address());
  if (envelope_.recipients.size() >= s_.max_recipients) return answer(replies::too_many_recipients());
  envelope_.recipients.push_back(c.path);
  return answer(replies::recipient_ok());
}

server_protocol::response server_protocol::on_data() {
  if (!in_mail_) return answer(replies::bad_sequence("need MAIL before DATA"));
  if (envelope_.recipients.empty()) return answer(replies::bad_sequence("need RCPT before DATA"));
  return {replies::start_data().wire(), action::start_data};
}

void server_protocol::end_transaction() {
  in_mail_ = false;
  envelope_.mail_from.clear();
  envelope_.params = {};
  envelope_.recipients.clear();
}

}  // namespace kizuna::smtp
