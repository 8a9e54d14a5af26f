#include "request_signer.hpp"

#include <openssl/bio.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <stdexcept>
#include <vector>

namespace smoops::binance {

struct RequestSigner::Key {
  EVP_PKEY* pkey = nullptr;
  ~Key() { EVP_PKEY_free(pkey); }
};

namespace {

struct DigestContext {
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  ~DigestContext() { EVP_MD_CTX_free(ctx); }
};

std::string hex(const unsigned char* bytes, std::size_t size) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out += kHex[bytes[i] >> 4];
    out += kHex[bytes[i] & 0x0f];
  }
  return out;
}

std::string base64(const unsigned char* bytes, std::size_t size) {
  std::string out(4 * ((size + 2) / 3), '\0');
  const int written = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()), bytes, static_cast<int>(size));
  out.resize(static_cast<std::size_t>(written));
  return out;
}

[[noreturn]] void refuse(std::string_view credentials_name, const std::string& why) {
  ERR_clear_error();  // OpenSSL's queue may describe the key; it is never shown
  throw std::invalid_argument("binance: credentials '" + std::string(credentials_name) + "': " + why);
}

}  // namespace

RequestSigner::RequestSigner(std::string_view key_type, std::string_view secret, std::string_view credentials_name)
    : key_(std::make_unique<Key>()) {
  if (secret.empty()) refuse(credentials_name, "the secret is empty");
  if (key_type == "hmac") {
    type_ = KeyType::Hmac;
    key_->pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_HMAC, nullptr,
                                              reinterpret_cast<const unsigned char*>(secret.data()), secret.size());
    if (!key_->pkey) refuse(credentials_name, "OpenSSL could not use the HMAC secret");
  } else if (key_type == "ed25519") {
    type_ = KeyType::Ed25519;
    BIO* bio = BIO_new_mem_buf(secret.data(), static_cast<int>(secret.size()));  // reads the view, no copy
    if (!bio) refuse(credentials_name, "out of memory");
    key_->pkey = PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr);
    BIO_free(bio);
    if (!key_->pkey || EVP_PKEY_get_base_id(key_->pkey) != EVP_PKEY_ED25519)
      refuse(credentials_name, "the secret is not an unencrypted Ed25519 private key in PEM (PKCS#8)");
  } else {
    refuse(credentials_name, "key type '" + std::string(key_type) + "' is not supported (binance takes hmac or ed25519)");
  }
}

RequestSigner::~RequestSigner() = default;

std::string RequestSigner::sign(std::string_view payload) const {
  DigestContext digest;
  if (!digest.ctx) throw std::runtime_error("binance: out of memory while signing");
  const EVP_MD* md = type_ == KeyType::Hmac ? EVP_sha256() : nullptr;  // Ed25519 hashes by itself
  if (EVP_DigestSignInit(digest.ctx, nullptr, md, nullptr, key_->pkey) != 1)
    throw std::runtime_error("binance: OpenSSL could not start a signature");
  std::size_t size = 0;
  const auto* data = reinterpret_cast<const unsigned char*>(payload.data());
  if (EVP_DigestSign(digest.ctx, nullptr, &size, data, payload.size()) != 1)
    throw std::runtime_error("binance: OpenSSL could not size a signature");
  std::vector<unsigned char> signature(size);
  if (EVP_DigestSign(digest.ctx, signature.data(), &size, data, payload.size()) != 1)
    throw std::runtime_error("binance: OpenSSL could not sign");
  return type_ == KeyType::Hmac ? hex(signature.data(), size) : base64(signature.data(), size);
}

}  // namespace smoops::binance
