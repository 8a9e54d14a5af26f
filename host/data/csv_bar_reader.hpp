#pragma once
// Streaming reader of bar CSV files (`timestamp,open,high,low,close,volume`, as in ../shared/data).
//
// Memory stays constant whatever the file size: the file is read through one fixed 1 MiB buffer
// and each row is parsed in place, decimals straight into fixed-point raw values (no strtod, no
// string per field). Every problem is a DataError naming the file and the 1-based line.
//
// What a file must look like:
// - The first line is exactly `timestamp,open,high,low,close,volume`; a UTF-8 byte order mark
//   before it and a `\r` at the end of any line (CRLF files) are tolerated.
// - A completely empty file is an error; a file with only the header holds zero bars.
// - Each row has six fields: integer milliseconds since the Unix epoch, then decimals that are
//   exact in 8 decimal places ("1.5", "0.00162008", "1.10000000000"). The exponent form that
//   exchange data uses for tiny volumes ("9.417e-05", "1e-08") is accepted when it is exact too;
//   "1e-09" is not. No spaces, no empty fields.
// - Timestamps strictly increase from row to row.
// - prices are positive, volume is not negative, low <= high, low <= min(open, close) and
//   high >= max(open, close).
// - Blank lines are allowed only at the end of the file; a blank line followed by another row is
//   an error (it usually means a truncated or concatenated file).
// - The last row may lack its trailing newline.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "data/bar_source.hpp"
#include "smoops/market_data.hpp"

namespace smoops::data {

/// A problem in a data file; what() is "<file>:<line>: <message>", or "<file>: <message>" when
/// it is about the whole file (line 0).
class DataError : public std::runtime_error {
 public:
  DataError(std::filesystem::path file, std::size_t line, const std::string& message);
  /// The offending file.
  const std::filesystem::path& file() const { return file_; }
  /// 1-based line, or 0 when the error is about the whole file.
  std::size_t line() const { return line_; }
  /// The message without the location prefix.
  const std::string& message() const { return message_; }

 private:
  std::filesystem::path file_;
  std::size_t line_;
  std::string message_;
};

/// Reads the bars of one CSV file, one row at a time, in constant memory.
class CsvBarReader final : public BarSource {
 public:
  /// The only accepted header line.
  static constexpr std::string_view kHeader = "timestamp,open,high,low,close,volume";
  /// Size of the read buffer; also the longest line the reader accepts.
  static constexpr std::size_t kBufferSize = std::size_t{1} << 20;

  /// Opens `file` and checks its header; throws DataError.
  explicit CsvBarReader(std::filesystem::path file);
  CsvBarReader(const CsvBarReader&) = delete;
  CsvBarReader& operator=(const CsvBarReader&) = delete;

  /// Reads the next row into `bar`; false at the end of the file. Throws DataError for a
  /// malformed row.
  bool next(Bar& bar) override;
  /// 1-based line number of the last row read (1 = the header).
  std::size_t line() const { return row_line_; }
  /// The file being read.
  const std::filesystem::path& path() const { return path_; }

 private:
  /// The next physical line without its newline (and `\r`), or false at the end of the file.
  bool next_line(std::string_view& line);
  /// Reads more of the file behind the unconsumed bytes; false when nothing more was read.
  bool refill();
  void check_header(std::string_view line);
  void parse_row(std::string_view line, Bar& bar);
  /// Throws the DataError that explains why `line` is not a well-formed row.
  [[noreturn]] void diagnose_row(std::string_view line) const;
  /// Checks the parsed values of a row against the rules and the previous row, then stores them.
  void check_row(std::int64_t millis, const std::int64_t* raw, Bar& bar);
  [[noreturn]] void fail(std::size_t line, const std::string& message) const;

  // Closes the file however the reader ends, a throwing constructor included.
  struct OwnedFileDescriptor {
    int fd = -1;
    ~OwnedFileDescriptor();
  };

  std::filesystem::path path_;
  OwnedFileDescriptor file_;
  std::unique_ptr<char[]> buffer_;
  std::size_t begin_ = 0;  // first unconsumed byte in buffer_
  std::size_t end_ = 0;    // one past the last byte read into buffer_
  bool end_of_file_ = false;
  std::size_t physical_line_ = 0;  // lines consumed so far, blank ones included
  std::size_t row_line_ = 0;
  bool has_previous_ = false;
  std::int64_t previous_ms_ = 0;
};

/// Every bar of `file` in memory (for benchmarks and small files); throws DataError.
std::vector<Bar> read_all_bars(const std::filesystem::path& file);

}  // namespace smoops::data
