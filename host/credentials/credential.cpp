#include "credentials/credential.hpp"

#include <sodium.h>

#include <array>

namespace smoops::credentials {

static_assert(kModerateKdfLimits.ops == crypto_pwhash_OPSLIMIT_MODERATE);
static_assert(kModerateKdfLimits.mem_bytes == crypto_pwhash_MEMLIMIT_MODERATE);

std::string_view key_type_name(KeyType type) { return type == KeyType::Ed25519 ? "ed25519" : "hmac"; }

std::optional<KeyType> parse_key_type(std::string_view name) {
  if (name == "hmac") return KeyType::Hmac;
  if (name == "ed25519") return KeyType::Ed25519;
  return std::nullopt;
}

std::string key_fingerprint(const SecretString& api_key) {
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256(digest.data(), reinterpret_cast<const unsigned char*>(api_key.reveal().data()), api_key.size());
  std::array<char, 2 * 4 + 1> hex{};
  sodium_bin2hex(hex.data(), hex.size(), digest.data(), 4);
  return hex.data();
}

bool valid_credential_name(std::string_view name) {
  if (name.empty() || name.size() > 64 || name == "." || name == "..") return false;
  for (const char c : name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-'))
      return false;
  return true;
}

}  // namespace smoops::credentials
