#pragma once
// The "binance" exchange plugin class: Binance spot through its REST API, market streams and the
// user data stream of the WebSocket API. Behaviour and parameters: docs/binance.md.
//
// Threads: connect, submit, cancel, the queries and disconnect run on the bot's thread; submit and
// cancel only queue work for the order worker's thread (order_worker.hpp); each stream has its
// own thread (kline_stream.hpp, user_data_stream.hpp). Events reach the host from those threads
// through the thread-safe ExchangeEvents; none after disconnect returns.

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "binance_params.hpp"
#include "binance_types.hpp"
#include "smoops/exchange.hpp"
#include "smoops/params.hpp"

namespace smoops::binance {

class BinanceRest;
class KlineStream;
class OrderTracker;
class OrderWorker;
class RequestSigner;
class StopSignal;
class UserDataStream;

/// The Binance spot connector.
class BinanceExchange : public Exchange {
 public:
  /// Validates `params` (BinanceParams); throws ParamError.
  explicit BinanceExchange(const Params& params);
  ~BinanceExchange() override;

  /// Reads the symbol's rules (exchangeInfo) and the venue's clock; unless market_data_only,
  /// checks the API key with GET /api/v3/account and starts the user data stream. Throws with a
  /// message that names the credentials (never their key or secret) when they are missing or refused.
  void connect(const ExchangeSession& session) override;
  void disconnect() override;
  std::vector<Instrument> instruments() override;
  void subscribe(const Subscription& subscription) override;
  void submit(const Order& order) override;
  void cancel(const Order& order) override;
  std::vector<Order> open_orders() override;
  std::vector<Balance> balances() override;
  std::optional<Order> query_order(const std::string& client_order_id) override;
  std::vector<Fill> order_fills(const std::string& client_order_id) override;
  std::vector<Bar> bar_history(const BarHistoryRequest& request) override;

 private:
  BinanceRest& rest();
  void require_trading(const char* what) const;
  void start_account(const ExchangeSession& session);
  std::vector<VenueTrade> trades_of(std::int64_t order_id);

  BinanceParams params_;
  ExchangeEvents* events_ = nullptr;
  Logger* log_ = nullptr;
  std::unique_ptr<Logger> null_log_;
  bool market_data_only_ = true;
  std::optional<SymbolInfo> symbol_;
  std::unique_ptr<StopSignal> stop_;
  std::unique_ptr<BinanceRest> rest_;
  std::unique_ptr<RequestSigner> signer_;
  std::unique_ptr<OrderTracker> tracker_;
  std::unique_ptr<OrderWorker> worker_;
  std::unique_ptr<UserDataStream> user_stream_;
  std::vector<std::unique_ptr<KlineStream>> streams_;
};

}  // namespace smoops::binance
