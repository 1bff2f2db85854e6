// A configuration error located in a file: printed as "file:line:col: message"
// (the format editors and CI annotate). Lines and columns are 1-based; 0 means
// "the whole file" (e.g. it cannot be opened).
#pragma once

#include <string>
#include <vector>

namespace kizuna::config {

struct diagnostic {
  std::string file;
  int line = 0;
  int column = 0;
  std::string message;

  std::string to_string() const {
    if (line <= 0) return file + ": " + message;
    return file + ":" + std::to_string(line) + ":" + std::to_string(column) + ": " + message;
  }
};

using diagnostics = std::vector<diagnostic>;

}  // namespace kizuna::config
