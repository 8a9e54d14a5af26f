#include "server_clock.hpp"

#include <chrono>

namespace smoops::binance {

std::int64_t ServerClock::local_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace smoops::binance
