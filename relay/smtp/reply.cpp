#include "relay/smtp/reply.hpp"

#include <utility>

namespace kizuna::smtp {

std::string reply::wire() const {
  std::string out = std::to_string(code);
  out.reserve(out.size() + enhanced.size() + text.size() + 4);
  out += ' ';
  if (!enhanced.empty()) {
    out += enhanced;
    out += ' ';
  }
  // Text may echo a downstream reply or a client-supplied value: a CR or LF in it
  // would let that party inject extra reply lines, so control bytes become spaces.
  for (char c : text) {
    const auto u = static_cast<unsigned char>(c);
    out += (u < 0x20 || u == 0x7f) ? ' ' : c;
  }
  out += "\r\n";
  return out;
}

namespace replies {
namespace {
reply make(int code, std::string_view enhanced, std::string_view text) {
  return reply{code, std::string(enhanced), std::string(text)};
}
// Callers pass a short reason; an empty one still yields a readable reply.
std::string_view or_default(std::string_view why, std::string_view fallback) {
  return why.empty() ? fallback : why;
}
}  // namespace

reply ok() { return make(250, "2.0.0", "Ok"); }
reply sender_ok() { return make(250, "2.1.0", "Ok"); }
reply recipient_ok() { return make(250, "2.1.5", "Ok"); }
// RFC 3463 status codes exist only for classes 2, 4 and 5, so 354 carries none.
reply start_data() { return make(354, "", "End data with <CR><LF>.<CR><LF>"); }
reply bye() { return make(221, "2.0.0", "Bye"); }
reply vrfy_cannot() { return make(252, "2.5.0", "Cannot VRFY user, but will accept message"); }
reply help() { return make(214, "2.0.0", "See RFC 5321"); }
reply syntax_error(std::string_view why) { return make(500, "5.5.2", or_default(why, "Syntax error")); }
reply param_syntax(std::string_view why) {
  return make(501, "5.5.4", or_default(why, "Syntax error in parameters"));
}
reply not_implemented() { return make(502, "5.5.1", "Command not implemented"); }
reply bad_sequence(std::string_view why) {
  return make(503, "5.5.1", or_default(why, "Bad sequence of commands"));
}
reply param_not_implemented(std::string_view why) {
  return make(555, "5.5.4", or_default(why, "Parameter not implemented"));
}
reply bad_sender_syntax(std::string_view why) {
  return make(501, "5.1.7", or_default(why, "Bad sender address syntax"));
}
reply bad_recipient_syntax(std::string_view why) {
  return make(501, "5.1.3", or_default(why, "Bad recipient address syntax"));
}
reply non_ascii_address() { return make(553, "5.6.7", "Must declare SMTPUTF8 to send Unicode address"); }
reply line_too_long() { return make(500, "5.5.2", "Line too long"); }
reply too_many_recipients() { return make(452, "4.5.3", "Too many recipients"); }
reply message_too_large() { return make(552, "5.3.4", "Message size exceeds fixed limit"); }
reply not_allowed_client() { return make(554, "5.7.1", "Client host rejected: relay access denied"); }
reply auth_required() { return make(530, "5.7.0", "Authentication required"); }
reply ready_to_start_tls() { return make(220, "2.0.0", "Ready to start TLS"); }
reply starttls_first() { return make(530, "5.7.0", "Must issue a STARTTLS command first"); }
reply auth_succeeded() { return make(235, "2.7.0", "Authentication successful"); }
reply auth_failed() { return make(535, "5.7.8", "Authentication credentials invalid"); }
reply auth_cancelled() { return make(501, "5.0.0", "Authentication cancelled"); }
reply auth_bad_response(std::string_view why) {
  return make(501, "5.5.2", or_default(why, "Cannot decode the authentication response"));
}
reply auth_unknown_mechanism() { return make(504, "5.5.4", "Unrecognized authentication type"); }
reply too_many_errors() { return make(421, "4.7.0", "Too many errors"); }
reply too_many_junk_commands() { return make(503, "5.7.0", "Too many commands without a message"); }
reply timeout() { return make(421, "4.4.2", "Timeout exceeded"); }
reply shutting_down() { return make(421, "4.3.2", "Service shutting down"); }
reply too_many_connections() { return make(421, "4.7.0", "Too many connections"); }
reply local_error(std::string_view why) {
  return make(451, "4.3.0", or_default(why, "Local error in processing"));
}
reply tempfail_downstream(std::string_view why) {
  return make(451, "4.4.1", or_default(why, "Downstream temporarily unavailable"));
}
}  // namespace replies

}  // namespace kizuna::smtp
