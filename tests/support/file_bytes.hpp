#pragma once
// The whole content of a file, as bytes.

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace smoops::test {

/// Every byte of `file` (empty when it cannot be read).
inline std::string file_bytes(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  std::ostringstream bytes;
  bytes << in.rdbuf();
  return bytes.str();
}

}  // namespace smoops::test
