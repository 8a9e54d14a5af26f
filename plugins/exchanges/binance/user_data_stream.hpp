#pragma once
// The account's user data stream on the WebSocket API (web-socket-api.md, "User Data Stream
// requests"; user-data-stream.md): subscribed with userDataStream.subscribe.signature for an HMAC
// key, with session.logon + userDataStream.subscribe for an Ed25519 one. executionReports go to
// the OrderTracker; a malformed message is reported through on_error and skipped. On its own
// thread; after a drop it reconnects with backoff, subscribes again and closes the gap: the
// trades since the last trade id seen (myTrades), then the state of every order the host still
// has working (openOrders, and a query for each of the others).

#include <cstdint>
#include <string>
#include <string_view>
#include <thread>

#include "binance_rest.hpp"
#include "order_tracker.hpp"
#include "reconnect_backoff.hpp"
#include "request_signer.hpp"
#include "ws_connection.hpp"

namespace smoops::binance {

/// The user data stream of one account.
class UserDataStream {
 public:
  /// `signer` and `api_key` must outlive the stream (until disconnect).
  UserDataStream(const BinanceParams& params, BinanceRest& rest, OrderTracker& tracker, ExchangeEvents& events,
                 Logger& log, StopSignal& stop, const RequestSigner& signer, std::string_view api_key,
                 std::string_view credentials_name, std::string venue_symbol);
  ~UserDataStream();
  UserDataStream(const UserDataStream&) = delete;
  UserDataStream& operator=(const UserDataStream&) = delete;

  /// Connects and subscribes on the calling thread (throws when that fails: a refused key says
  /// so, naming the credentials), then listens on its own thread.
  void start();
  /// Ends the thread; nothing is reported after it returns.
  void stop();

 private:
  void run();
  void open();
  /// Sends a request and handles what arrives until its answer; throws VenueError for an error answer.
  void call(const std::string& method, const std::string& params_json);
  /// Handles one message; returns the answer when it is one.
  void handle(const std::string& text, const std::string& awaited_id, bool& answered);
  void close_gap();
  std::string signed_params() const;

  const BinanceParams& params_;
  BinanceRest& rest_;
  OrderTracker& tracker_;
  ExchangeEvents& events_;
  Logger& log_;
  StopSignal& stop_;
  const RequestSigner& signer_;
  std::string_view api_key_;
  std::string credentials_name_;
  std::string venue_symbol_;
  WsConnection ws_;
  ReconnectBackoff backoff_;
  std::int64_t next_id_ = 1;
  std::thread thread_;
};

}  // namespace smoops::binance
