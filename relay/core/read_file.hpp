// Reads a small text file (a config or policy file) whole, refusing anything
// larger than `max_bytes` so a path naming /dev/zero or a huge file cannot eat
// memory. Errors are one-line reasons ("cannot open: No such file or directory").
#pragma once

#include <cstddef>
#include <expected>
#include <filesystem>
#include <string>
#include <string_view>

namespace kizuna {

// `what` names the expected kind of file in the too-large message ("a policy file").
std::expected<std::string, std::string> read_small_file(const std::filesystem::path& file, std::size_t max_bytes,
                                                        std::string_view what);

}  // namespace kizuna
