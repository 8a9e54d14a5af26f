#include "credentials/key_source.hpp"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "credentials/credential_error.hpp"

namespace smoops::credentials {
namespace {

constexpr std::size_t kMostKeyFileBytes = 4096;

/// The whole file, read straight into locked memory.
SecretString read_key_file(const std::filesystem::path& file) {
  const int fd = ::open(file.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0)
    throw CredentialError(CredentialError::Kind::KeySource,
                          "cannot read key file " + file.string() + ": " + std::strerror(errno));
  SecretString bytes;
  bytes.resize(kMostKeyFileBytes + 1);
  std::size_t used = 0;
  int read_errno = 0;
  while (used < bytes.size()) {
    const ssize_t n = ::read(fd, bytes.data() + used, bytes.size() - used);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) read_errno = errno;
    if (n <= 0) break;
    used += static_cast<std::size_t>(n);
  }
  ::close(fd);
  if (read_errno != 0)
    throw CredentialError(CredentialError::Kind::KeySource,
                          "cannot read key file " + file.string() + ": " + std::strerror(read_errno));
  bytes.resize(used);
  return bytes;
}

}  // namespace

KeySource KeySource::passphrase(SecretString passphrase) {
  if (passphrase.empty()) throw CredentialError(CredentialError::Kind::KeySource, "the passphrase is empty");
  return KeySource(Kind::Passphrase, std::move(passphrase), "passphrase");
}

KeySource KeySource::key_file(const std::filesystem::path& file) {
  SecretString bytes = read_key_file(file);
  if (bytes.size() == kKeyBytes) return KeySource(Kind::KeyFile, std::move(bytes), "key file " + file.string());
  while (!bytes.empty() && (bytes.reveal().back() == '\n' || bytes.reveal().back() == '\r')) bytes.pop_back();
  if (bytes.size() == 2 * kKeyBytes) {
    SecretString key;
    key.resize(kKeyBytes);
    std::size_t decoded = 0;
    if (sodium_hex2bin(reinterpret_cast<unsigned char*>(key.data()), key.size(), bytes.reveal().data(), bytes.size(),
                       nullptr, &decoded, nullptr) == 0 &&
        decoded == kKeyBytes)
      return KeySource(Kind::KeyFile, std::move(key), "key file " + file.string());
  }
  throw CredentialError(CredentialError::Kind::KeySource,
                        "key file " + file.string() + ": expected a 32-byte key (32 bytes, or 64 hex digits), found " +
                            std::to_string(bytes.size()) + " bytes");
}

std::optional<std::filesystem::path> find_key_file(const std::optional<std::filesystem::path>& key_file_option) {
  if (key_file_option) return key_file_option;
  if (const char* systemd_dir = std::getenv("CREDENTIALS_DIRECTORY"); systemd_dir && *systemd_dir) {
    const auto file = std::filesystem::path(systemd_dir) / kSystemdKeyName;
    std::error_code ignored;
    if (std::filesystem::exists(file, ignored)) return file;
  }
  if (const char* named = std::getenv(kKeyFileVariable); named && *named) return std::filesystem::path(named);
  return std::nullopt;
}

}  // namespace smoops::credentials
