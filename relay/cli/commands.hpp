// The `kizuna` command line (SPEC §2): dispatch to serve / check, each with
// --help. Errors go to stderr as one line; exit codes follow sysexits(3):
// 64 usage, 78 configuration, 71 OS errors.
#pragma once

namespace kizuna::cli {

int run(int argc, char** argv);

}  // namespace kizuna::cli
