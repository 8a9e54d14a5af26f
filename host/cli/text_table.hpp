#pragma once
// Plain-text tables for command output: columns separated by two spaces, no trailing spaces.

#include <iosfwd>
#include <string>
#include <vector>

namespace smoops::cli {

/// Prints rows as columns separated by two spaces, the first row being the header.
void print_table(const std::vector<std::vector<std::string>>& rows, std::ostream& out);

}  // namespace smoops::cli
