// Where an unsubscribe token travels (SPEC §10, RFC 8058, RFC 2369): the
// one-click URL served by the admin HTTP server and the mailto address handled
// by the listeners. Pure string building; the parts are already checked
// (base_url and mailto_domain by the config loader, the token is base64url).
//
// Note for the mailto route: the token is case-sensitive, so the local part
// must be read as received, before address normalization lower-cases it.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace kizuna::unsubscribe {

// "<base_url>/u/<token>" (a trailing '/' of base_url is not doubled).
std::string url_for(std::string_view base_url, std::string_view token);

// "unsubscribe+<token>@<mailto_domain>" (an address, without "mailto:").
std::string mailto_for(std::string_view mailto_domain, std::string_view token);

// The token of "unsubscribe+<token>@<domain>" when `address` has that form and
// its domain is `mailto_domain` (compared case-insensitively); else nullopt.
std::optional<std::string> token_of_mailto(std::string_view address, std::string_view mailto_domain);

}  // namespace kizuna::unsubscribe
