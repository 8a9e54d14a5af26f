#pragma once
// One published event: `[topic][sequence u64 big-endian][JSON payload]` on the wire. The
// publisher assigns the sequence; the producer says what the message does to the published state
// (the snapshot a late subscriber starts from), so the publisher never parses JSON.

#include <string>
#include <string_view>

namespace smoops::bus {

/// The topic of the greeting the publisher sends when a subscription arrives (an event, part of
/// the sequence); a subscriber waits for it before asking for a snapshot.
inline constexpr std::string_view kHelloTopic = "bus.hello";

/// What a message does to the published state.
enum class StateEffect : unsigned char {
  None,    ///< an event only (fill, log): not part of the state
  Set,     ///< state[key] = payload (position, equity, status, an open order)
  Erase,   ///< state.erase(key) (an order that ended)
};

/// A message on its way to the publisher.
struct BusMessage {
  std::string topic;    ///< e.g. "bot.btc-sma.order"
  std::string payload;  ///< a JSON object, UTF-8
  StateEffect effect = StateEffect::None;
  std::string key;      ///< the state key for Set/Erase (see docs/messages.md: "State keys")
};

}  // namespace smoops::bus
