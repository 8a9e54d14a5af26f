#pragma once
// How `smoops watch` prints a published event: one line per message,
//   12:00:01.123 #1234 btc-sma order t-17 buy market 1 filled
// with the details of each kind (order, fill, position, equity, status, log) picked from the
// JSON payload; fields that are missing are left out, unknown kinds print their JSON.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

namespace smoops::cli {

/// "HH:MM:SS.mmm #SEQ BOT KIND DETAILS", in UTC; the time is the payload's "ts" (milliseconds
/// since the epoch) when it has one, else `received`.
std::string format_event(std::string_view topic, std::uint64_t sequence, std::string_view payload,
                         std::chrono::system_clock::time_point received);

}  // namespace smoops::cli
