#pragma once
// Signs request payloads with the account's key: HMAC-SHA256 (hex) for "hmac" credentials,
// Ed25519 (base64) for "ed25519" ones (rest-api.md, "SIGNED Endpoint Examples for POST
// /api/v3/order"). The secret is read once, at construction, into an OpenSSL key object, which is
// freed (and wiped by OpenSSL) with the signer; no std::string ever holds it.

#include <memory>
#include <string>
#include <string_view>

namespace smoops::binance {

/// The kind of API key.
enum class KeyType { Hmac, Ed25519 };

/// A request signer. Thread-safe (each signature uses its own OpenSSL context).
class RequestSigner {
 public:
  /// `key_type` is ExchangeSession::credentials.key_type ("hmac" or "ed25519"); `secret` the HMAC
  /// secret or the Ed25519 private key in PEM (PKCS#8). Throws std::invalid_argument naming
  /// `credentials_name` (never the secret) when the key type is unknown or the key unreadable.
  RequestSigner(std::string_view key_type, std::string_view secret, std::string_view credentials_name);
  ~RequestSigner();
  RequestSigner(const RequestSigner&) = delete;
  RequestSigner& operator=(const RequestSigner&) = delete;

  KeyType key_type() const { return type_; }
  /// The signature of `payload`: lowercase hex for HMAC, standard base64 for Ed25519.
  std::string sign(std::string_view payload) const;

 private:
  struct Key;
  KeyType type_;
  std::unique_ptr<Key> key_;
};

}  // namespace smoops::binance
