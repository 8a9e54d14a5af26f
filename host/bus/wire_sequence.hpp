#pragma once
// The sequence frame of a published message: a u64, big-endian, 8 bytes, so that any language
// reads it without knowing the daemon's byte order.

#include <array>
#include <cstdint>
#include <optional>
#include <string_view>

namespace smoops::bus {

inline constexpr std::size_t kSequenceFrameBytes = 8;

inline std::array<std::uint8_t, kSequenceFrameBytes> encode_sequence(std::uint64_t sequence) {
  std::array<std::uint8_t, kSequenceFrameBytes> bytes{};
  for (std::size_t i = 0; i < kSequenceFrameBytes; ++i)
    bytes[i] = static_cast<std::uint8_t>(sequence >> (8 * (kSequenceFrameBytes - 1 - i)));
  return bytes;
}

/// The sequence in `frame`, or nullopt when it is not exactly 8 bytes.
inline std::optional<std::uint64_t> decode_sequence(std::string_view frame) {
  if (frame.size() != kSequenceFrameBytes) return std::nullopt;
  std::uint64_t sequence = 0;
  for (char byte : frame) sequence = (sequence << 8) | static_cast<std::uint8_t>(byte);
  return sequence;
}

}  // namespace smoops::bus
