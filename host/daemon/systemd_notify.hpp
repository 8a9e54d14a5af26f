#pragma once
// The sd_notify protocol without libsystemd: one datagram to $NOTIFY_SOCKET per state change.
// Outside systemd (no NOTIFY_SOCKET) every call does nothing.

#include <chrono>
#include <optional>
#include <string>

namespace smoops::daemon {

/// Sends `state` (e.g. "READY=1", "STOPPING=1", "WATCHDOG=1", "STATUS=...") to systemd; false
/// when not under systemd or the send failed.
bool notify_systemd(const std::string& state);

/// Half of $WATCHDOG_USEC (how often to send WATCHDOG=1), when systemd's watchdog is on for us.
std::optional<std::chrono::milliseconds> watchdog_interval();

}  // namespace smoops::daemon
