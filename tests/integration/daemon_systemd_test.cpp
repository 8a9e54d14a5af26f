// smoopsd under systemd's notify protocol: a datagram socket stands in for systemd (the protocol
// is one datagram per state change to $NOTIFY_SOCKET), and the real daemon must say READY=1 once
// its bots run, ping the watchdog at half of $WATCHDOG_USEC, and say STOPPING=1 on SIGTERM.

#include <gtest/gtest.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <vector>

#include "support/daemon_fixture.hpp"

namespace smoops {
namespace {

using namespace std::chrono_literals;

// A bound AF_UNIX datagram socket, unbound and closed at the end.
class NotifySocket {
 public:
  explicit NotifySocket(std::filesystem::path path) : path_(std::move(path)) {
    fd_ = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    sockaddr_un address{};
    address.sun_family = AF_UNIX;
    std::snprintf(address.sun_path, sizeof(address.sun_path), "%s", path_.c_str());
    if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&address), sizeof(address)) != 0)
      throw std::runtime_error("cannot bind " + path_.string());
    timeval timeout{0, 100'000};
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
  }
  ~NotifySocket() {
    ::close(fd_);
    std::filesystem::remove(path_);
  }
  /// Every datagram received until `deadline` or until one contains `wanted`.
  std::vector<std::string> receive_until(const std::string& wanted, std::chrono::steady_clock::time_point deadline) {
    std::vector<std::string> received;
    char buffer[4096];
    while (std::chrono::steady_clock::now() < deadline) {
      const ssize_t n = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (n <= 0) continue;
      received.emplace_back(buffer, static_cast<std::size_t>(n));
      if (received.back().find(wanted) != std::string::npos) break;
    }
    return received;
  }

 private:
  std::filesystem::path path_;
  int fd_ = -1;
};

bool contains(const std::vector<std::string>& messages, const std::string& text) {
  for (const auto& m : messages)
    if (m.find(text) != std::string::npos) return true;
  return false;
}

TEST(DaemonSystemd, NotifiesReadyPingsTheWatchdogAndNotifiesStopping) {
  test::DaemonUnderTest daemon;
  daemon.write_bot("paper", test::bot_yaml("paper", "paper", "{plugin: sma_cross, params: {fast: 10, slow: 30, quantity: 0.1}}", "3000"));
  NotifySocket systemd(daemon.dir() / "notify.sock");
  ::setenv("NOTIFY_SOCKET", (daemon.dir() / "notify.sock").c_str(), 1);
  ::setenv("WATCHDOG_USEC", "200000", 1);  // ping every 100 ms
  daemon.start();
  ::unsetenv("NOTIFY_SOCKET");
  ::unsetenv("WATCHDOG_USEC");

  const auto ready = systemd.receive_until("READY=1", std::chrono::steady_clock::now() + 5s);
  ASSERT_TRUE(contains(ready, "READY=1")) << "no READY=1";
  const auto pings = systemd.receive_until("never", std::chrono::steady_clock::now() + 1s);
  std::size_t watchdog = 0;
  for (const auto& m : pings) watchdog += m == "WATCHDOG=1";
  EXPECT_GE(watchdog, 5u) << "a ping every 100 ms for 1 s";

  ASSERT_EQ(daemon.stop(SIGTERM), 0);
  const auto stopping = systemd.receive_until("STOPPING=1", std::chrono::steady_clock::now() + 2s);
  EXPECT_TRUE(contains(stopping, "STOPPING=1"));
}

}  // namespace
}  // namespace smoops
