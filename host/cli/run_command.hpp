#pragma once
// Runs a command and turns every error it throws into a message on stderr and the documented
// exit code, so no error ends a process with a crash or an unexplained status.

#include <functional>
#include <iosfwd>
#include <string>

namespace smoops::store { class StoreError; }

namespace smoops::cli {

/// The exit code of a store error: 11 for the schema, 12 for a bot owned elsewhere, else 10.
int store_exit_code(const store::StoreError& error);

/// Calls `command`; on an exception prints "error: ..." (and `usage` for a UsageError) to `err`
/// and returns the matching exit code.
int run_command(const std::function<int()>& command, const std::string& usage, std::ostream& err);

}  // namespace smoops::cli
