// `smoops credentials add|list|remove|check`: exchange API keys encrypted at rest
// (docs/credentials.md). Keys and secrets are read from a prompt without echo or from stdin,
// never from the command line, and no output shows them.

#include <sys/prctl.h>

#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/text_table.hpp"
#include "credentials/credential_error.hpp"
#include "credentials/credential_store.hpp"
#include "credentials/secret_input.hpp"
#include "store/store_location.hpp"

namespace smoops::cli {
namespace {

using credentials::CredentialError;
using credentials::KeySource;

/// The one NAME a subcommand takes, checked.
std::string credential_name(const Arguments& parsed, const std::string& sub) {
  const auto& positionals = parsed.positionals();
  if (positionals.empty()) throw UsageError("credentials " + sub + ": missing NAME");
  if (positionals.size() > 1)
    throw UsageError("credentials " + sub + ": unexpected argument after NAME (keys and secrets are never taken " +
                     "from the command line; they are read from the terminal or stdin)");
  credentials::require_valid_name(positionals.front());  // a usage error (run_command.cpp)
  return positionals.front();
}

credentials::CredentialStore open_credential_store(const Arguments& parsed) {
  const auto state_dir = parsed.value("state-dir");
  return credentials::CredentialStore(state_dir ? std::filesystem::path(*state_dir) : store::default_state_dir());
}

/// The key file (--key-file, systemd, $SMOOPS_CREDENTIALS_KEY_FILE) or a passphrase read from
/// `input`; `confirm`: ask twice on a terminal (a new file is being sealed).
KeySource key_source(const Arguments& parsed, credentials::SecretInput& input, bool confirm) {
  const auto option = parsed.value("key-file");
  if (const auto file = credentials::find_key_file(option ? std::optional<std::filesystem::path>(*option) : std::nullopt))
    return KeySource::key_file(*file);
  credentials::SecretString passphrase = input.read_line("passphrase: ");
  if (confirm && input.interactive() &&
      !credentials::equal(passphrase, input.read_line("passphrase again: ")))
    throw CredentialError(CredentialError::Kind::KeySource, "the two passphrases differ; nothing was written");
  return KeySource::passphrase(std::move(passphrase));
}

int add(const std::vector<std::string>& args, std::ostream& out) {
  const Arguments parsed(args, {"state-dir", "key-file", "type"}, {"replace"});
  const std::string name = credential_name(parsed, "add");
  const std::string type_name = parsed.value("type").value_or("hmac");
  const auto type = credentials::parse_key_type(type_name);
  if (!type) throw UsageError("--type: expected hmac or ed25519, got '" + type_name + "'");
  auto store = open_credential_store(parsed);
  const bool replace = parsed.flag("replace");
  if (!replace) store.require_new(name);  // before asking for anything; add() checks again atomically
  credentials::SecretInput input;
  const KeySource key = key_source(parsed, input, /*confirm=*/true);
  credentials::Credential credential;
  credential.name = name;
  credential.type = *type;
  credential.api_key = input.read_line("API key: ");
  credential.secret = *type == credentials::KeyType::Ed25519
                          ? input.read_until("Ed25519 private key (PEM, ending with its -----END line):\n", "-----END")
                          : input.read_line("API secret: ");
  const auto info = store.add(credential, key, replace);
  out << "added credential " << name << " (" << credentials::key_type_name(info.type) << ", API key fingerprint "
      << info.fingerprint << ") to " << store.file_of(name).string() << '\n';
  return kExitOk;
}

int list(const std::vector<std::string>& args, std::ostream& out) {
  const Arguments parsed(args, {"state-dir"}, {"json"});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const auto store = open_credential_store(parsed);
  const auto found = store.list();
  if (parsed.flag("json")) {
    auto rows = nlohmann::ordered_json::array();
    for (const auto& info : found)
      rows.push_back({{"name", info.name},
                      {"type", credentials::key_type_name(info.type)},
                      {"fingerprint", info.fingerprint},
                      {"created", info.created}});
    out << rows.dump(2) << '\n';
    return kExitOk;
  }
  if (found.empty()) {
    out << "no credentials in " << store.folder().string() << '\n';
    return kExitOk;
  }
  std::vector<std::vector<std::string>> rows{{"NAME", "TYPE", "FINGERPRINT", "CREATED"}};
  for (const auto& info : found)
    rows.push_back({info.name, std::string(credentials::key_type_name(info.type)), info.fingerprint, info.created});
  print_table(rows, out);
  return kExitOk;
}

int remove(const std::vector<std::string>& args, std::ostream& out) {
  const Arguments parsed(args, {"state-dir"}, {});
  const std::string name = credential_name(parsed, "remove");
  auto store = open_credential_store(parsed);
  store.remove(name);
  out << "removed credential " << name << " (" << store.file_of(name).string() << ")\n";
  return kExitOk;
}

int check(const std::vector<std::string>& args, std::ostream& out) {
  const Arguments parsed(args, {"state-dir", "key-file"}, {});
  const std::string name = credential_name(parsed, "check");
  const auto store = open_credential_store(parsed);
  store.require_known(name);  // before asking for a passphrase
  credentials::SecretInput input;
  const KeySource key = key_source(parsed, input, /*confirm=*/false);
  const credentials::Credential credential = store.load(name, key);
  out << "credential " << name << ": " << credentials::key_type_name(credential.type) << ", API key fingerprint "
      << credentials::key_fingerprint(credential.api_key) << ", decrypted with the " << key.description() << '\n';
  return kExitOk;
}

}  // namespace

int credentials_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  // This process may hold a secret: no core dump of it, and no ptrace by other processes.
  ::prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
  if (args.empty()) throw UsageError("credentials: expected add, list, remove or check");
  const std::string sub = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "add") return add(rest, out);
  if (sub == "list") return list(rest, out);
  if (sub == "remove") return remove(rest, out);
  if (sub == "check") return check(rest, out);
  throw UsageError("unknown command 'credentials " + sub + "'");
}

}  // namespace smoops::cli
