#pragma once
// The venue's clock as this machine sees it: the local clock plus the offset measured with
// GET /api/v3/time. Signed requests carry this time as `timestamp`; a -1021 answer ("Timestamp
// for this request is outside of the recvWindow") makes the connector measure it again.
// Thread-safe.

#include <atomic>
#include <cstdint>

namespace smoops::binance {

/// Local time corrected by the last measured offset to the venue's.
class ServerClock {
 public:
  /// Milliseconds since the epoch on the local clock.
  static std::int64_t local_ms();
  /// The venue's time now, as best known.
  std::int64_t now_ms() const { return local_ms() + offset_ms_.load(); }
  /// Records a measurement: the venue said `server_ms` to a request sent at local `sent_ms` and
  /// answered at local `received_ms` (the venue's reading is taken as the midpoint).
  void measured(std::int64_t server_ms, std::int64_t sent_ms, std::int64_t received_ms) {
    offset_ms_.store(server_ms - (sent_ms + received_ms) / 2);
  }
  std::int64_t offset_ms() const { return offset_ms_.load(); }

 private:
  std::atomic<std::int64_t> offset_ms_{0};
};

}  // namespace smoops::binance
