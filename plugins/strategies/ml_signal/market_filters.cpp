#include "market_filters.hpp"

#include <stdexcept>

namespace smoops::ml_signal {

TrendFilter::TrendFilter(Duration timeframe, std::size_t sma) : timeframe_nanos_(timeframe.nanos), closes_(sma) {
  if (timeframe.nanos <= 0 || sma == 0) throw std::invalid_argument("TrendFilter needs a positive timeframe and sma");
}

void TrendFilter::on_bar(Timestamp ts, double close) {
  // Floor division, so bars before 1970 still land in the right bucket.
  std::int64_t bucket = ts.nanos / timeframe_nanos_;
  if (ts.nanos % timeframe_nanos_ < 0) --bucket;
  if (has_bucket_ && bucket != bucket_) close_bucket();
  has_bucket_ = true;
  bucket_ = bucket;
  bucket_close_ = close;
}

void TrendFilter::close_bucket() {
  closes_[closed_ % closes_.size()] = bucket_close_;
  ++closed_;
  if (!ready()) return;
  double sum = 0;
  for (double c : closes_) sum += c;
  gap_ = bucket_close_ / (sum / static_cast<double>(closes_.size())) - 1;
}

}  // namespace smoops::ml_signal
