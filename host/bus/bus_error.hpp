#pragma once
// The one error type of host/bus: a socket that could not be set up or a peer that did not
// answer; the message names the endpoint.

#include <stdexcept>

namespace smoops::bus {

/// A bus failure naming the endpoint involved.
class BusError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace smoops::bus
