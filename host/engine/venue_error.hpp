#pragma once
// A venue would not have a bot: its exchange or feed could not connect (no credentials, keys the
// venue refused, an unreachable venue), or the instrument in its YAML disagrees with the venue's.
// smoops and smoopsd exit with kExitVenue when this stops them (docs/exit-codes.md).

#include <stdexcept>

namespace smoops::engine {

/// What() says which bot, which venue and why; never a secret.
class VenueError : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

}  // namespace smoops::engine
