#pragma once
// One exchange credential: an API key and its secret (an HMAC secret, or an Ed25519 private key
// in PEM), and what may be shown of it (name, type, key fingerprint, creation time).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "credentials/secret_string.hpp"

namespace smoops::credentials {

/// How the venue checks requests signed with the secret.
enum class KeyType {
  Hmac,     ///< the secret is a shared string (HMAC-SHA256)
  Ed25519,  ///< the secret is an Ed25519 private key in PEM ("-----BEGIN PRIVATE KEY-----" ...)
};

/// "hmac" or "ed25519".
std::string_view key_type_name(KeyType type);
/// The type named `name`, or nullopt.
std::optional<KeyType> parse_key_type(std::string_view name);

/// A decrypted credential. Move-only: the key and secret live in locked memory.
struct Credential {
  std::string name;
  KeyType type = KeyType::Hmac;
  SecretString api_key;
  SecretString secret;
};

/// What `list` shows of a credential without decrypting it.
struct CredentialInfo {
  std::string name;
  KeyType type = KeyType::Hmac;
  std::string fingerprint;  ///< first 8 hex digits of SHA-256(API key)
  std::string created;      ///< UTC, "2026-01-31T12:00:00Z"
};

/// The fingerprint of an API key: the first 8 hex digits of its SHA-256.
std::string key_fingerprint(const SecretString& api_key);

/// True when `name` can name a credential: 1 to 64 of [A-Za-z0-9_.-], not "." or "..".
bool valid_credential_name(std::string_view name);

/// Argon2id cost when a passphrase seals a file; stored in each file's header.
struct KdfLimits {
  unsigned long long ops;  ///< passes over memory
  std::size_t mem_bytes;   ///< memory used
};
/// libsodium's "moderate" limits (crypto_pwhash_OPSLIMIT_MODERATE, MEMLIMIT_MODERATE): 3 passes
/// over 256 MiB, about half a second to a second on a current core.
inline constexpr KdfLimits kModerateKdfLimits{3, 256u * 1024 * 1024};

}  // namespace smoops::credentials
