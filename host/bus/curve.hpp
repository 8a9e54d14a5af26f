#pragma once
// CURVE security for sockets off loopback: the daemon's sockets are CURVE servers with the
// daemon's secret key and accept only clients whose public keys are listed in an authorized-keys
// file (checked by a ZAP handler); clients need their own key pair and the server's public key.
// Keys are Z85 text (40 characters), as zmq_curve_keypair makes them.

#include <memory>
#include <string>
#include <vector>

namespace zmq { class context_t; class socket_t; }

namespace smoops::bus {

/// A key pair in Z85.
struct CurveKeyPair {
  std::string public_key;
  std::string secret_key;
};

/// The daemon side: its key pair and the public keys it accepts.
struct CurveServer {
  CurveKeyPair keys;
  std::vector<std::string> authorized_client_keys;
};

/// A new random key pair.
CurveKeyPair generate_curve_key_pair();
/// Reads a secret key file (one Z85 line; the public key is derived); throws std::runtime_error naming the file.
CurveKeyPair load_curve_secret_key(const std::string& file);
/// Reads a public key file (one Z85 line).
std::string load_curve_public_key(const std::string& file);
/// Reads an authorized-keys file: one Z85 public key per line, '#' comments and blank lines allowed.
std::vector<std::string> load_authorized_keys(const std::string& file);

/// True for ipc://, inproc:// and tcp:// endpoints on 127.0.0.0/8, localhost or [::1].
bool is_loopback_endpoint(const std::string& endpoint);

/// Answers ZeroMQ's authentication requests (ZAP) for the process: CURVE clients whose key is
/// in the list are accepted, others refused and logged. One per context, alive while servers run.
class CurveAuthenticator {
 public:
  CurveAuthenticator(zmq::context_t& context, std::vector<std::string> authorized_client_keys);
  ~CurveAuthenticator();
  CurveAuthenticator(const CurveAuthenticator&) = delete;
  CurveAuthenticator& operator=(const CurveAuthenticator&) = delete;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

/// Makes `socket` a CURVE server with `server` keys (call before bind).
void make_curve_server(zmq::socket_t& socket, const CurveServer& server);
/// Makes `socket` a CURVE client of a server with `server_public_key` (call before connect).
void make_curve_client(zmq::socket_t& socket, const CurveKeyPair& client, const std::string& server_public_key);

}  // namespace smoops::bus
