#pragma once
// The simulated exchange's durable record: an append-only file of text lines, each one made
// durable (fdatasync) before append() returns. It knows nothing of what the lines mean
// (sim_records.hpp does); it only guarantees that a line is either wholly there or, when the
// process died while writing it, dropped on the next open.

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include "smoops/logger.hpp"

namespace smoops::sim {

/// One complete line of the journal, and its 1-based line number.
struct JournalLine {
  std::size_t number = 0;
  std::string text;
};

/// An open journal file.
class SimJournal {
 public:
  /// Opens `path` for appending, creating it (and its folder) when missing. A last line without
  /// its newline was torn by a crash mid-write: it is logged as a warning through `log` (when
  /// set) and cut off the file, so the next append starts on a line of its own. Throws
  /// std::runtime_error naming the file when it cannot be opened, read or repaired.
  SimJournal(std::filesystem::path path, Logger* log);
  ~SimJournal();
  SimJournal(const SimJournal&) = delete;
  SimJournal& operator=(const SimJournal&) = delete;

  /// The complete lines the file held when it was opened.
  const std::vector<JournalLine>& existing_lines() const { return existing_lines_; }
  /// Appends `line` (which must not contain a newline) and its newline, and returns once both are
  /// on disk. Throws std::runtime_error naming the file when the write or the sync fails.
  void append(std::string_view line);
  /// "<path>:<line>", for messages about one line.
  std::string where(std::size_t line_number) const;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
  std::vector<JournalLine> existing_lines_;
};

}  // namespace smoops::sim
