// The CLI's exit statuses: sysexits(3) values, as Postfix's tools and systemd
// expect, in one place for every subcommand.
#pragma once

namespace kizuna::cli {

inline constexpr int ex_usage = 64;        // bad command line
inline constexpr int ex_dataerr = 65;      // bad input data (address, row, merge field)
inline constexpr int ex_noinput = 66;      // an input file cannot be read
inline constexpr int ex_unavailable = 69;  // Redis unreachable
inline constexpr int ex_software = 70;     // internal error
inline constexpr int ex_cantcreat = 73;    // an output file cannot be created
inline constexpr int ex_ioerr = 74;        // a read or write failed
inline constexpr int ex_config = 78;       // invalid configuration

}  // namespace kizuna::cli
