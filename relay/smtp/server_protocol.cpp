#include "relay/smtp/server_protocol.hpp"

#include <fmt/format.h>

#include <cctype>
#include <optional>
#include <utility>

#include "relay/smtp/command_parser.hpp"

namespace kizuna::smtp {
server_protocol::server_protocol(protocol_settings s) : s_(std::move(s)) { envelope_.lmtp = s_.lmtp; }

std::string server_protocol::greeting() const {
  if (s_.refused())
    return "554 5.7.1 " + s_.hostname + " Client host rejected: relay access denied\r\n";
  return "220 " + s_.hostname + (s_.lmtp ? " LMTP" : " ESMTP") + " Kizuna\r\n";
}

server_protocol::response server_protocol::answer(const reply& r, action next) {
  if (r.code >= 400) return note_error(r);
  return {r.wire(), next};
}

server_protocol::response server_protocol::junk(const reply& r) {
  if (++junk_ > s_.max_junk_commands) return note_error(replies::too_many_junk_commands());
  return answer(r);
}

server_protocol::response server_protocol::note_error(const reply& r) {
  if (++errors_ >= s_.max_errors) return {replies::too_many_errors().wire(), action::close};
  return {r.wire(), action::none};
}

server_protocol::response server_protocol::on_line(const framed_line& line) {
  if (in_sasl_exchange()) return on_sasl_line(line);
  if (line.too_long) return answer(replies::line_too_long());
  auto parsed = parse_command(line.text);
  if (!parsed) return answer(parsed.error());
  const command& c = *parsed;

  if (c.kind == verb::quit) return {replies::bye().wire(), action::close};
  if (c.kind == verb::noop) return junk(replies::ok());
  // A refused client may only say goodbye (RFC 5321 §3.1: after a 554 greeting
  // the server answers everything but QUIT with an error). With AUTH on the
  // listener it may instead authenticate; MAIL says 530 until it has.
  if (s_.refused()) return answer(replies::not_allowed_client());

  switch (c.kind) {
    case verb::helo:
    case verb::ehlo:
    case verb::lhlo: return on_hello(c);
    case verb::mail: return on_mail(c);
    case verb::rcpt: return on_rcpt(c);
    case verb::data: return on_data();
    case verb::rset:
      end_transaction();
      return junk(replies::ok());
    case verb::vrfy: return junk(replies::vrfy_cannot());
    case verb::help: return junk(replies::help());
    case verb::starttls: return on_starttls();
    case verb::auth: return on_auth(c);
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
  if (s_.starttls && !tls_active_) w += "250-STARTTLS\r\n";
  if (auth_possible() && tls_active_) w += "250-AUTH PLAIN LOGIN\r\n";
  w += "250 ENHANCEDSTATUSCODES\r\n";
  return {std::move(w), action::none};
}

server_protocol::response server_protocol::on_mail(const command& c) {
  if (!greeted_) return answer(replies::bad_sequence("send HELO/EHLO first"));
  if (s_.tls_required && !tls_active_) return answer(replies::starttls_first());
  if (!s_.client_allowed && !authenticated()) return answer(replies::auth_required());
  if (in_mail_) return answer(replies::bad_sequence("nested MAIL command"));
  if (!esmtp_ && (c.params.size || c.params.smtputf8 || c.params.body != body_type::unspecified))
    return answer(replies::param_not_implemented("MAIL parameters need EHLO"));
  if (c.params.size && *c.params.size > s_.max_message_bytes) return answer(replies::message_too_large());
  envelope_.mail_from = c.path;
  envelope_.params = c.params;
  envelope_.recipients.clear();
  in_mail_ = true;
  ++transaction_serial_;
  return answer(replies::sender_ok());
}

server_protocol::response server_protocol::on_rcpt(const command& c) {
  if (!in_mail_) return answer(replies::bad_sequence("need MAIL before RCPT"));
  // The parser accepts UTF-8 in RCPT; only the transaction knows if MAIL declared SMTPUTF8.
  if (!envelope_.params.smtputf8 && !is_ascii(c.path)) return answer(replies::non_ascii_address());
  if (envelope_.recipients.size() >= s_.max_recipients) return answer(replies::too_many_recipients());
  pending_rcpt_ = c.path;
  return {std::string(), action::check_recipient};
}

server_protocol::response server_protocol::recipient_checked(const reply& verdict) {
  if (!verdict.positive()) return {verdict.wire(), action::none};
  envelope_.recipients.push_back(std::move(pending_rcpt_));
  pending_rcpt_.clear();
  return answer(verdict);
}

server_protocol::response server_protocol::on_data() {
  if (!in_mail_) return answer(replies::bad_sequence("need MAIL before DATA"));
  if (envelope_.recipients.empty()) return answer(replies::bad_sequence("need RCPT before DATA"));
  junk_ = 0;  // a real transaction: the RSET/NOOP around messages are not junk
  return {replies::start_data().wire(), action::start_data};
}

server_protocol::response server_protocol::on_starttls() {
  if (!s_.starttls) return answer(replies::not_implemented());
  if (tls_active_) return answer(replies::bad_sequence("TLS already active"));
  if (!esmtp_) return answer(replies::bad_sequence(s_.lmtp ? "send LHLO first" : "send EHLO first"));
  if (in_mail_) return answer(replies::bad_sequence("MAIL transaction in progress"));
  return {replies::ready_to_start_tls().wire(), action::start_tls};
}

void server_protocol::tls_started() {
  // RFC 3207 §4.2: discard all knowledge obtained from the client before TLS.
  tls_active_ = true;
  greeted_ = false;
  esmtp_ = false;
  end_transaction();
  envelope_.helo.clear();
  envelope_.helo_esmtp = false;
  envelope_.tls = true;
  envelope_.auth_user.clear();
  sasl_ = sasl_step::none;
  wipe(pending_.password);
}

server_protocol::response server_protocol::on_auth(const command& c) {
  if (!auth_possible()) return answer(replies::not_implemented());
  if (!tls_active_) return answer(replies::starttls_first());
  if (!esmtp_) return answer(replies::bad_sequence(s_.lmtp ? "send LHLO first" : "send EHLO first"));
  if (authenticated()) return answer(replies::bad_sequence("Already authenticated"));
  // RFC 4954 §4: not during a mail transaction.
  if (in_mail_) return answer(replies::bad_sequence("AUTH not permitted during a mail transaction"));

  std::string_view arg = c.argument;
  const auto sp = arg.find(' ');
  std::string mechanism(arg.substr(0, sp));
  for (auto& ch : mechanism) ch = static_cast<char>(std::toupper(static_cast<unsigned char>(ch)));
  std::optional<std::string> initial;
  if (sp != std::string_view::npos) {
    std::string_view text = arg.substr(sp + 1);
    while (!text.empty() && text.front() == ' ') text.remove_prefix(1);
    // RFC 4954 §4: "=" is an empty initial response.
    initial = text == "=" ? std::optional<std::string>("") : base64_decode(text);
    if (!initial) return answer(replies::auth_bad_response("Invalid base64 data in the initial response"));
  }
  if (mechanism == "PLAIN") {
    if (!initial) {
      sasl_ = sasl_step::plain;
      return {"334 \r\n", action::none};
    }
    auto r = finish_plain(*initial);
    wipe(*initial);
    return r;
  }
  if (mechanism == "LOGIN") {
    if (!initial) {
      sasl_ = sasl_step::login_user;
      return {fmt::format("334 {}\r\n", login_user_prompt), action::none};
    }
    pending_.user = std::move(*initial);
    sasl_ = sasl_step::login_password;
    return {fmt::format("334 {}\r\n", login_password_prompt), action::none};
  }
  return answer(replies::auth_unknown_mechanism());
}

server_protocol::response server_protocol::on_sasl_line(const framed_line& line) {
  const sasl_step step = std::exchange(sasl_, sasl_step::none);
  if (line.too_long) {
    pending_ = {};
    return answer(replies::line_too_long());
  }
  if (line.text == "*") {
    pending_ = {};
    return answer(replies::auth_cancelled());
  }
  auto decoded = base64_decode(line.text);
  if (!decoded) {
    pending_ = {};
    return answer(replies::auth_bad_response("Invalid base64 data"));
  }
  switch (step) {
    case sasl_step::plain: {
      auto r = finish_plain(*decoded);
      wipe(*decoded);
      return r;
    }
    case sasl_step::login_user:
      pending_.user = std::move(*decoded);
      sasl_ = sasl_step::login_password;
      return {fmt::format("334 {}\r\n", login_password_prompt), action::none};
    case sasl_step::login_password:
      pending_.password = std::move(*decoded);
      if (pending_.user.empty() || pending_.password.empty()) return auth_finished(false);
      return {std::string(), action::authenticate};
    case sasl_step::none: break;
  }
  return answer(replies::bad_sequence(""));  // unreachable: in_sasl_exchange() was true
}

server_protocol::response server_protocol::finish_plain(std::string_view message) {
  auto creds = parse_plain(message);
  if (!creds) return answer(replies::auth_bad_response("Invalid PLAIN response"));
  // No proxy authorization: an authzid, if sent, must name the user itself.
  if (!creds->authzid.empty() && creds->authzid != creds->user) {
    wipe(creds->password);
    return auth_finished(false);
  }
  pending_ = std::move(*creds);
  return {std::string(), action::authenticate};
}

server_protocol::response server_protocol::auth_finished(bool ok) {
  wipe(pending_.password);
  std::string user = std::exchange(pending_.user, {});
  pending_ = {};
  if (!ok) return answer(replies::auth_failed());
  envelope_.auth_user = std::move(user);
  return answer(replies::auth_succeeded());
}

void server_protocol::end_transaction() {
  in_mail_ = false;
  envelope_.mail_from.clear();
  envelope_.params = {};
  envelope_.recipients.clear();
}

}  // namespace kizuna::smtp
