#include "daemon/bot_credentials.hpp"

#include "credentials/credential_error.hpp"
#include "credentials/credential_store.hpp"
#include "credentials/key_source.hpp"

namespace smoops::daemon {

std::optional<credentials::Credential> load_bot_credentials(const config::BotConfig& bot,
                                                             const std::filesystem::path& state_dir) {
  const Params* named = bot.exchange.params.find("credentials");
  if (!named) return std::nullopt;
  std::string name;
  try {
    name = named->as_string();
  } catch (const ParamError& e) {
    throw config::ConfigError(e);
  }
  credentials::CredentialStore store(state_dir);
  const std::string where = "bot " + bot.name + " (" + bot.file.string() + ":" + std::to_string(named->mark().line) +
                            ") names credentials '" + name + "'";
  try {
    store.require_known(name);
    const std::optional<std::filesystem::path> key_file = credentials::find_key_file(std::nullopt);
    if (!key_file)
      throw credentials::CredentialError(
          credentials::CredentialError::Kind::KeySource,
          "smoopsd has no key to unlock them: give the service the key with systemd's LoadCredentialEncrypted=" +
              std::string(credentials::kSystemdKeyName) + ":... (config/smoopsd.service), or set " +
              credentials::kKeyFileVariable + " to a key file (a daemon cannot be asked for a passphrase)");
    return store.load(name, credentials::KeySource::key_file(*key_file));
  } catch (const credentials::CredentialError& e) {
    if (e.kind() == credentials::CredentialError::Kind::BadName) throw config::ConfigError(named->mark(), e.what());
    throw credentials::CredentialError(e.kind(), where + ": " + e.what());
  }
}

}  // namespace smoops::daemon
