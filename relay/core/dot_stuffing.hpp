// SMTP transparency (RFC 5321 §4.5.2): the message as a reader sees it versus
// its wire form, where a line starting with '.' gets one more '.'. The relay
// keeps messages in wire form; MIME parsing, maildir files and rendered copies
// need the plain form, and copies go back to the wire.
#pragma once

#include <string>
#include <string_view>

namespace kizuna {

// Removes one leading '.' from every line (lines end at LF).
std::string unstuff_dots(std::string_view wire);

// A message file as an SMTP client sends it (what DATA then holds): bare LF
// line ends become CRLF, then dot-stuffed. For tools that read .eml files.
std::string wire_form_of_file(std::string_view file);

// The wire form of `plain`; the same string, not a copy, when no line starts
// with '.' (nearly every message).
std::string stuff_dots(std::string plain);

}  // namespace kizuna
