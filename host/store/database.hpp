#pragma once
// Connecting to PostgreSQL: clear errors (malformed DSN, wrong password, nobody listening) with
// the DSN shown without its password, and a retrying connect with backoff for start-up.

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include <pqxx/pqxx>

#include "store/store_error.hpp"

namespace smoops::store {

/// The DSN with any password replaced by "***" (key=value form `password=...` and URI form
/// `postgresql://user:secret@host/db`), fit for logs and error messages. An empty DSN reads
/// "(libpq defaults: PG* environment)".
std::string redact_dsn(std::string_view dsn);

/// Opens a connection; throws StoreError (BadDsn, Auth or Unreachable) naming the redacted DSN.
std::unique_ptr<pqxx::connection> connect(const std::string& dsn);

/// connect(), retried with exponential backoff (0.25 s doubling up to 4 s) while the failure is
/// Unreachable, logging one warning per failed attempt, until `give_up_after` has passed; then
/// throws the last StoreError. BadDsn and Auth are thrown at once.
std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& dsn, std::chrono::milliseconds give_up_after);

}  // namespace smoops::store
