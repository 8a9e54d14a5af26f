#pragma once
// The bytes of one credential file (docs/credentials.md#the-file): a text header in the clear
// (format version, name, type, key fingerprint, creation time, key derivation, nonce), a blank
// line, then the API key and secret sealed with XChaCha20-Poly1305. The associated data binds the
// format version, the name the file is opened under and the whole header, so a renamed or edited
// file is refused.

#include <filesystem>
#include <string>

#include "credentials/credential.hpp"
#include "credentials/key_source.hpp"

namespace smoops::credentials {

/// The format version this smoops writes and reads.
inline constexpr int kCredentialFormatVersion = 1;

/// Encrypts `credential` under `key` (a passphrase is stretched with `limits` and a new salt;
/// every file gets a new random nonce). `created` goes into the header as is.
std::string seal_credential(const Credential& credential, const KeySource& key, const KdfLimits& limits,
                            const std::string& created);

/// The header of a credential file, without decrypting. CredentialError Corrupted when `bytes`
/// is not a credential file (`file` names it in the message).
CredentialInfo read_credential_info(const std::string& bytes, const std::filesystem::path& file);

/// Decrypts a credential file opened as `name`. CredentialError Corrupted when it is not a
/// credential file or holds another name, Undecryptable when the key is wrong or a byte changed,
/// KeySource when it was sealed with the other kind of key (passphrase vs key file).
Credential open_credential(const std::string& bytes, const std::string& name, const KeySource& key,
                           const std::filesystem::path& file);

}  // namespace smoops::credentials
