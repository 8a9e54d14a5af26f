#include "cli/event_format.hpp"

#include <ctime>
#include <initializer_list>
#include <nlohmann/json.hpp>
#include <optional>
#include <sstream>

namespace smoops::cli {
namespace {

using Json = nlohmann::json;

/// Payloads that are not JSON are printed as they are, cut to this many characters.
constexpr std::size_t kMaxRawPayloadChars = 200;

std::string clock_time(std::int64_t millis_since_epoch) {
  const std::time_t seconds = static_cast<std::time_t>(millis_since_epoch / 1000);
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char text[32];
  std::snprintf(text, sizeof text, "%02d:%02d:%02d.%03d", utc.tm_hour, utc.tm_min, utc.tm_sec,
                static_cast<int>(millis_since_epoch % 1000));
  return text;
}

/// The text of a scalar: strings as they are, numbers and booleans as JSON writes them.
std::optional<std::string> scalar_text(const Json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_number() || value.is_boolean()) return value.dump();
  return std::nullopt;
}

/// Builds the details of one kind from the payload's fields, in order, skipping missing ones.
class Details {
 public:
  explicit Details(const Json& payload) : payload_(payload) {}

  /// Appends "LABEL VALUE" (or just VALUE) for the first of `keys` the payload has.
  Details& add(std::initializer_list<const char*> keys, std::string_view label = {}) {
    for (const char* key : keys) {
      const auto it = payload_.find(key);
      if (it == payload_.end()) continue;
      const auto text = scalar_text(*it);
      if (!text || text->empty()) continue;
      append(label);
      append(*text);
      break;
    }
    return *this;
  }
  const std::string& text() const { return text_; }

 private:
  void append(std::string_view word) {
    if (word.empty()) return;
    if (!text_.empty()) text_ += ' ';
    text_ += word;
  }
  const Json& payload_;
  std::string text_;
};

std::string details(std::string_view kind, const Json& payload) {
  Details d(payload);
  if (kind == "order") {
    d.add({"client_order_id", "id"}).add({"side"}).add({"type"}).add({"quantity", "qty"}).add({"limit_price"}, "@");
    d.add({"status"}).add({"filled_quantity"}, "filled_qty").add({"reason"});
  } else if (kind == "fill") {
    d.add({"trade_id", "client_order_id"}).add({"side"}).add({"quantity", "qty"}).add({"price"}, "@");
    d.add({"fee", "fees"}, "fee");
  } else if (kind == "position") {
    d.add({"quantity", "qty"}).add({"average_price", "avg_price", "entry_price"}, "@");
    d.add({"unrealized_pnl", "upnl"}, "upnl").add({"equity"}, "equity");
  } else if (kind == "equity") {
    d.add({"equity"}).add({"cash"}, "cash").add({"realized_pnl", "pnl"}, "pnl");
  } else if (kind == "status") {
    d.add({"state", "status"}).add({"mode"}).add({"reason"});
  } else if (kind == "signal") {
    d.add({"prediction"}).add({"confidence"}, "conf").add({"action"}).add({"quantity"}, "qty").add({"reason"});
  } else if (kind == "log") {
    d.add({"level"}).add({"message", "msg"});
  }
  return d.text().empty() ? payload.dump(-1, ' ', false, Json::error_handler_t::replace) : d.text();
}

}  // namespace

std::string format_event(std::string_view topic, std::uint64_t sequence, std::string_view payload_text,
                         std::chrono::system_clock::time_point received) {
  // "bot.<name>.<kind>": the name may itself contain dots, the kind does not.
  std::string subject(topic);
  std::string_view kind;
  if (topic.rfind("bot.", 0) == 0 && topic.find('.', 4) != std::string_view::npos) {
    const auto last_dot = topic.rfind('.');
    subject = std::string(topic.substr(4, last_dot - 4));
    kind = topic.substr(last_dot + 1);
  }
  std::int64_t millis =
      std::chrono::duration_cast<std::chrono::milliseconds>(received.time_since_epoch()).count();
  std::string text;
  const Json payload = Json::parse(payload_text, nullptr, /*allow_exceptions=*/false);
  if (payload.is_object()) {
    // The event's own time (an order's last update, a fill's, a bar's), else the time it arrived.
    for (const char* key : {"ts", "updated_ts"}) {
      if (const auto ts = payload.find(key); ts != payload.end() && ts->is_number_integer() && ts->get<std::int64_t>() >= 0) {
        millis = ts->get<std::int64_t>();
        break;
      }
    }
    text = details(kind, payload);
  } else {
    text = std::string(payload_text.substr(0, kMaxRawPayloadChars));
  }
  std::ostringstream line;
  line << clock_time(millis) << " #" << sequence << ' ' << subject;
  if (!kind.empty()) line << ' ' << kind;
  line << ' ' << text;
  return line.str();
}

}  // namespace smoops::cli
