// `smoops fetch-data`: an exchange plugin's bar history into the project's CSV format, paged
// within the venue's limits (the plugin keeps to its weights), resumable, with gaps reported.

#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <fstream>
#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/plugin_search_path.hpp"
#include "data/csv_bar_reader.hpp"
#include "data/exchange_history.hpp"
#include "engine/venue_error.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::cli {
namespace {

// "2024-01-31", "2024-01-31T12:00", "2024-01-31T12:00:00Z" (UTC) or milliseconds since the epoch.
Timestamp parse_date(const std::string& option, const std::string& text) {
  const auto bad = [&]() -> UsageError {
    return UsageError("--" + option + ": expected a UTC date such as 2024-01-31 or 2024-01-31T12:00:00Z, or "
                      "milliseconds since the epoch; got '" + text + "'");
  };
  if (!text.empty() && text.find_first_not_of("0123456789") == std::string::npos) {
    if (text.size() > 15) throw bad();
    return Timestamp::from_millis(std::stoll(text));
  }
  std::tm tm{};
  int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  char tail[4] = {};
  const int fields = std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d%3s", &year, &month, &day, &hour, &minute,
                                 &second, tail);
  const bool shape_ok = text.size() == 10 ? fields == 3
                        : text.size() == 16 ? fields == 5
                        : (text.size() == 19 && fields == 6) || (text.size() == 20 && fields == 7 && tail == std::string("Z"));
  if (!shape_ok || month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    throw bad();
  tm.tm_year = year - 1900;
  tm.tm_mon = month - 1;
  tm.tm_mday = day;
  tm.tm_hour = hour;
  tm.tm_min = minute;
  tm.tm_sec = second;
  return Timestamp::from_millis(static_cast<std::int64_t>(timegm(&tm)) * 1000);
}

std::string iso_utc(Timestamp ts) {
  const std::time_t seconds = static_cast<std::time_t>(ts.millis() / 1000);
  std::tm tm{};
  gmtime_r(&seconds, &tm);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return text;
}

// What the plugin logs: warnings and errors to stderr, the rest only with --verbose.
class StderrLogger final : public Logger {
 public:
  StderrLogger(std::ostream& err, bool verbose) : err_(err), verbose_(verbose) {}
  void log(LogLevel level, std::string_view message) override {
    if (enabled(level)) err_ << (level >= LogLevel::Warn ? "warning: " : "") << message << '\n';
  }
  bool enabled(LogLevel level) const override { return verbose_ || level >= LogLevel::Warn; }

 private:
  std::ostream& err_;
  bool verbose_;
};

// A market-data-only session reports nothing but errors.
class ErrorsOnly final : public ExchangeEvents {
 public:
  explicit ErrorsOnly(Logger& log) : log_(log) {}
  void on_order_update(const OrderUpdate&) override {}
  void on_fill(const Fill&) override {}
  void on_bar(const Bar&) override {}
  void on_trade(const Trade&) override {}
  void on_error(std::string_view message) override { log_.log(LogLevel::Error, message); }

 private:
  Logger& log_;
};

// --param KEY=VALUE... as the plugin's params map.
Params command_line_params(const std::vector<std::string>& pairs) {
  Params params = Params::map(SourceMark{"command line", 0, 0}, "--param");
  for (const std::string& pair : pairs) {
    const auto equals = pair.find('=');
    if (equals == std::string::npos || equals == 0)
      throw UsageError("--param: expected KEY=VALUE, got '" + pair + "'");
    const std::string key = pair.substr(0, equals);
    params.add(key, Params::scalar(pair.substr(equals + 1), SourceMark{"--param " + key, 0, 0}, "--param " + key));
  }
  return params;
}

// The bars a file already holds: its last open time, or nullopt for a new (or header-only) file.
// A last line cut short by a kill (no end of line) is removed first: it may parse but be wrong.
std::optional<Timestamp> prepare_existing(const std::filesystem::path& file, std::int64_t step_ms) {
  std::error_code error;
  if (!std::filesystem::exists(file, error)) return std::nullopt;
  // Only the tail is read to find the cut: the file may hold years of bars.
  const std::uintmax_t size = std::filesystem::file_size(file);
  std::uintmax_t keep = size;
  {
    std::ifstream in(file, std::ios::binary);
    char byte = '\n';
    while (keep > 0) {
      in.seekg(static_cast<std::streamoff>(keep - 1));
      in.get(byte);
      if (byte == '\n') break;
      --keep;
    }
  }
  if (keep != size) std::filesystem::resize_file(file, keep);
  if (keep == 0) return std::nullopt;
  data::CsvBarReader reader(file);
  std::optional<Timestamp> last;
  std::optional<Timestamp> before_last;
  Bar bar;
  while (reader.next(bar)) {
    before_last = last;
    last = bar.ts;
  }
  if (last && before_last && (*last - *before_last).nanos % (step_ms * 1'000'000) != 0)
    throw UsageError(file.string() + " holds bars " + std::to_string((*last - *before_last).millis()) +
                     " ms apart, which is not the --interval; write to another file");
  return last;
}

std::string csv_row(const Bar& bar) {
  return std::to_string(bar.ts.millis()) + ',' + bar.open.to_string() + ',' + bar.high.to_string() + ',' +
         bar.low.to_string() + ',' + bar.close.to_string() + ',' + bar.volume.to_string() + '\n';
}

void draw_progress(std::ostream& err, Timestamp from, Timestamp to, Timestamp at, std::size_t bars) {
  const double span = static_cast<double>((to - from).nanos);
  const double done = span <= 0 ? 1.0 : std::min(1.0, static_cast<double>((at - from).nanos) / span);
  const int width = 30;
  const int filled = static_cast<int>(done * width);
  err << "\r[" << std::string(static_cast<std::size_t>(filled), '#') << std::string(static_cast<std::size_t>(width - filled), ' ')
      << "] " << static_cast<int>(done * 100) << "% " << bars << " bars, at " << iso_utc(at) << std::flush;
}

}  // namespace

int fetch_data_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, {"exchange", "symbol", "interval", "from", "to", "out", "param", "plugin-dir"},
                         {"verbose", "no-progress"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::string exchange_name = parsed.required("exchange");
  const std::string symbol = parsed.required("symbol");
  const std::string interval = parsed.required("interval");
  const std::int64_t step_ms = data::interval_millis(interval);
  if (step_ms == 0)
    throw UsageError("--interval: expected one of 1s, 1m, 3m, 5m, 15m, 30m, 1h, 2h, 4h, 6h, 8h, 12h, 1d, 3d, 1w "
                     "(calendar months are not fetched); got '" + interval + "'");
  const std::filesystem::path file = parsed.required("out");
  Timestamp from = parse_date("from", parsed.required("from"));
  // Without --to: every bar that has closed by now.
  const Timestamp now = Timestamp{std::chrono::duration_cast<std::chrono::nanoseconds>(
                                      std::chrono::system_clock::now().time_since_epoch()).count()};
  const Timestamp to = parsed.value("to") ? parse_date("to", *parsed.value("to")) : now;
  if (to < from) throw UsageError("--to is before --from");

  const std::optional<Timestamp> existing_last = prepare_existing(file, step_ms);
  const Timestamp requested_from = from;
  if (existing_last) from = std::max(from, Timestamp{existing_last->nanos + step_ms * 1'000'000});

  const plugin::PluginRegistry registry(plugin_search_path(parsed.values("plugin-dir")));
  plugin::PluginHandle<Exchange> exchange = registry.create_exchange(exchange_name, command_line_params(parsed.values("param")));
  StderrLogger logger(err, parsed.flag("verbose"));
  ErrorsOnly events(logger);
  ExchangeSession session;
  session.events = &events;
  session.log = &logger;
  session.instrument.symbol = symbol;
  session.market_data_only = true;
  try {
    exchange->connect(session);
  } catch (const std::exception& e) {
    throw engine::VenueError("fetch-data: " + exchange_name + " did not connect: " + std::string(e.what()));
  }

  std::ofstream output(file, std::ios::binary | std::ios::app);
  if (!output) throw OutputError("cannot write " + file.string());
  if (!existing_last && std::filesystem::file_size(file) == 0) output << "timestamp,open,high,low,close,volume\n";
  const bool progress = !parsed.flag("no-progress") && isatty(STDERR_FILENO);
  std::optional<Timestamp> last = existing_last;
  std::size_t gaps = 0;
  std::int64_t missing_bars = 0;
  std::string first_gap;
  std::size_t written = 0;
  const auto write_page = [&](const std::vector<Bar>& page) {
    std::string rows;
    for (const Bar& bar : page) {
      if (last && bar.ts.nanos - last->nanos > step_ms * 1'000'000) {
        const std::int64_t missing = (bar.ts.nanos - last->nanos) / (step_ms * 1'000'000) - 1;
        ++gaps;
        missing_bars += missing;
        if (first_gap.empty()) first_gap = "after " + iso_utc(*last) + ", " + std::to_string(missing) + " bars";
      }
      last = bar.ts;
      rows += csv_row(bar);
    }
    output << rows << std::flush;  // a page at a time: a kill loses at most the page being written
    if (!output) throw OutputError("cannot write " + file.string());
    written += page.size();
    if (progress) draw_progress(err, requested_from, to, *last, written);
    return true;
  };
  try {
    if (from <= to) data::for_each_history_page(*exchange, symbol, interval, from, to, write_page);
  } catch (const OutputError&) {
    throw;
  } catch (const std::exception& e) {
    exchange->disconnect();
    throw engine::VenueError("fetch-data: " + exchange_name + " stopped answering after " + std::to_string(written) +
                             " bars (run the same command again to go on from there): " + e.what());
  }
  exchange->disconnect();
  if (progress) err << '\n';
  out << "wrote " << written << " bars to " << file.string();
  if (existing_last) out << " (the file already held bars up to " << iso_utc(*existing_last) << ")";
  if (last) out << "; last bar " << iso_utc(*last);
  out << '\n';
  if (gaps > 0)
    out << "gaps in the venue's data: " << gaps << " (" << missing_bars << " bars missing; first " << first_gap << ")\n";
  return kExitOk;
}

}  // namespace smoops::cli
