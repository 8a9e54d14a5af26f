#pragma once
// What unlocks the credential files: a passphrase (stretched with Argon2id, a salt per file) or
// a key file holding a 32-byte key. Where it comes from, in this order: --key-file FILE,
// $CREDENTIALS_DIRECTORY/smoops-credentials-key (systemd LoadCredentialEncrypted=),
// $SMOOPS_CREDENTIALS_KEY_FILE, else a passphrase from the terminal or stdin (the caller's).

#include <filesystem>
#include <optional>
#include <string>

#include "credentials/secret_string.hpp"

namespace smoops::credentials {

/// The credential name systemd hands the key file under: $CREDENTIALS_DIRECTORY/<this>.
inline constexpr const char* kSystemdKeyName = "smoops-credentials-key";
/// The environment variable naming a key file.
inline constexpr const char* kKeyFileVariable = "SMOOPS_CREDENTIALS_KEY_FILE";
/// Bytes of a key file's key (and of the key derived from a passphrase).
inline constexpr std::size_t kKeyBytes = 32;

/// A passphrase or a key, and where it came from (for messages; never the secret itself).
class KeySource {
 public:
  enum class Kind { Passphrase, KeyFile };

  /// A passphrase; an empty one is refused (CredentialError KeySource).
  static KeySource passphrase(SecretString passphrase);
  /// The key in `file`: exactly 32 bytes, or 64 hex digits (a final end of line allowed).
  /// CredentialError KeySource when it cannot be read or holds anything else.
  static KeySource key_file(const std::filesystem::path& file);

  Kind kind() const { return kind_; }
  /// "passphrase" or "key file PATH".
  const std::string& description() const { return description_; }
  /// The passphrase, or the 32-byte key.
  const SecretString& material() const { return material_; }

 private:
  KeySource(Kind kind, SecretString material, std::string description)
      : kind_(kind), material_(std::move(material)), description_(std::move(description)) {}

  Kind kind_;
  SecretString material_;
  std::string description_;
};

/// The key file to use, if any: `key_file_option` (--key-file), else
/// $CREDENTIALS_DIRECTORY/smoops-credentials-key when that file exists, else
/// $SMOOPS_CREDENTIALS_KEY_FILE when set. nullopt: ask for a passphrase.
std::optional<std::filesystem::path> find_key_file(const std::optional<std::filesystem::path>& key_file_option);

}  // namespace smoops::credentials
