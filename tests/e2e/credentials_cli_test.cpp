// `smoops credentials` as a user runs it: the real binary, keys and secrets piped on stdin, and
// every output channel (stdout, stderr, the files on disk) searched for the secret.

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/file_bytes.hpp"
#include "support/process.hpp"
#include "support/temp_dir.hpp"
#include "support/test_paths.hpp"

namespace smoops {
namespace {

const std::string kSmoops = (test::bin_dir() / "smoops").string();
constexpr const char* kSecret = "SeCrEt-7f3c91d2-never-shown";
constexpr const char* kApiKey = "ApIkEy-b8e04a6f";
constexpr const char* kPassphrase = "PaSsPhRaSe-e5d1";

class CredentialsCli : public ::testing::Test {
 protected:
  /// Runs smoops with `input` on stdin and none of the key file variables set, and remembers
  /// what it printed.
  test::ProcessResult smoops(const std::vector<std::string>& args, const std::string& input = "",
                             const std::vector<std::string>& environment = {}) {
    const auto input_file = scratch_.write("stdin.txt", input);
    std::vector<std::string> argv{"/usr/bin/env", "-u", "CREDENTIALS_DIRECTORY", "-u", "SMOOPS_CREDENTIALS_KEY_FILE"};
    argv.insert(argv.end(), environment.begin(), environment.end());
    argv.insert(argv.end(), {"/bin/sh", "-c", "f=$1; shift; exec \"$@\" < \"$f\"", "sh", input_file.string(), kSmoops,
                             "credentials"});
    argv.insert(argv.end(), args.begin(), args.end());
    argv.insert(argv.end(), {"--state-dir", state_dir().string()});
    auto result = test::run_process(argv, scratch_.path());
    outputs_ += result.out + result.err;
    return result;
  }
  std::filesystem::path state_dir() const { return dir_.path() / "state"; }
  std::filesystem::path file_of(const std::string& name) const {
    return state_dir() / "credentials" / (name + ".cred");
  }
  /// Fails the test when any output so far, or any file under the state directory, shows the
  /// secret, the API key or the passphrase in clear.
  void expect_nothing_leaked() {
    for (const char* secret : {kSecret, kApiKey, kPassphrase})
      EXPECT_EQ(outputs_.find(secret), std::string::npos) << "'" << secret << "' in the output:\n" << outputs_;
    if (!std::filesystem::exists(state_dir())) return;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(state_dir())) {
      if (!entry.is_regular_file()) continue;
      const std::string bytes = test::file_bytes(entry.path());
      for (const char* secret : {kSecret, kApiKey, kPassphrase})
        EXPECT_EQ(bytes.find(secret), std::string::npos) << "'" << secret << "' in " << entry.path();
    }
  }
  std::string passphrase_key_secret() const {
    return std::string(kPassphrase) + "\n" + kApiKey + "\n" + kSecret + "\n";
  }

  test::TempDir dir_;
  test::TempDir scratch_;
  std::string outputs_;
};

TEST_F(CredentialsCli, AddListCheckRemoveWithAPassphraseFromStdinShowOnlyTheFingerprint) {
  const auto added = smoops({"add", "binance-main"}, passphrase_key_secret());
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(added.out.find("added credential binance-main (hmac, API key fingerprint "), std::string::npos) << added.out;

  const auto listed = smoops({"list", "--json"});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  const auto rows = nlohmann::json::parse(listed.out);
  ASSERT_EQ(rows.size(), 1u);
  EXPECT_EQ(rows[0]["name"], "binance-main");
  EXPECT_EQ(rows[0]["type"], "hmac");
  const std::string fingerprint = rows[0]["fingerprint"];
  EXPECT_EQ(fingerprint.size(), 8u);
  EXPECT_EQ(rows[0].size(), 4u);  // name, type, fingerprint, created: nothing else
  const auto table = smoops({"list"});
  EXPECT_NE(table.out.find("binance-main  hmac  " + fingerprint), std::string::npos) << table.out;

  const auto checked = smoops({"check", "binance-main"}, std::string(kPassphrase) + "\n");
  ASSERT_EQ(checked.exit_code, 0) << checked.err;
  EXPECT_EQ(checked.out, "credential binance-main: hmac, API key fingerprint " + fingerprint +
                             ", decrypted with the passphrase\n");

  const auto removed = smoops({"remove", "binance-main"});
  ASSERT_EQ(removed.exit_code, 0) << removed.err;
  EXPECT_FALSE(std::filesystem::exists(file_of("binance-main")));
  EXPECT_EQ(smoops({"list"}).out, "no credentials in " + (state_dir() / "credentials").string() + "\n");
  expect_nothing_leaked();
}

TEST_F(CredentialsCli, AKeyFileComesFromTheOptionTheSystemdFolderOrTheVariable) {
  const auto key_file = dir_.write("smoops-credentials-key", std::string(32, '\x42'));
  const std::string pem = "-----BEGIN PRIVATE KEY-----\n" + std::string(kSecret) + "\n-----END PRIVATE KEY-----\n";
  const auto added = smoops({"add", "ed", "--type", "ed25519", "--key-file", key_file.string()},
                            std::string(kApiKey) + "\n" + pem);
  ASSERT_EQ(added.exit_code, 0) << added.err;
  EXPECT_NE(test::file_bytes(file_of("ed")).find("kdf: key-file\n"), std::string::npos);
  for (const auto& environment : std::vector<std::vector<std::string>>{
           {"CREDENTIALS_DIRECTORY=" + dir_.path().string()}, {"SMOOPS_CREDENTIALS_KEY_FILE=" + key_file.string()}}) {
    const auto checked = smoops({"check", "ed"}, "", environment);
    EXPECT_EQ(checked.exit_code, 0) << environment[0] << ": " << checked.err;
    EXPECT_NE(checked.out.find("ed25519, API key fingerprint"), std::string::npos) << checked.out;
  }
  // Without any key file it asks for a passphrase, and says the file wants a key file.
  const auto without = smoops({"check", "ed"}, std::string(kPassphrase) + "\n");
  EXPECT_EQ(without.exit_code, 15);
  EXPECT_EQ(without.err, "error: credential 'ed' was encrypted with a key file, but the passphrase was given "
                         "(docs/credentials.md#where-the-key-comes-from)\n");
  expect_nothing_leaked();
}

TEST_F(CredentialsCli, RefusalsExitWithTheirCodeAndTheirMessageNeverShowsTheSecret) {
  ASSERT_EQ(smoops({"add", "main"}, passphrase_key_secret()).exit_code, 0);
  const std::string folder = (state_dir() / "credentials").string();

  const auto wrong = smoops({"check", "main"}, "not the passphrase\n");
  EXPECT_EQ(wrong.exit_code, 15);
  EXPECT_EQ(wrong.err, "error: cannot decrypt credential 'main' (" + file_of("main").string() +
                           ") with the passphrase: wrong passphrase or key, or the file was altered\n");

  const auto taken = smoops({"add", "main"}, passphrase_key_secret());
  EXPECT_EQ(taken.exit_code, 15);
  EXPECT_EQ(taken.err, "error: a credential named 'main' already exists in " + folder +
                           "; add --replace to overwrite it\n");
  EXPECT_EQ(smoops({"add", "main", "--replace"}, passphrase_key_secret()).exit_code, 0);

  const auto unknown = smoops({"check", "nothere"});
  EXPECT_EQ(unknown.exit_code, 15);
  EXPECT_EQ(unknown.err, "error: no credential named 'nothere' in " + folder +
                             " (`smoops credentials list` shows them)\n");
  EXPECT_EQ(smoops({"remove", "nothere"}).exit_code, 15);

  std::filesystem::copy_file(file_of("main"), file_of("copy"));
  const auto renamed = smoops({"check", "copy"}, std::string(kPassphrase) + "\n");
  EXPECT_EQ(renamed.exit_code, 15);
  EXPECT_EQ(renamed.err, "error: " + file_of("copy").string() +
                             " holds credential 'main', not 'copy': it was renamed or copied; refusing it\n");

  std::string bytes = test::file_bytes(file_of("main"));
  bytes[bytes.size() - 5] = static_cast<char>(bytes[bytes.size() - 5] ^ 0x10);
  std::ofstream(file_of("main"), std::ios::binary | std::ios::trunc) << bytes;
  const auto altered = smoops({"check", "main"}, std::string(kPassphrase) + "\n");
  EXPECT_EQ(altered.exit_code, 15);
  EXPECT_NE(altered.err.find("wrong passphrase or key, or the file was altered"), std::string::npos) << altered.err;
  EXPECT_EQ(altered.out, "");
  expect_nothing_leaked();
}

TEST_F(CredentialsCli, KeysAndSecretsAreNeverTakenFromTheCommandLineAndBadNamesAreUsageErrors) {
  const auto on_argv = smoops({"add", "main", "extra-argument-not-a-secret"}, passphrase_key_secret());
  EXPECT_EQ(on_argv.exit_code, 2);
  EXPECT_NE(on_argv.err.find("keys and secrets are never taken from the command line"), std::string::npos) << on_argv.err;
  EXPECT_EQ(smoops({"add", "main", "--secret", "x"}, passphrase_key_secret()).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(file_of("main")));

  for (const std::string& bad : std::vector<std::string>{"a/b", "..", "has space", std::string(65, 'n')}) {
    const auto refused = smoops({"add", bad}, passphrase_key_secret());
    EXPECT_EQ(refused.exit_code, 2) << bad;
    EXPECT_EQ(refused.err.rfind("error: bad credential name '" + bad + "': expected 1 to 64 of A-Z a-z 0-9 _ . -\n", 0),
              0u)
        << refused.err;
  }
  EXPECT_EQ(smoops({"add", "main", "--type", "rsa"}, passphrase_key_secret()).exit_code, 2);
  EXPECT_FALSE(std::filesystem::exists(state_dir() / "credentials"));

  // The input ending early is refused, and names what was missing.
  const auto short_input = smoops({"add", "main"}, std::string(kPassphrase) + "\n" + kApiKey + "\n");
  EXPECT_EQ(short_input.exit_code, 15);
  EXPECT_EQ(short_input.err, "error: the input ended before the API secret was given\n");
  expect_nothing_leaked();
}

}  // namespace
}  // namespace smoops
