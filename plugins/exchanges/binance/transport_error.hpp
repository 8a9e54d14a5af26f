#pragma once
// A request or connection that failed below HTTP: no answer came (refused, timed out, dropped).

#include <stdexcept>
#include <string>

namespace smoops::binance {

/// The network failed; `maybe_delivered` says whether the request may have reached the venue
/// (it was fully written before the failure), in which case its outcome is unknown.
class TransportError : public std::runtime_error {
 public:
  TransportError(const std::string& what, bool maybe_delivered)
      : std::runtime_error(what), maybe_delivered_(maybe_delivered) {}
  bool maybe_delivered() const { return maybe_delivered_; }

 private:
  bool maybe_delivered_;
};

}  // namespace smoops::binance
