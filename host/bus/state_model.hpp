#pragma once
// The published state: a map from state key to the JSON payload that last set it. The publisher
// keeps one to answer snapshot requests; a subscriber keeps one to follow the daemon. Both apply
// the same rules (docs/messages.md, "State keys"), so a late joiner that starts from a snapshot
// ends with exactly the state of a subscriber that saw every message.

#include <cstdint>
#include <map>
#include <string>
#include <string_view>

#include "bus/bus_message.hpp"

namespace smoops::bus {

/// Key → payload, ordered by key so that two equal states compare and print the same.
class StateModel {
 public:
  /// Applies a message whose effect the producer stated (publisher side).
  void apply(const BusMessage& message);
  /// Applies a received message by deriving its effect from topic and payload (subscriber
  /// side); throws std::invalid_argument for a payload that is not a JSON object.
  void apply_received(std::string_view topic, std::string_view payload);
  /// What a received message does to the state, and under which key.
  static BusMessage classify(std::string_view topic, std::string_view payload);

  const std::map<std::string, std::string>& entries() const { return entries_; }
  bool operator==(const StateModel&) const = default;

  /// The whole state as one JSON object {"key": payload, ...}.
  std::string to_json() const;
  /// Replaces the state with a snapshot's "state" object; throws std::invalid_argument if malformed.
  void load_json(std::string_view state_object);

 private:
  std::map<std::string, std::string> entries_;
};

}  // namespace smoops::bus
