// Fixed-width text columns for terminal tables (`kizuna audit query --format table`,
// `kizuna audit report --summary`): widths in terminal cells, East Asian wide and
// fullwidth characters (Japanese campaign names, 配信停止率) counting as two.
// Pure. Input is UTF-8 (JSON-decoded record values always are); a byte that is
// not valid UTF-8 counts as one cell.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace kizuna::audit {

// Terminal cells `s` takes (combining marks and zero-width characters take none).
std::size_t display_width(std::string_view s);

// `s` in exactly `width` cells: control characters become spaces, a value too long
// is cut and ends with "…", a short one is padded with spaces (right-aligned when
// `right`). pad = false: cut, but not padded (the last column of a row).
std::string fit(std::string_view s, std::size_t width, bool right = false, bool pad = true);

}  // namespace kizuna::audit
