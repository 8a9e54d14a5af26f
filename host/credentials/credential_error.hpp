#pragma once
// Errors of the credential store. Their messages name the credential, its file and what to do;
// they never contain a key, a secret or a passphrase.

#include <stdexcept>
#include <string>

namespace smoops::credentials {

class CredentialError : public std::runtime_error {
 public:
  enum class Kind {
    BadName,       ///< not [A-Za-z0-9_.-]{1,64}
    UnknownName,   ///< no credential of that name
    Exists,        ///< `add` without --replace over an existing name
    Undecryptable, ///< wrong passphrase or key file, or the file was altered
    Corrupted,     ///< not a credential file of a format this smoops reads, or renamed from another name
    KeySource,     ///< the key file cannot be read or has the wrong size; no passphrase given
    BadInput,      ///< what was typed or piped in is not a credential (empty key, not a PEM key)
    Io,            ///< the credential folder or a file cannot be read or written
  };
  CredentialError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace smoops::credentials
