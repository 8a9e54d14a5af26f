// CsvBarReader: every bar file of ../shared/data read exactly, and each kind of malformed file
// rejected with its file:line and a message naming the rule.

#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "data/csv_bar_reader.hpp"
#include "support/test_paths.hpp"

namespace smoops::data {
namespace {

struct ExpectedRow {
  std::int64_t ms;
  const char* open;
  const char* high;
  const char* low;
  const char* close;
  const char* volume;
};

struct SharedBarFile {
  const char* name;
  std::size_t bars;  // from ../shared/data/README.md
  ExpectedRow first;
  ExpectedRow last;
};

void expect_row(const Bar& bar, const ExpectedRow& row) {
  EXPECT_EQ(bar.ts, Timestamp::from_millis(row.ms));
  EXPECT_EQ(bar.open, Price::parse_or_throw(row.open));
  EXPECT_EQ(bar.high, Price::parse_or_throw(row.high));
  EXPECT_EQ(bar.low, Price::parse_or_throw(row.low));
  EXPECT_EQ(bar.close, Price::parse_or_throw(row.close));
  EXPECT_EQ(bar.volume, Quantity::parse_or_throw(row.volume));
}

class SharedBarFileTest : public ::testing::TestWithParam<SharedBarFile> {};

TEST_P(SharedBarFileTest, ReadsEveryRowWithExactFirstAndLastValues) {
  const SharedBarFile& expected = GetParam();
  CsvBarReader reader(test::shared_data(expected.name));
  Bar bar;
  std::vector<Bar> bars;
  while (reader.next(bar)) bars.push_back(bar);
  ASSERT_EQ(bars.size(), expected.bars);
  EXPECT_EQ(reader.line(), expected.bars + 1);  // the header is line 1
  expect_row(bars.front(), expected.first);
  expect_row(bars.back(), expected.last);
  EXPECT_EQ(read_all_bars(test::shared_data(expected.name)).size(), expected.bars);
}

INSTANTIATE_TEST_SUITE_P(
    SharedData, SharedBarFileTest,
    ::testing::Values(
        SharedBarFile{"bt_orcl_1d.csv", 5036,
                      {789091200000, "2.179012", "2.191358", "2.117284", "2.117284", "36301200"},
                      {1419984000000, "45.450001", "45.560001", "44.970001", "44.970001", "13269200"}},
        SharedBarFile{"bt_nvda_1d.csv", 4012,
                      {916963200000, "1.750000", "1.953125", "1.552083", "1.640625", "67867200"},
                      {1419984000000, "20.400000", "20.510000", "19.990000", "20.049999", "4157500"}},
        SharedBarFile{"bt_yhoo_1d.csv", 4965,
                      {829267200000, "1.052083", "1.791667", "1.020833", "1.375000", "408720000"},
                      {1451520000000, "33.220001", "33.689999", "33.180000", "33.259998", "7423300"}},
        SharedBarFile{"ft_btc_usdt_5m.csv", 10999,
                      {1672677900000, "16727.3", "16728.8", "16726.0", "16726.1", "691.508"},
                      {1675977300000, "21918.0", "21960.7", "21914.0", "21925.7", "2058.74"}},
        SharedBarFile{"ft_unittest_btc_1m.csv", 13681,
                      {1509836520000, "0.00162008", "0.00162008", "0.00162008", "0.00162008", "108.14853839"},
                      {1510700340000, "0.00270001", "0.00270002", "0.00270001", "0.00270002", "1.94577668"}},
        SharedBarFile{"ft_xrp_usdt_1h.csv", 100,
                      {1637110800000, "1.0801", "1.09758", "1.07654", "1.07925", "3153694.607359"},
                      {1637467200000, "1.07685", "1.08229", "1.07552", "1.0765", "1153357.274076"}}),
    [](const ::testing::TestParamInfo<SharedBarFile>& info) {
      std::string name = info.param.name;
      name = name.substr(0, name.find('.'));
      return name;
    });

TEST(CsvBarReaderRawValues, StoresDecimalsAsEightDecimalRawIntegers) {
  CsvBarReader reader(test::shared_data("ft_unittest_btc_1m.csv"));
  Bar bar;
  ASSERT_TRUE(reader.next(bar));
  EXPECT_EQ(bar.ts.nanos, 1'509'836'520'000'000'000);
  EXPECT_EQ(bar.open.raw(), 162'008);
  EXPECT_EQ(bar.volume.raw(), 10'814'853'839);
}

// Each test writes its own files into a fresh directory.
class CsvBarReaderFileTest : public ::testing::Test {
 protected:
  void SetUp() override {
    const auto* test = ::testing::UnitTest::GetInstance()->current_test_info();
    directory_ = std::filesystem::temp_directory_path() /
                 ("smoops_csv_" + std::to_string(::getpid()) + "_" + test->name());
    std::filesystem::remove_all(directory_);
    std::filesystem::create_directories(directory_);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path write(const std::string& content, const char* name = "bars.csv") const {
    const auto file = directory_ / name;
    std::ofstream(file, std::ios::binary) << content;
    return file;
  }

  // Reads the whole file and returns the DataError's what(), or "" when it read fine.
  static std::string error_of(const std::filesystem::path& file) {
    try {
      read_all_bars(file);
    } catch (const DataError& error) {
      return error.what();
    }
    return {};
  }

  // The error a file of the header plus `rows` gives, with "<file>:" removed for brevity.
  std::string error_of_rows(const std::string& rows) const {
    const auto file = write(std::string(CsvBarReader::kHeader) + "\n" + rows);
    const std::string what = error_of(file);
    const std::string prefix = file.string() + ":";
    if (what.rfind(prefix, 0) != 0) return "unexpected error: " + what;
    return what.substr(prefix.size());
  }

  std::filesystem::path directory_;
};

TEST_F(CsvBarReaderFileTest, RejectsAWrongHeaderNamingTheExpectedOne) {
  const auto file = write("time,open,high,low,close,volume\n1,1,1,1,1,1\n");
  EXPECT_EQ(error_of(file), file.string() +
                                ":1: expected the header 'timestamp,open,high,low,close,volume', got "
                                "'time,open,high,low,close,volume'");
}

TEST_F(CsvBarReaderFileTest, RejectsACompletelyEmptyFile) {
  const auto file = write("");
  EXPECT_EQ(error_of(file),
            file.string() + ": the file is empty; expected the header 'timestamp,open,high,low,close,volume'");
}

TEST_F(CsvBarReaderFileTest, RejectsAMissingFile) {
  const auto file = directory_ / "absent.csv";
  EXPECT_EQ(error_of(file), file.string() + ": cannot open: No such file or directory");
}

TEST_F(CsvBarReaderFileTest, AcceptsAHeaderOnlyFileAsZeroBars) {
  EXPECT_TRUE(read_all_bars(write("timestamp,open,high,low,close,volume\n")).empty());
  EXPECT_TRUE(read_all_bars(write("timestamp,open,high,low,close,volume", "no_newline.csv")).empty());
}

TEST_F(CsvBarReaderFileTest, RejectsAWrongFieldCount) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1\n2000,1,1,1,1\n"),
            "3: expected 6 fields (timestamp,open,high,low,close,volume), got 5");
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1,7\n"),
            "2: expected 6 fields (timestamp,open,high,low,close,volume), got 7");
}

TEST_F(CsvBarReaderFileTest, RejectsANonNumericValue) {
  EXPECT_EQ(error_of_rows("1000,1,1x,1,1,1\n"), "2: column 'high': expected a decimal number, got '1x'");
  EXPECT_EQ(error_of_rows("1000,1,2,1,abc,1\n"), "2: column 'close': expected a decimal number, got 'abc'");
}

TEST_F(CsvBarReaderFileTest, RejectsAnEmptyField) {
  EXPECT_EQ(error_of_rows("1000,1,1,,1,1\n"), "2: column 'low': expected a decimal number, got ''");
}

// ft_unittest_btc_1m.csv writes small volumes as "9.417e-05", as its exchange source did.
TEST_F(CsvBarReaderFileTest, AcceptsTheExponentFormWhenExact) {
  const auto bars = read_all_bars(write("timestamp,open,high,low,close,volume\n1000,1,1,1,1,9.417e-05\n"
                                        "2000,1,1,1,1,1e-08\n3000,1,1,1,1,2.5E+3\n"));
  ASSERT_EQ(bars.size(), 3u);
  EXPECT_EQ(bars[0].volume.raw(), 9'417);
  EXPECT_EQ(bars[1].volume.raw(), 1);
  EXPECT_EQ(bars[2].volume, Quantity::from_units(2'500));
}

TEST_F(CsvBarReaderFileTest, RejectsAnInexactOrMalformedExponent) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1e-09\n"), "2: column 'volume': expected at most 8 decimal places, got '1e-09'");
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1e\n"), "2: column 'volume': expected a decimal number, got '1e'");
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1e30\n"), "2: column 'volume': number out of range, got '1e30'");
}

TEST_F(CsvBarReaderFileTest, RejectsANumberOutOfRange) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,92233720369\n"),
            "2: column 'volume': number out of range, got '92233720369'");
}

TEST_F(CsvBarReaderFileTest, RejectsMoreThanEightSignificantDecimals) {
  EXPECT_EQ(error_of_rows("1000,1,2,1,1.123456789,1\n"),
            "2: column 'close': expected at most 8 decimal places, got '1.123456789'");
}

TEST_F(CsvBarReaderFileTest, AcceptsZerosBeyondTheEighthDecimal) {
  const auto bars = read_all_bars(write("timestamp,open,high,low,close,volume\n1000,1.1234567800,2,1,1,1\n"));
  ASSERT_EQ(bars.size(), 1u);
  EXPECT_EQ(bars[0].open.raw(), 112'345'678);
}

TEST_F(CsvBarReaderFileTest, RejectsANonIntegerTimestamp) {
  EXPECT_EQ(error_of_rows("1000.5,1,1,1,1,1\n"),
            "2: column 'timestamp': expected integer milliseconds since the epoch, got '1000.5'");
}

TEST_F(CsvBarReaderFileTest, RejectsADuplicateTimestamp) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1\n1000,1,1,1,1,1\n"),
            "3: duplicate timestamp 1000 (previous row has the same)");
}

TEST_F(CsvBarReaderFileTest, RejectsAnOutOfOrderTimestamp) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1\n3000,1,1,1,1,1\n2000,1,1,1,1,1\n"),
            "4: timestamp 2000 is earlier than the previous row's 3000");
}

TEST_F(CsvBarReaderFileTest, RejectsHighBelowLow) {
  EXPECT_EQ(error_of_rows("1000,1.5,1,2,1.5,1\n"), "2: high 1 is below low 2");
}

TEST_F(CsvBarReaderFileTest, RejectsABarWhoseRangeDoesNotHoldOpenAndClose) {
  EXPECT_EQ(error_of_rows("1000,1,3,1.5,2,1\n"), "2: low 1.5 is above min(open, close) 1");
  EXPECT_EQ(error_of_rows("1000,1,2.5,1,3,1\n"), "2: high 2.5 is below max(open, close) 3");
}

TEST_F(CsvBarReaderFileTest, RejectsNonPositivePricesAndNegativeVolume) {
  EXPECT_EQ(error_of_rows("1000,0,1,1,1,1\n"), "2: column 'open': price must be positive, got 0");
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,-2\n"), "2: column 'volume': volume must not be negative, got -2");
}

TEST_F(CsvBarReaderFileTest, AcceptsZeroVolume) {
  EXPECT_EQ(read_all_bars(write("timestamp,open,high,low,close,volume\n1000,1,1,1,1,0\n")).size(), 1u);
}

TEST_F(CsvBarReaderFileTest, ReadsCrlfLinesAndAByteOrderMark) {
  const auto bars = read_all_bars(
      write("\xEF\xBB\xBFtimestamp,open,high,low,close,volume\r\n1000,1,2,0.5,1.5,10\r\n2000,1.5,1.5,1.5,1.5,0\r\n"));
  ASSERT_EQ(bars.size(), 2u);
  EXPECT_EQ(bars[0].volume, Quantity::from_units(10));
  EXPECT_EQ(bars[1].close, Price::parse_or_throw("1.5"));
}

TEST_F(CsvBarReaderFileTest, ReadsALastRowWithoutNewlineAndIgnoresTrailingBlankLines) {
  EXPECT_EQ(read_all_bars(write("timestamp,open,high,low,close,volume\n1000,1,1,1,1,1\n2000,1,1,1,1,1")).size(), 2u);
  EXPECT_EQ(read_all_bars(write("timestamp,open,high,low,close,volume\n1000,1,1,1,1,1\n\n\r\n", "blank.csv")).size(),
            1u);
}

TEST_F(CsvBarReaderFileTest, RejectsABlankLineBeforeMoreRows) {
  EXPECT_EQ(error_of_rows("1000,1,1,1,1,1\n\n\n2000,1,1,1,1,1\n"),
            "3: blank line before more rows (blank lines are allowed only at the end of the file)");
}

// Rows of varying length, so that the 1 MiB buffer boundaries fall at every position in a row.
std::string generated_price(std::int64_t index) {
  return std::to_string(100 + index % 997) + "." + std::to_string(index);
}

std::string generated_row(std::int64_t index) {
  const std::int64_t ms = 1'600'000'000'000 + index * 60'000;
  const std::string price = generated_price(index);
  return std::to_string(ms) + "," + price + "," + price + "," + price + "," + price + "," +
         std::to_string(index % 7919) + "\n";
}

TEST_F(CsvBarReaderFileTest, ReadsAFileManyTimesLargerThanItsBufferAcrossBoundaries) {
  constexpr std::int64_t kRows = 200'000;
  std::string content(CsvBarReader::kHeader);
  content += "\n";
  for (std::int64_t index = 0; index < kRows; ++index) content += generated_row(index);
  ASSERT_GT(content.size(), 8 * CsvBarReader::kBufferSize);
  CsvBarReader reader(write(content));
  Bar bar;
  std::int64_t index = 0;
  for (; reader.next(bar); ++index) {
    ASSERT_EQ(bar.ts, Timestamp::from_millis(1'600'000'000'000 + index * 60'000)) << "row " << index;
    ASSERT_EQ(bar.close, Price::parse_or_throw(generated_price(index))) << "row " << index;
    ASSERT_EQ(bar.volume, Quantity::from_units(index % 7919)) << "row " << index;
  }
  EXPECT_EQ(index, kRows);
  EXPECT_EQ(reader.line(), static_cast<std::size_t>(kRows + 1));
}

TEST_F(CsvBarReaderFileTest, CountsLinesAcrossBufferBoundaries) {
  constexpr std::int64_t kRows = 100'000;
  std::string content(CsvBarReader::kHeader);
  content += "\n";
  for (std::int64_t index = 0; index < kRows; ++index) content += generated_row(index);
  content += "1,1,1,1,1,1\n";
  EXPECT_EQ(error_of_rows(content.substr(CsvBarReader::kHeader.size() + 1)),
            "100002: timestamp 1 is earlier than the previous row's " +
                std::to_string(1'600'000'000'000 + (kRows - 1) * 60'000));
}

}  // namespace
}  // namespace smoops::data
