#include "credentials/credential_store.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstring>
#include <ctime>
#include <fstream>
#include <sstream>

#include "credentials/credential_error.hpp"
#include "credentials/credential_file.hpp"

namespace smoops::credentials {
namespace {

constexpr const char* kExtension = ".cred";

[[noreturn]] void io_error(const std::string& what, const std::filesystem::path& path, int error_number) {
  throw CredentialError(CredentialError::Kind::Io, what + " " + path.string() + ": " + std::strerror(error_number));
}

[[noreturn]] void unknown_name(const std::string& name, const std::filesystem::path& folder) {
  throw CredentialError(CredentialError::Kind::UnknownName, "no credential named '" + name + "' in " + folder.string() +
                                                                " (`smoops credentials list` shows them)");
}

[[noreturn]] void name_taken(const std::string& name, const std::filesystem::path& folder) {
  throw CredentialError(CredentialError::Kind::Exists, "a credential named '" + name + "' already exists in " +
                                                           folder.string() + "; add --replace to overwrite it");
}

std::string utc_now() {
  const std::time_t now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm parts{};
  ::gmtime_r(&now, &parts);
  char text[32];
  std::strftime(text, sizeof text, "%Y-%m-%dT%H:%M:%SZ", &parts);
  return text;
}

std::string read_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) io_error("cannot read", file, errno);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

void fsync_path(const std::filesystem::path& path, int flags) {
  const int fd = ::open(path.c_str(), flags | O_CLOEXEC);
  if (fd < 0) io_error("cannot open", path, errno);
  const int rc = ::fsync(fd);
  const int fsync_errno = errno;
  ::close(fd);
  if (rc != 0) io_error("cannot fsync", path, fsync_errno);
}

/// Creates the folder (and the state directory) and makes it private to its owner.
void make_private_folder(const std::filesystem::path& folder) {
  std::error_code error;
  std::filesystem::create_directories(folder, error);
  if (error) io_error("cannot create", folder, error.value());
  if (::chmod(folder.c_str(), 0700) != 0) io_error("cannot chmod", folder, errno);
}

/// Writes `bytes` to `target` atomically with mode 0600: a temporary file in the same folder,
/// fsync, then rename (replace) or link (never replace), then fsync of the folder.
void write_atomically(const std::filesystem::path& target, const std::string& bytes, bool replace) {
  const std::filesystem::path temporary =
      target.parent_path() / ("." + target.filename().string() + ".tmp-" + std::to_string(::getpid()));
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) io_error("cannot write", temporary, errno);
  std::size_t done = 0;
  int failure = 0;
  while (done < bytes.size() && failure == 0) {
    const ssize_t n = ::write(fd, bytes.data() + done, bytes.size() - done);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) failure = n < 0 ? errno : EIO;
    else done += static_cast<std::size_t>(n);
  }
  if (failure == 0 && ::fsync(fd) != 0) failure = errno;
  ::close(fd);
  if (failure == 0) {
    if (replace) {
      if (::rename(temporary.c_str(), target.c_str()) != 0) failure = errno;
    } else if (::link(temporary.c_str(), target.c_str()) != 0) {
      failure = errno;
    }
  }
  ::unlink(temporary.c_str());
  if (failure == EEXIST) name_taken(target.stem().string(), target.parent_path());
  if (failure != 0) io_error("cannot write", target, failure);
  fsync_path(target.parent_path(), O_RDONLY | O_DIRECTORY);
}

void check_contents(const Credential& credential) {
  auto bad = [](const std::string& why) { throw CredentialError(CredentialError::Kind::BadInput, why); };
  if (credential.api_key.empty()) bad("the API key is empty");
  if (credential.secret.empty()) bad("the secret is empty");
  for (const char c : credential.api_key.reveal())
    if (c < 0x21 || c > 0x7e) bad("the API key has a space or a character that is not printable ASCII");
  if (credential.type == KeyType::Ed25519 && credential.secret.reveal().rfind("-----BEGIN PRIVATE KEY-----", 0) != 0)
    bad("an ed25519 secret must be a PEM private key starting with '-----BEGIN PRIVATE KEY-----'");
}

}  // namespace

void require_valid_name(const std::string& name) {
  if (!valid_credential_name(name))
    throw CredentialError(CredentialError::Kind::BadName,
                          "bad credential name '" + name + "': expected 1 to 64 of A-Z a-z 0-9 _ . -");
}

CredentialStore::CredentialStore(std::filesystem::path state_dir, KdfLimits limits)
    : folder_(std::move(state_dir) / "credentials"), limits_(limits) {}

std::filesystem::path CredentialStore::file_of(const std::string& name) const {
  require_valid_name(name);
  return folder_ / (name + kExtension);
}

bool CredentialStore::contains(const std::string& name) const {
  std::error_code ignored;
  return std::filesystem::exists(file_of(name), ignored);
}

void CredentialStore::require_known(const std::string& name) const {
  if (!contains(name)) unknown_name(name, folder_);
}

void CredentialStore::require_new(const std::string& name) const {
  if (contains(name)) name_taken(name, folder_);
}

CredentialInfo CredentialStore::add(const Credential& credential, const KeySource& key, bool replace) {
  const auto file = file_of(credential.name);
  check_contents(credential);
  make_private_folder(folder_);
  const std::string bytes = seal_credential(credential, key, limits_, utc_now());
  write_atomically(file, bytes, replace);
  return read_credential_info(bytes, file);
}

Credential CredentialStore::load(const std::string& name, const KeySource& key) const {
  require_known(name);
  const auto file = file_of(name);
  return open_credential(read_file(file), name, key, file);
}

std::vector<CredentialInfo> CredentialStore::list() const {
  std::vector<CredentialInfo> found;
  std::error_code error;
  if (!std::filesystem::is_directory(folder_, error)) return found;
  for (const auto& entry : std::filesystem::directory_iterator(folder_)) {
    const auto& path = entry.path();
    if (path.extension() != kExtension || !valid_credential_name(path.stem().string())) continue;
    CredentialInfo info = read_credential_info(read_file(path), path);
    info.name = path.stem().string();  // the name it is loaded under; `check` refuses a renamed file
    found.push_back(std::move(info));
  }
  std::sort(found.begin(), found.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
  return found;
}

void CredentialStore::remove(const std::string& name) {
  const auto file = file_of(name);
  if (::unlink(file.c_str()) != 0) {
    if (errno == ENOENT) unknown_name(name, folder_);
    io_error("cannot remove", file, errno);
  }
  fsync_path(folder_, O_RDONLY | O_DIRECTORY);
}

}  // namespace smoops::credentials
