// The commands that talk to a running smoopsd: status, bots, start/stop/pause/resume/flatten,
// reload (one request on the control endpoint each) and watch (follows the published state).

#include <algorithm>
#include <array>
#include <cerrno>
#include <csignal>
#include <ostream>
#include <sstream>
#include <zmq.hpp>

#include "bus/clone_subscriber.hpp"
#include "bus/control_channel.hpp"
#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/daemon_endpoints.hpp"
#include "cli/event_format.hpp"
#include "cli/exit_codes.hpp"
#include "cli/text_table.hpp"

namespace smoops::cli {
namespace {

using Json = nlohmann::json;

constexpr std::array<std::string_view, 5> kBotCommands = {"start", "stop", "pause", "resume", "flatten"};

/// A reply field as text: strings as they are, numbers as JSON writes them, booleans yes/no,
/// anything missing "-".
std::string field_text(const Json& object, const char* key) {
  const auto it = object.find(key);
  if (it == object.end() || it->is_null()) return "-";
  if (it->is_string()) return it->get<std::string>().empty() ? "-" : it->get<std::string>();
  if (it->is_boolean()) return it->get<bool>() ? "yes" : "no";
  return it->dump();
}

void print_bots(const Json& reply, std::ostream& out) {
  const auto bots = reply.find("bots");
  if (bots == reply.end() || !bots->is_array() || bots->empty()) {
    out << "no bots\n";
    return;
  }
  const bool any_reason = std::any_of(bots->begin(), bots->end(), [](const Json& bot) {
    return bot.is_object() && field_text(bot, "reason") != "-";
  });
  std::vector<std::vector<std::string>> rows = {{"NAME", "STATE", "MODE", "PAUSED", "POSITION", "EQUITY"}};
  if (any_reason) rows.front().push_back("REASON");
  for (const Json& bot : *bots) {
    if (!bot.is_object()) continue;
    std::vector<std::string> row;
    for (const char* key : {"name", "state", "mode", "paused", "position", "equity"}) row.push_back(field_text(bot, key));
    if (any_reason) row.push_back(field_text(bot, "reason"));
    rows.push_back(std::move(row));
  }
  print_table(rows, out);
}

std::string uptime_text(const Json& seconds_value) {
  if (!seconds_value.is_number()) return "-";
  auto seconds = static_cast<std::int64_t>(seconds_value.get<double>());
  std::ostringstream text;
  if (seconds >= 86'400) text << seconds / 86'400 << "d ";
  if (seconds >= 3'600) text << (seconds % 86'400) / 3'600 << "h ";
  if (seconds >= 60) text << (seconds % 3'600) / 60 << "m ";
  text << seconds % 60 << 's';
  return text.str();
}

void print_status(const Json& reply, std::ostream& out) {
  const Json daemon = reply.value("daemon", Json::object());
  if (daemon.is_object()) {
    out << "daemon: up " << uptime_text(daemon.value("uptime_s", Json())) << ", " << field_text(daemon, "bots")
        << " bots, published " << field_text(daemon, "published") << ", dropped " << field_text(daemon, "dropped")
        << '\n';
  }
  print_bots(reply, out);
}

/// "a, b" or "-".
std::string names_text(const Json& reply, const char* key) {
  const auto names = reply.find(key);
  if (names == reply.end() || !names->is_array() || names->empty()) return "-";
  std::string text;
  for (const Json& name : *names) text += (text.empty() ? "" : ", ") + (name.is_string() ? name.get<std::string>() : name.dump());
  return text;
}

void print_reload(const Json& reply, std::ostream& out) {
  out << "reload:";
  const char* separator = " ";
  for (const char* key : {"added", "removed", "restarted", "unchanged"}) {
    out << separator << key << ' ' << names_text(reply, key);
    separator = "; ";
  }
  out << '\n';
  if (const auto failed = reply.find("failed"); failed != reply.end() && failed->is_object())
    for (const auto& [name, why] : failed->items())
      out << "  " << name << " not started: " << (why.is_string() ? why.get<std::string>() : why.dump()) << '\n';
}

std::string past_tense(const std::string& command) {
  if (command == "stop") return "stopped";
  if (command == "flatten") return "flattened";
  return command + (command.back() == 'e' ? "d" : "ed");
}

void print_bot_reply(const std::string& command, const std::string& bot, const Json& reply, std::ostream& out) {
  out << "bot " << reply.value("bot", bot) << ": ";
  if (const auto message = reply.find("message"); message != reply.end() && message->is_string())
    out << message->get<std::string>();
  else
    out << past_tense(command);
  if (const std::string state = field_text(reply, "state"); state != "-") out << ", state " << state;
  out << '\n';
}

void print_reply(const std::string& command, const std::string& bot, const Json& reply, std::ostream& out) {
  if (command == "status") {
    print_status(reply, out);
  } else if (command == "bots") {
    print_bots(reply, out);
  } else if (command == "reload") {
    print_reload(reply, out);
  } else {
    print_bot_reply(command, bot, reply, out);
  }
}

// Set by SIGINT/SIGTERM while `watch` runs; the loop polls it between waits.
volatile std::sig_atomic_t g_watch_interrupted = 0;

extern "C" void on_watch_signal(int) { g_watch_interrupted = 1; }

/// Routes SIGINT and SIGTERM to g_watch_interrupted while alive, then restores the old handlers.
class InterruptFlag {
 public:
  InterruptFlag() {
    g_watch_interrupted = 0;
    struct sigaction action{};
    action.sa_handler = on_watch_signal;
    sigemptyset(&action.sa_mask);
    sigaction(SIGINT, &action, &old_int_);
    sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptFlag() {
    sigaction(SIGINT, &old_int_, nullptr);
    sigaction(SIGTERM, &old_term_, nullptr);
  }
  InterruptFlag(const InterruptFlag&) = delete;
  InterruptFlag& operator=(const InterruptFlag&) = delete;
  bool raised() const { return g_watch_interrupted != 0; }

 private:
  struct sigaction old_int_{};
  struct sigaction old_term_{};
};

std::set<std::string> with_endpoint_options(std::initializer_list<std::string> extra) {
  std::set<std::string> options = daemon_endpoint_options();
  options.insert(extra);
  return options;
}

}  // namespace

int control_command(const std::string& command, const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err) {
  const Arguments parsed(args, daemon_endpoint_options(), {"json"});
  const bool per_bot = std::find(kBotCommands.begin(), kBotCommands.end(), command) != kBotCommands.end();
  const auto& positionals = parsed.positionals();
  if (per_bot && positionals.size() != 1) throw UsageError(command + " needs exactly one BOT");
  if (!per_bot && !positionals.empty()) throw UsageError("unexpected argument '" + positionals.front() + "'");
  const DaemonEndpoints endpoints = daemon_endpoints(parsed);

  Json request = {{"command", command}};
  const std::string bot = per_bot ? positionals.front() : std::string();
  if (per_bot) request["bot"] = bot;
  zmq::context_t context;
  const Json reply = bus::control_request(context, control_client_options(endpoints), request);

  const bool ok = reply.is_object() && reply.value("ok", false);
  if (parsed.flag("json")) {
    out << reply.dump(2, ' ', false, Json::error_handler_t::replace) << '\n';
  } else if (ok) {
    print_reply(command, bot, reply, out);
  }
  if (ok) return kExitOk;
  const auto error = reply.is_object() ? reply.find("error") : reply.end();
  err << "error: the daemon at " << endpoints.control << " refused '" << command << "': "
      << (error != reply.end() && error->is_string() ? error->get<std::string>() : reply.dump()) << '\n';
  return kExitDaemon;
}

int watch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  const Arguments parsed(args, with_endpoint_options({"count", "duration-s"}), {"raw"});
  if (parsed.positionals().size() > 1) throw UsageError("watch takes at most one BOT");
  const bool raw = parsed.flag("raw");
  const std::int64_t max_events = parsed.integer("count", 0, 1, INT64_MAX);
  const std::int64_t duration_s = parsed.integer("duration-s", 0, 1, 365LL * 86'400);
  const DaemonEndpoints endpoints = daemon_endpoints(parsed);
  const std::string prefix = parsed.positionals().empty() ? "" : "bot." + parsed.positionals().front() + ".";

  zmq::context_t context;
  bus::CloneSubscriber subscriber(context, subscriber_options(endpoints, prefix));
  subscriber.connect();
  const InterruptFlag interrupted;  // before the line below, which tells scripts that it watches
  err << "watching " << endpoints.publish << (prefix.empty() ? "" : " (" + prefix + "*)") << " from snapshot #"
      << subscriber.sequence() << " (" << subscriber.state().entries().size() << " state entries)" << std::endl;

  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(duration_s);
  constexpr std::chrono::milliseconds kPollInterval{200};
  std::int64_t events = 0;
  while (!interrupted.raised() && (max_events == 0 || events < max_events) &&
         (duration_s == 0 || std::chrono::steady_clock::now() < deadline)) {
    std::optional<bus::ReceivedMessage> message;
    try {
      message = subscriber.next(kPollInterval);
    } catch (const std::exception&) {
      // A signal interrupts the wait (EINTR); that is the user asking to stop, not an error.
      if (interrupted.raised()) break;
      throw;
    }
    if (!message) continue;
    if (raw) {
      out << message->sequence << ' ' << message->topic << ' ' << message->payload << std::endl;
    } else {
      out << format_event(message->topic, message->sequence, message->payload, std::chrono::system_clock::now())
          << std::endl;
    }
    ++events;
  }
  return kExitOk;
}

}  // namespace smoops::cli
