#include "binance_exchange.hpp"

#include <algorithm>
#include <stdexcept>

#include "binance_rest.hpp"
#include "binance_symbols.hpp"
#include "kline_history.hpp"
#include "kline_stream.hpp"
#include "order_mapping.hpp"
#include "order_tracker.hpp"
#include "order_worker.hpp"
#include "request_signer.hpp"
#include "stop_signal.hpp"
#include "user_data_stream.hpp"

namespace smoops::binance {
namespace {

class NullLogger final : public Logger {
 public:
  void log(LogLevel, std::string_view) override {}
  bool enabled(LogLevel) const override { return false; }
};

std::string refused_key(std::string_view credentials_name, const std::string& venue_message) {
  return "the venue refused the API key of credentials '" + std::string(credentials_name) + "': " + venue_message;
}

}  // namespace

BinanceExchange::BinanceExchange(const Params& params)
    : params_(BinanceParams::from(params)), null_log_(std::make_unique<NullLogger>()), stop_(std::make_unique<StopSignal>()) {
  log_ = null_log_.get();
}

BinanceExchange::~BinanceExchange() { disconnect(); }

BinanceRest& BinanceExchange::rest() {
  if (!rest_) rest_ = std::make_unique<BinanceRest>(params_, *log_, *stop_);
  return *rest_;
}

void BinanceExchange::connect(const ExchangeSession& session) {
  events_ = session.events;
  if (session.log) log_ = session.log;
  market_data_only_ = session.market_data_only;
  rest_.reset();
  rest().sync_time();
  if (!session.instrument.symbol.empty()) {
    symbol_ = rest_->exchange_info(venue_symbol(session.instrument.symbol));
    if (symbol_->status != "TRADING")
      log_->warn("binance: " + symbol_->venue_symbol + " has status " + symbol_->status + " on the venue");
  }
  if (market_data_only_) return;
  if (!events_) throw std::invalid_argument("binance: connect without an events sink");
  if (!symbol_) throw std::invalid_argument("binance: the bot names no instrument symbol to trade");
  if (session.credentials.empty())
    throw std::runtime_error(
        "binance: trading needs API credentials: set the bot's exchange.params.credentials to the name of "
        "credentials stored with `smoops credentials add NAME` (or use this exchange as a market data feed only)");
  start_account(session);
}

void BinanceExchange::start_account(const ExchangeSession& session) {
  const ApiCredentials& credentials = session.credentials;
  signer_ = std::make_unique<RequestSigner>(credentials.key_type, credentials.secret, credentials.name);
  rest_->set_credentials(signer_.get(), credentials.api_key);
  try {
    rest_->balances();  // proves the key and its signature before anything trades
  } catch (const VenueError& e) {
    if (is_key_refusal(e.code())) throw std::runtime_error(refused_key(credentials.name, e.venue_message()));
    throw;
  }
  tracker_ = std::make_unique<OrderTracker>(*events_, *log_, symbol_->instrument,
                                            [this](std::int64_t order_id) { return trades_of(order_id); });
  worker_ = std::make_unique<OrderWorker>(*rest_, *tracker_, *events_, *log_, *stop_, symbol_->venue_symbol,
                                          params_.recv_window);
  user_stream_ = std::make_unique<UserDataStream>(params_, *rest_, *tracker_, *events_, *log_, *stop_, *signer_,
                                                  credentials.api_key, credentials.name, symbol_->venue_symbol);
  user_stream_->start();
}

void BinanceExchange::disconnect() {
  stop_->request_stop();  // wakes every backoff and rate-limit wait
  for (auto& stream : streams_) stream->stop();
  streams_.clear();
  user_stream_.reset();
  worker_.reset();
  tracker_.reset();
  if (rest_) rest_->set_credentials(nullptr, {});
  signer_.reset();  // the key object, derived from the secret the host wipes after we return
  events_ = nullptr;
}

void BinanceExchange::require_trading(const char* what) const {
  if (!tracker_)
    throw std::logic_error(std::string("binance: ") + what +
                           (market_data_only_ ? " on an exchange used as a market data feed only"
                                              : " before connect or after disconnect"));
}

std::vector<Instrument> BinanceExchange::instruments() {
  if (!symbol_) return {};
  return {symbol_->instrument};
}

void BinanceExchange::subscribe(const Subscription& subscription) {
  if (!events_) throw std::logic_error("binance: subscribe before connect");
  if (subscription.bars && !is_kline_interval(subscription.bar_interval))
    throw std::invalid_argument("binance: bar interval '" + subscription.bar_interval +
                                "' is not one of 1s 1m 3m 5m 15m 30m 1h 2h 4h 6h 8h 12h 1d 3d 1w 1M");
  auto stream = std::make_unique<KlineStream>(params_, rest(), *events_, *log_, *stop_, subscription,
                                              venue_symbol(subscription.symbol));
  stream->start();
  streams_.push_back(std::move(stream));
}

void BinanceExchange::submit(const Order& order) {
  require_trading("submit");
  worker_->submit(order);
}

void BinanceExchange::cancel(const Order& order) {
  require_trading("cancel");
  worker_->cancel(order);
}

std::vector<Order> BinanceExchange::open_orders() {
  require_trading("open_orders");
  std::vector<Order> out;
  for (const VenueOrder& v : rest_->open_orders(symbol_->venue_symbol)) out.push_back(to_order(v, symbol_->instrument));
  return out;
}

std::vector<Balance> BinanceExchange::balances() {
  require_trading("balances");
  return rest_->balances();
}

std::vector<VenueTrade> BinanceExchange::trades_of(std::int64_t order_id) {
  std::vector<VenueTrade> all;
  std::optional<std::int64_t> from;
  for (;;) {
    const auto page = rest_->my_trades(symbol_->venue_symbol, order_id, from, 1000);
    all.insert(all.end(), page.begin(), page.end());
    if (page.size() < 1000) break;
    from = page.back().id + 1;
  }
  std::sort(all.begin(), all.end(), [](const VenueTrade& a, const VenueTrade& b) { return a.id < b.id; });
  return all;
}

std::optional<Order> BinanceExchange::query_order(const std::string& client_order_id) {
  require_trading("query_order");
  const auto venue = rest_->query_order(symbol_->venue_symbol, client_order_id);
  if (!venue) return std::nullopt;
  tracker_->track_recovered(*venue);
  return to_order(*venue, symbol_->instrument);
}

std::vector<Fill> BinanceExchange::order_fills(const std::string& client_order_id) {
  require_trading("order_fills");
  const auto venue = rest_->query_order(symbol_->venue_symbol, client_order_id);
  if (!venue) return {};
  const std::vector<VenueTrade> trades = trades_of(venue->order_id);
  tracker_->track_recovered(*venue);
  tracker_->note_booked(client_order_id, trades);
  const Side side = order_side(venue->side).value_or(Side::Buy);
  std::vector<Fill> fills;
  for (const VenueTrade& trade : trades) {
    std::string note;
    fills.push_back(to_fill(trade, client_order_id, side, symbol_->instrument, &note));
    if (!note.empty()) log_->warn("binance: " + note);
  }
  return fills;
}

std::vector<Bar> BinanceExchange::bar_history(const BarHistoryRequest& request) {
  if (!is_kline_interval(request.bar_interval))
    throw std::invalid_argument("binance: bar interval '" + request.bar_interval + "' is not a Binance kline interval");
  std::optional<std::int64_t> from, to;
  if (request.from) from = request.from->millis();
  if (request.to) to = request.to->millis();
  const int limit = static_cast<int>(std::min<std::size_t>(request.limit, 1000));
  return closed_bars(rest(), venue_symbol(request.symbol), request.bar_interval, from, to, limit);
}

}  // namespace smoops::binance
