// `smoops keys generate --out PREFIX`: a CURVE key pair for the daemon or a control client.

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <ostream>

#include "bus/curve.hpp"
#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

namespace smoops::cli {
namespace {

/// Creates `file` with `mode` and writes `text`; never replaces an existing file.
void write_new_file(const std::string& file, const std::string& text, mode_t mode) {
  const int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode);
  if (fd < 0) {
    if (errno == EEXIST) throw OutputError(file + " already exists; not overwriting it");
    throw OutputError("cannot write " + file + ": " + std::strerror(errno));
  }
  const ssize_t written = ::write(fd, text.data(), text.size());
  const int write_errno = errno;
  ::close(fd);
  if (written != static_cast<ssize_t>(text.size()))
    throw OutputError("cannot write " + file + ": " + std::strerror(write_errno));
}

}  // namespace

int keys_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, {"out"}, {});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::string prefix = parsed.required("out");
  const std::string secret_file = prefix + ".key";
  const std::string public_file = prefix + ".pub";
  // Checked up front so that a refusal leaves no half-written pair behind.
  for (const auto& file : {secret_file, public_file})
    if (std::filesystem::exists(file)) throw OutputError(file + " already exists; not overwriting it");

  const bus::CurveKeyPair keys = bus::generate_curve_key_pair();
  write_new_file(secret_file, keys.secret_key + "\n", 0600);
  write_new_file(public_file, keys.public_key + "\n", 0644);
  out << "wrote " << secret_file << " (secret, mode 0600) and " << public_file << " (public)\n";
  return kExitOk;
}

}  // namespace smoops::cli
