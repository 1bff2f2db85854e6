// Pure SMTP command-line parser: no I/O, no allocation beyond the result.
// Input is one line without its CRLF. Verbs are case-insensitive; paths follow
// RFC 5321 §4.1.2 (Mailbox, quoted local parts, address literals) and RFC 6531
// (UTF-8 in mailboxes only when SMTPUTF8 is negotiated on MAIL).
// Errors come back as the reply to send (500/501/553/555), never thrown.
#pragma once

#include <expected>
#include <string_view>

#include "relay/core/ascii.hpp"
#include "relay/smtp/command.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
inline constexpr std::size_t max_command_line = 512;
// RFC 5321 §4.5.3.1.3: a path is at most 256 octets (we check the mailbox length).
inline constexpr std::size_t max_path = 256;

// Decisions the session relies on:
// - SIZE=n takes RFC 1870's 1*20DIGIT; a 20-digit value beyond 2^64-1 saturates to
//   UINT64_MAX (so the session answers 552 "too large"), 21+ digits is a 501.
// - MAIL: a non-ASCII path without SMTPUTF8 on that same MAIL is refused with
//   553 5.6.7 (replies::non_ascii_address); with SMTPUTF8 it must be valid UTF-8.
// - RCPT: the parser cannot know whether the transaction's MAIL carried SMTPUTF8,
//   so it accepts any valid UTF-8 path. The session must refuse with
//   replies::non_ascii_address() when `!is_ascii(cmd.path)` and the transaction's
//   MAIL had no SMTPUTF8.
// - RCPT TO:<Postmaster> (any case, no domain) yields path "Postmaster" as sent.
// - LHLO is recognised in both protocols; the session decides which greeting verbs
//   its protocol accepts (RFC 2033: LMTP servers must refuse HELO/EHLO).
// - HELO/EHLO/LHLO take one Domain or address literal; underscores are tolerated,
//   non-ASCII is not (A-labels only before SMTPUTF8 can be negotiated).
std::expected<command, reply> parse_command(std::string_view line);

// The session's RCPT check against SMTPUTF8 uses kizuna::is_ascii (core/ascii.hpp).
using kizuna::is_ascii;

}  // namespace kizuna::smtp
