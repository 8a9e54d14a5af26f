#include "engine/event_queue.hpp"

#include <algorithm>
#include <stdexcept>

namespace smoops::engine {

EventQueue::EventQueue(std::size_t capacity) : capacity_(capacity) {
  if (capacity == 0) throw std::invalid_argument("EventQueue: capacity must be positive");
}

bool EventQueue::push(QueuedEvent event) {
  std::unique_lock lock(mutex_);
  if (!closed_ && events_.size() >= capacity_) {
    ++stats_.producer_waits;
    not_full_.wait(lock, [&] { return closed_ || events_.size() < capacity_; });
  }
  if (closed_) return false;
  events_.push_back(std::move(event));
  ++stats_.pushed;
  stats_.max_depth = std::max(stats_.max_depth, events_.size());
  lock.unlock();
  not_empty_.notify_one();
  return true;
}

std::size_t EventQueue::take_all(std::deque<QueuedEvent>& out) {
  std::size_t taken = 0;
  {
    std::lock_guard lock(mutex_);
    taken = events_.size();
    if (taken == 0) return 0;
    if (out.empty()) {
      out.swap(events_);
    } else {
      std::move(events_.begin(), events_.end(), std::back_inserter(out));
      events_.clear();
    }
  }
  not_full_.notify_all();
  return taken;
}

bool EventQueue::wait(std::chrono::steady_clock::time_point deadline) {
  std::unique_lock lock(mutex_);
  not_empty_.wait_until(lock, deadline, [&] { return !events_.empty() || woken_; });
  woken_ = false;
  return !events_.empty();
}

void EventQueue::wake() {
  {
    std::lock_guard lock(mutex_);
    woken_ = true;
  }
  not_empty_.notify_all();
}

void EventQueue::close() {
  {
    std::lock_guard lock(mutex_);
    closed_ = true;
  }
  not_full_.notify_all();
}

bool EventQueue::closed() const {
  std::lock_guard lock(mutex_);
  return closed_;
}

std::size_t EventQueue::size() const {
  std::lock_guard lock(mutex_);
  return events_.size();
}

EventQueueStats EventQueue::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace smoops::engine
