#include "bus/state_model.hpp"

#include <array>
#include <stdexcept>
#include <utility>

#include <nlohmann/json.hpp>

namespace smoops::bus {
namespace {

// Order statuses after which no update follows (smoops::is_terminal): the order leaves the state.
constexpr std::array<std::string_view, 5> kTerminalOrderStatuses = {"denied", "canceled", "rejected",
                                                                     "expired", "filled"};
// Statuses of an order still working: the order stays in the state under its client order id.
constexpr std::array<std::string_view, 6> kWorkingOrderStatuses = {
    "initialized", "submitted", "accepted", "triggered", "partially_filled", "pending_cancel"};

// The kinds of bot topic whose latest payload is the state itself.
constexpr std::array<std::string_view, 3> kLatestValueKinds = {"position", "equity", "status"};

bool contains(const auto& names, std::string_view name) {
  for (std::string_view candidate : names)
    if (candidate == name) return true;
  return false;
}

// "bot.<name>.<kind>" → kind; "" for any other topic. A bot name may itself contain dots, so
// the kind is what follows the last one.
std::string_view bot_topic_kind(std::string_view topic) {
  constexpr std::string_view kBotPrefix = "bot.";
  if (!topic.starts_with(kBotPrefix)) return {};
  const auto last_dot = topic.rfind('.');
  if (last_dot <= kBotPrefix.size()) return {};  // no bot name between "bot." and the kind
  return topic.substr(last_dot + 1);
}

nlohmann::json parse_object(std::string_view topic, std::string_view payload) {
  auto parsed = nlohmann::json::parse(payload, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded()) throw std::invalid_argument("payload of " + std::string(topic) + " is not JSON");
  if (!parsed.is_object())
    throw std::invalid_argument("payload of " + std::string(topic) + " is not a JSON object");
  return parsed;
}

std::string string_field(std::string_view topic, const nlohmann::json& payload, const char* field) {
  const auto found = payload.find(field);
  if (found == payload.end() || !found->is_string() || found->get_ref<const std::string&>().empty())
    throw std::invalid_argument("payload of " + std::string(topic) + " lacks a string \"" + field + "\"");
  return found->get<std::string>();
}

// The effect and key of a message whose payload is already parsed (see docs/messages.md).
BusMessage classify_parsed(std::string_view topic, const nlohmann::json& payload) {
  BusMessage message;
  message.topic = std::string(topic);
  const std::string_view kind = bot_topic_kind(topic);
  if (topic == "daemon.status" || contains(kLatestValueKinds, kind)) {
    message.effect = StateEffect::Set;
    message.key = message.topic;
  } else if (kind == "order") {
    const std::string status = string_field(topic, payload, "status");
    if (contains(kTerminalOrderStatuses, status))
      message.effect = StateEffect::Erase;
    else if (contains(kWorkingOrderStatuses, status))
      message.effect = StateEffect::Set;
    else
      throw std::invalid_argument("payload of " + message.topic + " has an unknown order status \"" + status + "\"");
    message.key = message.topic + "/" + string_field(topic, payload, "client_order_id");
  }
  return message;
}

}  // namespace

void StateModel::apply(const BusMessage& message) {
  switch (message.effect) {
    case StateEffect::None: return;
    case StateEffect::Set: entries_.insert_or_assign(message.key, message.payload); return;
    case StateEffect::Erase: entries_.erase(message.key); return;
  }
}

void StateModel::apply_received(std::string_view topic, std::string_view payload) {
  const nlohmann::json parsed = parse_object(topic, payload);
  BusMessage message = classify_parsed(topic, parsed);
  // Stored canonically (a compact nlohmann dump, keys sorted) so that equal states compare equal.
  if (message.effect == StateEffect::Set) message.payload = parsed.dump();
  apply(message);
}

BusMessage StateModel::classify(std::string_view topic, std::string_view payload) {
  BusMessage message = classify_parsed(topic, parse_object(topic, payload));
  message.payload = std::string(payload);
  return message;
}

std::string StateModel::to_json() const {
  std::string text = "{";
  for (const auto& [key, payload] : entries_) {
    if (text.size() > 1) text += ',';
    text += nlohmann::json(key).dump();
    text += ':';
    text += payload;  // already a JSON object: inserted verbatim rather than parsed and re-dumped
  }
  text += '}';
  return text;
}

void StateModel::load_json(std::string_view state_object) {
  const auto parsed = nlohmann::json::parse(state_object, nullptr, /*allow_exceptions=*/false);
  if (parsed.is_discarded() || !parsed.is_object())
    throw std::invalid_argument("snapshot state is not a JSON object");
  std::map<std::string, std::string> loaded;
  for (const auto& [key, payload] : parsed.items()) {
    if (!payload.is_object()) throw std::invalid_argument("snapshot state entry \"" + key + "\" is not a JSON object");
    loaded.emplace(key, payload.dump());
  }
  entries_ = std::move(loaded);
}

}  // namespace smoops::bus
