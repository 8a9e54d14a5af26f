#include "engine/exchange_event_sink.hpp"

#include <stdexcept>

namespace smoops::engine {

ExchangeEventSink::ExchangeEventSink(Deliver on_bot_thread, std::size_t capacity)
    : on_bot_thread_(std::move(on_bot_thread)), queue_(capacity) {
  if (!on_bot_thread_) throw std::invalid_argument("ExchangeEventSink: a delivery function is required");
}

void ExchangeEventSink::bind_to_current_thread() { bot_thread_.store(std::this_thread::get_id()); }

bool ExchangeEventSink::on_bot_thread() const { return bot_thread_.load() == std::this_thread::get_id(); }

void ExchangeEventSink::route(QueuedEvent event) {
  if (on_bot_thread()) {
    on_bot_thread_(std::move(event));
  } else {
    queue_.push(std::move(event));  // ignored once the queue is closed (after disconnect)
  }
}

}  // namespace smoops::engine
