#pragma once
// The exchange credentials a bot names (`exchange.params.credentials: NAME`), decrypted for
// smoopsd. A daemon cannot be asked for a passphrase: the key comes from systemd
// ($CREDENTIALS_DIRECTORY/smoops-credentials-key, LoadCredentialEncrypted=) or from
// $SMOOPS_CREDENTIALS_KEY_FILE (docs/credentials.md).

#include <filesystem>
#include <optional>

#include "config/bot_config.hpp"
#include "credentials/credential.hpp"

namespace smoops::daemon {

/// nullopt when the bot names no credentials. Throws credentials::CredentialError (unknown name,
/// no key, wrong key, altered file) naming the bot, its file and the credential; never a secret.
/// A `credentials` param that is not a name is a ConfigError at its place in the YAML.
std::optional<credentials::Credential> load_bot_credentials(const config::BotConfig& bot,
                                                             const std::filesystem::path& state_dir);

}  // namespace smoops::daemon
