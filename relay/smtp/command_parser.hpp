// Pure SMTP command-line parser: no I/O, no allocation beyond the result.
// Input is one line without its CRLF. Verbs are case-insensitive; paths follow
// RFC 5321 §4.1.2 (Mailbox, quoted local parts, address literals) and RFC 6531
// (UTF-8 in mailboxes only when SMTPUTF8 is negotiated on MAIL).
// Errors come back as the reply to send (500/501/502/504/555), never thrown.
#pragma once

#include <expected>
#include <string_view>

#include "relay/smtp/command.hpp"
#include "relay/smtp/reply.hpp"

namespace kizuna::smtp {

// RFC 5321 §4.5.3.1.4: a command line is at most 512 octets including CRLF.
inline constexpr std::size_t max_command_line = 512;
// RFC 5321 §4.5.3.1.3: a path is at most 256 octets (we check the mailbox length).
inline constexpr std::size_t max_path = 256;

std::expected<command, reply> parse_command(std::string_view line);

}  // namespace kizuna::smtp
