#pragma once
// The credential store: one encrypted file per credential, <state_dir>/credentials/NAME.cred
// (folder 0700, files 0600, written atomically: temporary file, fsync, rename, fsync of the
// folder). The daemon and connectors load credentials by name:
//
//   credentials::CredentialStore store(state_dir);
//   credentials::Credential c = store.load("binance-main", key_source);

#include <filesystem>
#include <string>
#include <vector>

#include "credentials/credential.hpp"
#include "credentials/key_source.hpp"

namespace smoops::credentials {

class CredentialStore {
 public:
  /// The store under `state_dir` (store::default_state_dir() or --state-dir); nothing is created
  /// until a credential is added. `limits`: the Argon2id cost of files sealed with a passphrase.
  explicit CredentialStore(std::filesystem::path state_dir, KdfLimits limits = kModerateKdfLimits);

  /// <state_dir>/credentials.
  const std::filesystem::path& folder() const { return folder_; }
  /// The file of credential `name` (which must be valid).
  std::filesystem::path file_of(const std::string& name) const;

  /// True when a credential named `name` exists (BadName when the name is invalid).
  bool contains(const std::string& name) const;
  /// Throws UnknownName unless credential `name` exists.
  void require_known(const std::string& name) const;
  /// Throws Exists if credential `name` exists.
  void require_new(const std::string& name) const;
  /// Encrypts and writes `credential`; Exists when its name is taken and `replace` is false.
  /// BadInput when its API key or secret is empty, or an Ed25519 secret is not a PEM private key.
  /// Returns what `list` will show of it.
  CredentialInfo add(const Credential& credential, const KeySource& key, bool replace);
  /// Decrypts credential `name`: UnknownName, Undecryptable, Corrupted, KeySource (see
  /// credential_error.hpp).
  Credential load(const std::string& name, const KeySource& key) const;
  /// Every credential's header, sorted by name, without decrypting (a file that is not a
  /// credential file: Corrupted). An absent folder is an empty store.
  std::vector<CredentialInfo> list() const;
  /// Deletes credential `name`; UnknownName when there is none.
  void remove(const std::string& name);

 private:
  std::filesystem::path folder_;
  KdfLimits limits_;
};

/// Throws CredentialError(BadName) unless valid_credential_name(name).
void require_valid_name(const std::string& name);

}  // namespace smoops::credentials
