#include "data/csv_bar_reader.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>

namespace smoops::data {
namespace {

constexpr std::string_view kByteOrderMark = "\xEF\xBB\xBF";
constexpr int kColumnCount = 6;
constexpr const char* kColumnNames[kColumnCount] = {"timestamp", "open", "high", "low", "close", "volume"};
// Longest offending text quoted back in a message; a runaway line should not become a runaway error.
constexpr std::size_t kMaxQuotedChars = 80;
// A significand above this cannot take one more digit without overflowing 64 bits.
constexpr std::uint64_t kMaxSignificandBeforeDigit = (UINT64_MAX - 9) / 10;
// Exponents are clamped here while parsed; any larger one is out of range or inexact anyway.
constexpr int kMaxExponent = 10'000;
// Milliseconds beyond this overflow Timestamp's nanoseconds.
constexpr std::uint64_t kMaxAbsMillis = static_cast<std::uint64_t>(INT64_MAX) / 1'000'000;

enum class NumberStatus { Ok, NotANumber, TooManyDecimals, OutOfRange };

constexpr bool is_digit(char c) { return static_cast<unsigned char>(c - '0') <= 9; }

// A decimal ("-12.5", "7", ".25", and the exponent form "9.417e-05" that real exchange data
// uses) straight into raw fixed-point units, exactly: a value that is not a whole number of
// 10^-8 units is refused, never rounded.
// Consumes the number at `p` and stops at the first character that cannot continue it.
NumberStatus scan_decimal(const char*& p, const char* const end, std::int64_t& raw) {
  bool negative = false;
  if (p != end && (*p == '-' || *p == '+')) negative = *p++ == '-';

  // All digits as one integer `significand` × 10^-fraction_digits. Fraction zeros are held back
  // until a nonzero digit follows, so trailing zeros never overflow the significand.
  std::uint64_t significand = 0;
  int digits = 0;
  int fraction_digits = 0;
  for (; p != end && is_digit(*p); ++p, ++digits) {
    if (significand > kMaxSignificandBeforeDigit) return NumberStatus::OutOfRange;
    significand = significand * 10 + static_cast<std::uint64_t>(*p - '0');
  }
  if (p != end && *p == '.') {
    int held_zeros = 0;
    for (++p; p != end && is_digit(*p); ++p, ++digits) {
      if (*p == '0') {
        ++held_zeros;
        continue;
      }
      for (; held_zeros >= 0; --held_zeros, ++fraction_digits) {
        if (significand > kMaxSignificandBeforeDigit) return NumberStatus::TooManyDecimals;
        significand *= 10;
      }
      held_zeros = 0;
      significand += static_cast<std::uint64_t>(*p - '0');
    }
  }
  if (digits == 0) return NumberStatus::NotANumber;

  int exponent = 0;
  if (p != end && (*p == 'e' || *p == 'E')) {
    ++p;
    bool negative_exponent = false;
    if (p != end && (*p == '-' || *p == '+')) negative_exponent = *p++ == '-';
    if (p == end) return NumberStatus::NotANumber;
    for (; p != end && is_digit(*p); ++p)
      if (exponent < kMaxExponent) exponent = exponent * 10 + (*p - '0');
    if (negative_exponent) exponent = -exponent;
  }

  // raw = significand × 10^scale.
  int scale = kFixedDecimals - fraction_digits + exponent;
  if (significand != 0) {
    for (; scale > 0; --scale) {
      if (significand > static_cast<std::uint64_t>(INT64_MAX) / 10) return NumberStatus::OutOfRange;
      significand *= 10;
    }
    for (; scale < 0; ++scale) {
      if (significand % 10 != 0) return NumberStatus::TooManyDecimals;
      significand /= 10;
    }
  }
  if (significand > static_cast<std::uint64_t>(INT64_MAX)) return NumberStatus::OutOfRange;
  raw = negative ? -static_cast<std::int64_t>(significand) : static_cast<std::int64_t>(significand);
  return NumberStatus::Ok;
}

// The whole of `text` as a decimal.
NumberStatus parse_decimal(std::string_view text, std::int64_t& raw) {
  const char* p = text.data();
  const char* const end = p + text.size();
  const NumberStatus status = scan_decimal(p, end, raw);
  return status == NumberStatus::Ok && p != end ? NumberStatus::NotANumber : status;
}

// Consumes integer milliseconds since the epoch that fit a Timestamp; false when there are none.
bool scan_millis(const char*& p, const char* const end, std::int64_t& millis) {
  const bool negative = p != end && *p == '-';
  if (negative) ++p;
  if (p == end || !is_digit(*p)) return false;
  std::uint64_t magnitude = 0;
  for (; p != end && is_digit(*p); ++p) {
    magnitude = magnitude * 10 + static_cast<std::uint64_t>(*p - '0');
    if (magnitude > kMaxAbsMillis) return false;
  }
  millis = negative ? -static_cast<std::int64_t>(magnitude) : static_cast<std::int64_t>(magnitude);
  return true;
}

// The whole of `text` as milliseconds.
bool parse_millis(std::string_view text, std::int64_t& millis) {
  const char* p = text.data();
  const char* const end = p + text.size();
  return scan_millis(p, end, millis) && p == end;
}

// One pass over a well-formed row; false at the first thing that is not, leaving the diagnosis
// to the slower field-by-field parse.
bool scan_row(std::string_view line, std::int64_t& millis, std::int64_t (&raw)[kColumnCount]) {
  const char* p = line.data();
  const char* const end = p + line.size();
  if (!scan_millis(p, end, millis)) return false;
  for (int column = 1; column < kColumnCount; ++column) {
    if (p == end || *p != ',') return false;
    ++p;
    if (scan_decimal(p, end, raw[column]) != NumberStatus::Ok) return false;
  }
  return p == end;
}

std::string quoted(std::string_view text) {
  if (text.size() <= kMaxQuotedChars) return "'" + std::string(text) + "'";
  return "'" + std::string(text.substr(0, kMaxQuotedChars)) + "...'";
}

std::string column_prefix(int column) { return std::string("column '") + kColumnNames[column] + "': "; }

std::string describe_location(const std::filesystem::path& file, std::size_t line) {
  return line == 0 ? file.string() : file.string() + ":" + std::to_string(line);
}

}  // namespace

DataError::DataError(std::filesystem::path file, std::size_t line, const std::string& message)
    : std::runtime_error(describe_location(file, line) + ": " + message),
      file_(std::move(file)),
      line_(line),
      message_(message) {}

CsvBarReader::CsvBarReader(std::filesystem::path file)
    : path_(std::move(file)), buffer_(std::make_unique_for_overwrite<char[]>(kBufferSize)) {
  file_.fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
  if (file_.fd < 0) fail(0, std::string("cannot open: ") + std::strerror(errno));
  std::string_view header;
  if (!next_line(header)) fail(0, "the file is empty; expected the header '" + std::string(kHeader) + "'");
  check_header(header);
  row_line_ = physical_line_;
}

CsvBarReader::OwnedFileDescriptor::~OwnedFileDescriptor() {
  if (fd >= 0) ::close(fd);
}

void CsvBarReader::check_header(std::string_view line) {
  if (line.starts_with(kByteOrderMark)) line.remove_prefix(kByteOrderMark.size());
  if (line != kHeader)
    fail(physical_line_, "expected the header '" + std::string(kHeader) + "', got " + quoted(line));
}

bool CsvBarReader::next(Bar& bar) {
  std::string_view line;
  std::size_t first_blank_line = 0;
  while (next_line(line)) {
    if (line.empty()) {
      if (first_blank_line == 0) first_blank_line = physical_line_;
      continue;
    }
    if (first_blank_line != 0)
      fail(first_blank_line, "blank line before more rows (blank lines are allowed only at the end of the file)");
    row_line_ = physical_line_;
    parse_row(line, bar);
    return true;
  }
  return false;
}

bool CsvBarReader::next_line(std::string_view& line) {
  for (;;) {
    const char* start = buffer_.get() + begin_;
    const std::size_t available = end_ - begin_;
    std::size_t length = 0;
    if (const void* newline = std::memchr(start, '\n', available)) {
      length = static_cast<std::size_t>(static_cast<const char*>(newline) - start);
      begin_ += length + 1;
    } else if (end_of_file_) {
      if (available == 0) return false;
      length = available;  // the last line has no trailing newline
      begin_ = end_;
    } else {
      refill();
      continue;
    }
    if (length > 0 && start[length - 1] == '\r') --length;
    line = std::string_view(start, length);
    ++physical_line_;
    return true;
  }
}

bool CsvBarReader::refill() {
  const std::size_t kept = end_ - begin_;
  if (kept == kBufferSize)
    fail(physical_line_ + 1, "line longer than " + std::to_string(kBufferSize) + " bytes");
  if (kept > 0 && begin_ > 0) std::memmove(buffer_.get(), buffer_.get() + begin_, kept);
  begin_ = 0;
  end_ = kept;
  for (;;) {
    const ssize_t count = ::read(file_.fd, buffer_.get() + end_, kBufferSize - end_);
    if (count > 0) {
      end_ += static_cast<std::size_t>(count);
      return true;
    }
    if (count == 0) {
      end_of_file_ = true;
      return false;
    }
    if (errno != EINTR) fail(physical_line_ + 1, std::string("read failed: ") + std::strerror(errno));
  }
}

void CsvBarReader::parse_row(std::string_view line, Bar& bar) {
  std::int64_t millis = 0;
  std::int64_t raw[kColumnCount] = {};
  if (!scan_row(line, millis, raw)) diagnose_row(line);
  check_row(millis, raw, bar);
}

void CsvBarReader::diagnose_row(std::string_view line) const {
  std::string_view fields[kColumnCount];
  std::size_t field_start = 0;
  for (int column = 0; column < kColumnCount; ++column) {
    const std::size_t comma = line.find(',', field_start);
    const bool last = column == kColumnCount - 1;
    if (last ? comma != std::string_view::npos : comma == std::string_view::npos) {
      const auto field_count = 1 + std::count(line.begin(), line.end(), ',');
      fail(row_line_, "expected " + std::to_string(kColumnCount) + " fields (" + std::string(kHeader) + "), got " +
                          std::to_string(field_count));
    }
    fields[column] = line.substr(field_start, last ? std::string_view::npos : comma - field_start);
    field_start = comma + 1;
  }

  std::int64_t millis = 0;
  if (!parse_millis(fields[0], millis))
    fail(row_line_, column_prefix(0) + "expected integer milliseconds since the epoch, got " + quoted(fields[0]));

  std::int64_t raw[kColumnCount] = {};
  for (int column = 1; column < kColumnCount; ++column) {
    switch (parse_decimal(fields[column], raw[column])) {
      case NumberStatus::Ok: break;
      case NumberStatus::NotANumber:
        fail(row_line_, column_prefix(column) + "expected a decimal number, got " + quoted(fields[column]));
      case NumberStatus::TooManyDecimals:
        fail(row_line_, column_prefix(column) + "expected at most 8 decimal places, got " + quoted(fields[column]));
      case NumberStatus::OutOfRange:
        fail(row_line_, column_prefix(column) + "number out of range, got " + quoted(fields[column]));
    }
  }
  fail(row_line_, "malformed row " + quoted(line));  // unreachable while scan_row and this agree
}

void CsvBarReader::check_row(std::int64_t millis, const std::int64_t* raw, Bar& bar) {
  if (has_previous_ && millis <= previous_ms_) {
    if (millis == previous_ms_)
      fail(row_line_, "duplicate timestamp " + std::to_string(millis) + " (previous row has the same)");
    fail(row_line_, "timestamp " + std::to_string(millis) + " is earlier than the previous row's " +
                        std::to_string(previous_ms_));
  }

  bar.ts = Timestamp::from_millis(millis);
  bar.open = Price::from_raw(raw[1]);
  bar.high = Price::from_raw(raw[2]);
  bar.low = Price::from_raw(raw[3]);
  bar.close = Price::from_raw(raw[4]);
  bar.volume = Quantity::from_raw(raw[5]);

  for (int column = 1; column <= 4; ++column)
    if (raw[column] <= 0)
      fail(row_line_, column_prefix(column) + "price must be positive, got " + Price::from_raw(raw[column]).to_string());
  if (bar.volume.is_negative())
    fail(row_line_, column_prefix(5) + "volume must not be negative, got " + bar.volume.to_string());
  if (bar.high < bar.low)
    fail(row_line_, "high " + bar.high.to_string() + " is below low " + bar.low.to_string());
  const Price body_low = bar.open < bar.close ? bar.open : bar.close;
  const Price body_high = bar.open < bar.close ? bar.close : bar.open;
  if (bar.low > body_low)
    fail(row_line_, "low " + bar.low.to_string() + " is above min(open, close) " + body_low.to_string());
  if (bar.high < body_high)
    fail(row_line_, "high " + bar.high.to_string() + " is below max(open, close) " + body_high.to_string());

  has_previous_ = true;
  previous_ms_ = millis;
}

void CsvBarReader::fail(std::size_t line, const std::string& message) const { throw DataError(path_, line, message); }

std::vector<Bar> read_all_bars(const std::filesystem::path& file) {
  CsvBarReader reader(file);
  std::vector<Bar> bars;
  // Bar rows of real data run 50 to 70 bytes; reserving from the size avoids most regrowth.
  std::error_code size_error;
  const auto bytes = std::filesystem::file_size(file, size_error);
  if (!size_error) bars.reserve(bytes / 64);
  Bar bar;
  while (reader.next(bar)) bars.push_back(bar);
  return bars;
}

}  // namespace smoops::data
