#pragma once
// A Context for calling a plugin's strategy outside the engine: it records what the strategy logs
// and has no orders, timers or model. Enough to prove a loaded strategy runs.

#include <string>
#include <vector>

#include "smoops/context.hpp"

namespace smoops::test {

/// A Logger that keeps every line.
class RecordingLogger : public Logger {
 public:
  void log(LogLevel, std::string_view message) override { lines.emplace_back(message); }
  bool enabled(LogLevel) const override { return true; }
  std::vector<std::string> lines;
};

/// A Context whose only effect is logging; submits are denied.
class LoggingOnlyContext : public Context {
 public:
  explicit LoggingOnlyContext(Params params) : params_(std::move(params)) {}

  Clock& clock() const override { return clock_; }
  bool warming_up() const override { return false; }
  const std::string& bot_name() const override { return bot_name_; }
  const Instrument& instrument() const override { return instrument_; }
  SubmitResult submit(const OrderRequest&) override { return {false, "", "this context sends no orders"}; }
  bool cancel(std::string_view) override { return false; }
  const Order* order(std::string_view) const override { return nullptr; }
  std::vector<const Order*> open_orders() const override { return {}; }
  const Position& position() const override { return position_; }
  Money cash() const override { return {}; }
  Money equity() const override { return {}; }
  Logger& log() override { return logger; }
  const Params& params() const override { return params_; }
  Model* model() override { return nullptr; }
  void signal(const Signal&) override {}

  RecordingLogger logger;

 private:
  struct StoppedClock final : Clock {
    Timestamp now() const override { return {}; }
    TimerId set_timer(Timestamp, Duration) override { return 0; }
    void cancel_timer(TimerId) override {}
  };
  mutable StoppedClock clock_;
  Params params_;
  std::string bot_name_ = "plugin-test";
  Instrument instrument_;
  Position position_;
};

}  // namespace smoops::test
