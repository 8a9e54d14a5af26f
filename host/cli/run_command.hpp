#pragma once
// Runs a command and turns every error it throws into a message on stderr and the documented
// exit code, so no error ends a process with a crash or an unexplained status.

#include <functional>
#include <iosfwd>
#include <string>

namespace smoops::cli {

/// Calls `command`; on an exception prints "error: ..." (and `usage` for a UsageError) to `err`
/// and returns the matching exit code.
int run_command(const std::function<int()>& command, const std::string& usage, std::ostream& err);

}  // namespace smoops::cli
