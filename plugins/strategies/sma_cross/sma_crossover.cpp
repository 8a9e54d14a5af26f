#include "sma_crossover.hpp"

#include <stdexcept>
#include <string>

namespace smoops::sma_cross {

SmaCrossover::SmaCrossover(std::size_t fast, std::size_t slow) : fast_(fast), slow_(slow), window_(slow) {
  if (fast == 0 || fast >= slow)
    throw std::invalid_argument("SmaCrossover: need 1 <= fast < slow, got fast " + std::to_string(fast) +
                                " and slow " + std::to_string(slow));
}

Crossover SmaCrossover::on_close(Price close) {
  const std::int64_t raw = close.raw();
  // The close leaving the fast window is `fast_` places back; the one leaving the slow window is
  // the slot about to be overwritten.
  if (seen_ >= fast_) fast_sum_ -= window_[(seen_ - fast_) % slow_];
  std::int64_t& slot = window_[seen_ % slow_];
  if (seen_ >= slow_) slow_sum_ -= slot;
  slot = raw;
  fast_sum_ += raw;
  slow_sum_ += raw;
  ++seen_;
  if (seen_ < slow_) return Crossover::None;

  const __int128 difference = fast_sum_ * static_cast<__int128>(slow_) - slow_sum_ * static_cast<__int128>(fast_);
  const int sign = (difference > 0) - (difference < 0);
  Crossover crossover = Crossover::None;
  if (sign > 0 && last_nonzero_sign_ < 0) crossover = Crossover::Above;
  if (sign < 0 && last_nonzero_sign_ > 0) crossover = Crossover::Below;
  if (sign != 0) last_nonzero_sign_ = sign;
  return crossover;
}

}  // namespace smoops::sma_cross
