// Entry points of the `kizuna` subcommands, one file each (cli/<name>.cpp).
// Each takes the arguments after its name and returns the exit status; errors
// go to stderr as one line (sysexits: 64 usage, 65 bad input data, 69 service
// unavailable (e.g. Redis), 78 configuration).
#pragma once

#include <string_view>
#include <vector>

namespace kizuna::cli {

using arguments = std::vector<std::string_view>;

int optout_command(const arguments& args);
int audit_command(const arguments& args);
int hold_command(const arguments& args);
int unsubscribe_url_command(const arguments& args);
int preview_command(const arguments& args);
int dkim_command(const arguments& args);

}  // namespace kizuna::cli
