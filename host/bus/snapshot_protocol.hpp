#pragma once
// The snapshot exchange between a CloneSubscriber (DEALER) and the Publisher (ROUTER): the
// client sends one frame "snapshot"; the publisher answers one frame of JSON,
// {"sequence": N, "state": {...}} or {"error": "..."}. See docs/messages.md.

#include <cstddef>
#include <string_view>

namespace smoops::bus {

inline constexpr std::string_view kSnapshotRequest = "snapshot";
/// Requests larger than this are refused without being read further.
inline constexpr std::size_t kMaxSnapshotRequestBytes = 1024;

}  // namespace smoops::bus
