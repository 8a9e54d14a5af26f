#pragma once
// The store's errors: each says what failed and what to do, and never shows a password.

#include <stdexcept>
#include <string>

namespace smoops::store {

class StoreError : public std::runtime_error {
 public:
  enum class Kind {
    BadDsn,        ///< the DSN cannot be parsed, or names a database that does not exist
    Unreachable,   ///< no server answered (after retries, where the caller retries)
    Auth,          ///< the server refused the credentials
    Cluster,       ///< the private cluster could not be created, started or stopped
    SchemaBehind,  ///< the database needs `smoops db migrate`
    SchemaNewer,   ///< the database was migrated by a newer smoops
    Migration,     ///< a migration failed or an applied one was edited
    Ownership,     ///< another daemon owns the bot
    Query,         ///< anything else the server reported
  };
  StoreError(Kind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  Kind kind() const { return kind_; }

 private:
  Kind kind_;
};

}  // namespace smoops::store
