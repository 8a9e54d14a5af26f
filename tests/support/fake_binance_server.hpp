#pragma once
// The fake Binance spot server (tests/support/fake_binance/, /work/notes/fake_binance_spec.md) as
// a real process for the length of a test: started with /usr/bin/python3 on a free loopback port
// (read from its port file), its base URLs, and its control API (/fake/...) through a small
// synchronous HTTP client. The destructor stops it with SIGTERM (SIGKILL if it lingers).

#include <signal.h>

#include <utility>  // before Asio (Boost 1.74 uses std::exchange without it)

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "support/child_process.hpp"
#include "support/test_paths.hpp"

namespace smoops::test {

/// How to start the fake (the spec's command line).
struct FakeBinanceOptions {
  std::filesystem::path klines_csv;  ///< the project's OHLCV CSV: kline history and replay
  std::string interval = "1m";
  int start_bar = 0;  ///< bars before this index are closed history at start
  std::string symbol = "BTCUSDT";
  std::string base = "BTC";
  std::string quote = "USDT";
  std::string tick_size = "0.01";
  std::string lot_size = "0.00001";
  std::string min_notional = "5";
  std::string api_key = "test-api-key";
  std::string secret = "test-secret";
  std::optional<std::filesystem::path> ed25519_public_key = std::nullopt;  ///< PEM: signatures are Ed25519
  std::vector<std::string> balances = {"USDT=10000", "BTC=1"};
  std::string commission_bps = "10";
  int weight_limit = 6000;
  std::optional<double> ping_interval_s = std::nullopt;
  bool market_orders_fill_at_once = false;  ///< as on Binance, instead of when the current bar closes
};

/// A running fake Binance server.
class FakeBinanceServer {
 public:
  FakeBinanceServer(const FakeBinanceOptions& options, const std::filesystem::path& scratch_dir) {
    const auto port_file = scratch_dir / "fake_binance.port";
    std::vector<std::string> argv = {"/usr/bin/python3",
                                     (test_source_dir() / "support/fake_binance/fake_binance.py").string(),
                                     "--port", "0", "--port-file", port_file.string(),
                                     "--symbol", options.symbol, "--base", options.base, "--quote", options.quote,
                                     "--tick-size", options.tick_size, "--lot-size", options.lot_size,
                                     "--min-notional", options.min_notional,
                                     "--klines", options.klines_csv.string(), "--interval", options.interval,
                                     "--start-bar", std::to_string(options.start_bar),
                                     "--api-key", options.api_key, "--secret", options.secret,
                                     "--commission-bps", options.commission_bps,
                                     "--weight-limit", std::to_string(options.weight_limit),
                                     "--log", (scratch_dir / "fake_binance.log").string()};
    if (options.ed25519_public_key) {
      argv.push_back("--ed25519-public-key");
      argv.push_back(options.ed25519_public_key->string());
    }
    if (options.market_orders_fill_at_once) argv.push_back("--market-orders-fill-at-once");
    if (options.ping_interval_s) {
      argv.push_back("--ping-interval-s");
      argv.push_back(std::to_string(*options.ping_interval_s));
    }
    for (const auto& balance : options.balances) {
      argv.push_back("--balance");
      argv.push_back(balance);
    }
    log_file_ = scratch_dir / "fake_binance.log";
    process_ = std::make_unique<ChildProcess>(argv, scratch_dir, "fake_binance");
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (!std::filesystem::exists(port_file)) {
      if (!process_->running())
        throw std::runtime_error("fake_binance exited at start: " + process_->err());
      if (std::chrono::steady_clock::now() > until) throw std::runtime_error("fake_binance wrote no port file in 20 s");
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::ifstream(port_file) >> port_;
  }
  ~FakeBinanceServer() {
    process_->signal(SIGTERM);
    process_->wait(std::chrono::seconds(5));  // the ChildProcess destructor kills a lingering one
  }
  FakeBinanceServer(const FakeBinanceServer&) = delete;
  FakeBinanceServer& operator=(const FakeBinanceServer&) = delete;

  int port() const { return port_; }
  /// base_url, stream_url and ws_api_url for the connector.
  std::string rest_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::string stream_url() const { return "ws://127.0.0.1:" + std::to_string(port_); }
  std::string ws_api_url() const { return "ws://127.0.0.1:" + std::to_string(port_) + "/ws-api/v3"; }

  /// GET /fake/state: orders (with `submissions`), trades, balances, current_bar, weight_used, requests.
  nlohmann::json state() const { return nlohmann::json::parse(request("GET", "/fake/state", "")); }
  /// How many requests `what` ("POST /api/v3/order") the fake served.
  int requests(const std::string& what) const { return state()["requests"].value(what, 0); }
  /// POST /fake/faults with `faults` (a JSON object as the spec lists).
  void faults(const nlohmann::json& faults) const { request("POST", "/fake/faults", faults.dump()); }
  void reset_faults() const { request("POST", "/fake/reset_faults", ""); }
  /// Closes `bars` bars; the closed index and open time of the last.
  nlohmann::json advance(int bars = 1) const {
    return nlohmann::json::parse(request("POST", "/fake/advance", nlohmann::json{{"bars", bars}}.dump()));
  }
  /// The fake's own log (for failure messages).
  std::string log() const {
    std::ifstream in(log_file_);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }

  /// One HTTP request to the fake; the body of a 2xx answer, else throws with status and body.
  std::string request(const std::string& method, const std::string& target, const std::string& body) const {
    namespace beast = boost::beast;
    namespace http = beast::http;
    boost::asio::io_context ioc;
    boost::asio::ip::tcp::resolver resolver(ioc);
    beast::tcp_stream stream(ioc);
    stream.connect(resolver.resolve("127.0.0.1", std::to_string(port_)));
    http::request<http::string_body> req(http::string_to_verb(method), target, 11);
    req.set(http::field::host, "127.0.0.1");
    if (!body.empty()) req.set(http::field::content_type, "application/json");
    req.body() = body;
    req.prepare_payload();
    http::write(stream, req);
    beast::flat_buffer buffer;
    http::response<http::string_body> res;
    http::read(stream, buffer, res);
    beast::error_code ignored;
    stream.socket().shutdown(boost::asio::ip::tcp::socket::shutdown_both, ignored);
    if (res.result_int() >= 300)
      throw std::runtime_error("fake_binance " + method + " " + target + ": HTTP " + std::to_string(res.result_int()) +
                               ": " + res.body());
    return res.body();
  }

 private:
  std::unique_ptr<ChildProcess> process_;
  std::filesystem::path log_file_;
  int port_ = 0;
};

}  // namespace smoops::test
