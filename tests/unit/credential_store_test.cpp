// The encrypted credential store: round trips, refusals (wrong key, altered or renamed file,
// taken or bad names), what list shows, file modes, and the key sources' order.

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

#include "credentials/credential_error.hpp"
#include "credentials/credential_store.hpp"
#include "support/file_bytes.hpp"
#include "support/temp_dir.hpp"

namespace smoops::credentials {
namespace {

// Cheap Argon2id so the tests stay fast; one test checks the default the CLI uses.
constexpr KdfLimits kFastLimits{1, 8u * 1024 * 1024};
constexpr const char* kSecret = "S3CR3T-do-not-leak-5f2a";
constexpr const char* kApiKey = "apikey-ABCDEF0123456789";

Credential make_credential(const std::string& name, KeyType type = KeyType::Hmac, std::string secret = kSecret) {
  Credential credential;
  credential.name = name;
  credential.type = type;
  credential.api_key = SecretString(kApiKey);
  credential.secret = SecretString(secret);
  return credential;
}

void overwrite(const std::filesystem::path& file, const std::string& bytes) {
  std::ofstream(file, std::ios::binary | std::ios::trunc) << bytes;
}

CredentialError::Kind refusal_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const CredentialError& e) {
    EXPECT_EQ(std::string(e.what()).find(kSecret), std::string::npos) << e.what();
    return e.kind();
  }
  ADD_FAILURE() << "expected a CredentialError";
  return CredentialError::Kind::Io;
}

class CredentialStoreTest : public ::testing::Test {
 protected:
  KeySource passphrase(const char* text = "correct horse") { return KeySource::passphrase(SecretString(text)); }
  KeySource key_file() {
    const auto file = dir_.write("store.key", std::string(32, '\x5a'));
    return KeySource::key_file(file);
  }
  test::TempDir dir_;
  CredentialStore store_{dir_.path() / "state", kFastLimits};
};

TEST_F(CredentialStoreTest, APassphraseSealedCredentialDecryptsToTheSameKeyAndSecret) {
  store_.add(make_credential("binance-main"), passphrase(), false);
  const Credential loaded = store_.load("binance-main", passphrase());
  EXPECT_EQ(loaded.name, "binance-main");
  EXPECT_EQ(loaded.type, KeyType::Hmac);
  EXPECT_EQ(loaded.api_key.reveal(), kApiKey);
  EXPECT_EQ(loaded.secret.reveal(), kSecret);
}

TEST_F(CredentialStoreTest, AKeyFileSealedEd25519CredentialKeepsItsMultiLinePem) {
  const std::string pem = "-----BEGIN PRIVATE KEY-----\nMC4CAQAwBQYDK2VwBCIEIGZ1bm55\n-----END PRIVATE KEY-----\n";
  store_.add(make_credential("ed", KeyType::Ed25519, pem), key_file(), false);
  const Credential loaded = store_.load("ed", key_file());
  EXPECT_EQ(loaded.type, KeyType::Ed25519);
  EXPECT_EQ(loaded.secret.reveal(), pem);
}

TEST_F(CredentialStoreTest, AKeyFileOf64HexDigitsIsTheSameKeyAsItsBytes) {
  store_.add(make_credential("hex"), key_file(), false);
  std::string hex;
  for (int i = 0; i < 32; ++i) hex += "5a";  // the bytes of key_file()
  const auto hex_file = dir_.write("hex.key", hex + "\n");
  EXPECT_EQ(store_.load("hex", KeySource::key_file(hex_file)).secret.reveal(), kSecret);
}

TEST_F(CredentialStoreTest, AKeyFileOfAnotherSizeIsRefused) {
  const auto file = dir_.write("short.key", "too short\n");
  EXPECT_EQ(refusal_of([&] { (void)KeySource::key_file(file); }), CredentialError::Kind::KeySource);
  EXPECT_EQ(refusal_of([&] { (void)KeySource::key_file(dir_.path() / "absent.key"); }), CredentialError::Kind::KeySource);
  EXPECT_EQ(refusal_of([&] { (void)KeySource::passphrase(SecretString()); }), CredentialError::Kind::KeySource);
}

TEST_F(CredentialStoreTest, AWrongPassphraseOrKeyIsRefused) {
  store_.add(make_credential("a"), passphrase(), false);
  EXPECT_EQ(refusal_of([&] { (void)store_.load("a", passphrase("wrong horse")); }), CredentialError::Kind::Undecryptable);
  // The other kind of key is named as such, not reported as a wrong one.
  EXPECT_EQ(refusal_of([&] { (void)store_.load("a", key_file()); }), CredentialError::Kind::KeySource);
}

TEST_F(CredentialStoreTest, AnyFlippedByteIsRefusedNeverDecryptedToGarbage) {
  store_.add(make_credential("a"), key_file(), false);
  const auto file = store_.file_of("a");
  const std::string original = test::file_bytes(file);
  const std::size_t body = original.find("\n\n") + 2;
  // Every byte of the sealed part, and the header's fingerprint, date and nonce.
  std::vector<std::size_t> positions;
  for (std::size_t i = body; i < original.size(); ++i) positions.push_back(i);
  for (const char* field : {"fingerprint: ", "created: ", "nonce: "})
    positions.push_back(original.find(field) + std::string(field).size() + 1);
  for (const std::size_t at : positions) {
    std::string altered = original;
    altered[at] = static_cast<char>(altered[at] ^ 0x01);
    overwrite(file, altered);
    const auto kind = refusal_of([&] { (void)store_.load("a", key_file()); });
    EXPECT_TRUE(kind == CredentialError::Kind::Undecryptable || kind == CredentialError::Kind::Corrupted)
        << "byte " << at;
  }
  overwrite(file, original.substr(0, body + 10));
  EXPECT_EQ(refusal_of([&] { (void)store_.load("a", key_file()); }), CredentialError::Kind::Corrupted);
  overwrite(file, "not a credential\n");
  EXPECT_EQ(refusal_of([&] { (void)store_.load("a", key_file()); }), CredentialError::Kind::Corrupted);
}

TEST_F(CredentialStoreTest, AFileRenamedToAnotherNameIsRefusedEvenWithItsHeaderEdited) {
  store_.add(make_credential("alice"), key_file(), false);
  std::string bytes = test::file_bytes(store_.file_of("alice"));
  overwrite(store_.file_of("mallory"), bytes);
  EXPECT_EQ(refusal_of([&] { (void)store_.load("mallory", key_file()); }), CredentialError::Kind::Corrupted);
  // Same length so only the name changes: the associated data still tells them apart.
  bytes.replace(bytes.find("name: alice"), 11, "name: bobby");
  overwrite(store_.file_of("bobby"), bytes);
  EXPECT_EQ(refusal_of([&] { (void)store_.load("bobby", key_file()); }), CredentialError::Kind::Undecryptable);
}

TEST_F(CredentialStoreTest, TheFileHoldsNeitherTheKeyNorTheSecretInClear) {
  store_.add(make_credential("a"), passphrase(), false);
  const std::string bytes = test::file_bytes(store_.file_of("a"));
  EXPECT_EQ(bytes.find(kSecret), std::string::npos);
  EXPECT_EQ(bytes.find(kApiKey), std::string::npos);
  EXPECT_EQ(bytes.find("correct horse"), std::string::npos);
}

TEST_F(CredentialStoreTest, ListShowsNamesTypesFingerprintsAndDatesSortedByName) {
  EXPECT_TRUE(store_.list().empty());  // no folder yet
  store_.add(make_credential("zeta"), key_file(), false);
  store_.add(make_credential("alpha"), key_file(), false);
  const auto found = store_.list();
  ASSERT_EQ(found.size(), 2u);
  EXPECT_EQ(found[0].name, "alpha");
  EXPECT_EQ(found[1].name, "zeta");
  EXPECT_EQ(found[0].fingerprint, key_fingerprint(SecretString(kApiKey)));
  EXPECT_EQ(found[0].fingerprint.size(), 8u);
  EXPECT_EQ(found[0].created.size(), 20u);  // 2026-01-31T12:00:00Z
}

TEST_F(CredentialStoreTest, TheFingerprintIsTheFirstEightHexDigitsOfTheKeysSha256) {
  EXPECT_EQ(key_fingerprint(SecretString("abc")), "ba7816bf");  // SHA-256("abc") = ba7816bf...
}

TEST_F(CredentialStoreTest, AddRefusesAnExistingNameUnlessReplacing) {
  store_.add(make_credential("a"), key_file(), false);
  EXPECT_EQ(refusal_of([&] { store_.add(make_credential("a", KeyType::Hmac, "other"), key_file(), false); }),
            CredentialError::Kind::Exists);
  EXPECT_EQ(store_.load("a", key_file()).secret.reveal(), kSecret);
  store_.add(make_credential("a", KeyType::Hmac, "replaced"), key_file(), true);
  EXPECT_EQ(store_.load("a", key_file()).secret.reveal(), "replaced");
}

TEST_F(CredentialStoreTest, RemoveDeletesTheFileAndAnUnknownNameIsRefused) {
  store_.add(make_credential("a"), key_file(), false);
  store_.remove("a");
  EXPECT_FALSE(std::filesystem::exists(store_.file_of("a")));
  EXPECT_EQ(refusal_of([&] { store_.remove("a"); }), CredentialError::Kind::UnknownName);
  EXPECT_EQ(refusal_of([&] { (void)store_.load("a", key_file()); }), CredentialError::Kind::UnknownName);
}

TEST_F(CredentialStoreTest, TheFolderIsPrivateTheFilesAre0600AndNoTemporaryFileIsLeft) {
  ::umask(022);
  store_.add(make_credential("a"), key_file(), false);
  struct stat folder {}, file {};
  ASSERT_EQ(::stat(store_.folder().c_str(), &folder), 0);
  ASSERT_EQ(::stat(store_.file_of("a").c_str(), &file), 0);
  EXPECT_EQ(folder.st_mode & 0777, 0700u);
  EXPECT_EQ(file.st_mode & 0777, 0600u);
  EXPECT_EQ(std::distance(std::filesystem::directory_iterator(store_.folder()), {}), 1);
}

TEST_F(CredentialStoreTest, NamesAreOneTo64OfLettersDigitsDotDashUnderscore) {
  for (const std::string& good : std::vector<std::string>{"a", "binance-main", "Key_2.v3", std::string(64, 'x')})
    EXPECT_TRUE(valid_credential_name(good)) << good;
  for (const std::string& bad : std::vector<std::string>{"", ".", "..", "a/b", "../x", "a b", "naïve", "a\n", std::string(65, 'x')})
    EXPECT_FALSE(valid_credential_name(bad)) << bad;
  EXPECT_EQ(refusal_of([&] { (void)store_.file_of("../escape"); }), CredentialError::Kind::BadName);
}

TEST_F(CredentialStoreTest, ContentsAreCheckedBeforeAnythingIsWritten) {
  EXPECT_EQ(refusal_of([&] { store_.add(make_credential("a", KeyType::Hmac, ""), key_file(), false); }),
            CredentialError::Kind::BadInput);
  EXPECT_EQ(refusal_of([&] { store_.add(make_credential("a", KeyType::Ed25519, "not pem"), key_file(), false); }),
            CredentialError::Kind::BadInput);
  EXPECT_FALSE(std::filesystem::exists(store_.folder()));
}

TEST(CredentialStoreDefaults, APassphraseIsStretchedWithArgon2idModerateLimitsStoredInTheHeader) {
  test::TempDir dir;
  CredentialStore store(dir.path());
  store.add(make_credential("a"), KeySource::passphrase(SecretString("pw")), false);
  EXPECT_NE(test::file_bytes(store.file_of("a")).find("kdf: argon2id13 ops=3 mem=268435456 salt="), std::string::npos);
  EXPECT_EQ(store.load("a", KeySource::passphrase(SecretString("pw"))).secret.reveal(), kSecret);
}

class KeyFileOrder : public ::testing::Test {
 protected:
  void SetUp() override {
    for (const char* name : {"CREDENTIALS_DIRECTORY", kKeyFileVariable}) {
      if (const char* value = std::getenv(name)) saved_.emplace_back(name, value);
      ::unsetenv(name);
    }
  }
  void TearDown() override {
    ::unsetenv("CREDENTIALS_DIRECTORY");
    ::unsetenv(kKeyFileVariable);
    for (const auto& [name, value] : saved_) ::setenv(name.c_str(), value.c_str(), 1);
  }
  test::TempDir dir_;
  std::vector<std::pair<std::string, std::string>> saved_;
};

TEST_F(KeyFileOrder, OptionThenSystemdCredentialThenVariableThenNone) {
  EXPECT_EQ(find_key_file(std::nullopt), std::nullopt);
  ::setenv(kKeyFileVariable, "/env.key", 1);
  EXPECT_EQ(find_key_file(std::nullopt), std::filesystem::path("/env.key"));
  ::setenv("CREDENTIALS_DIRECTORY", dir_.path().c_str(), 1);
  EXPECT_EQ(find_key_file(std::nullopt), std::filesystem::path("/env.key"));  // no smoops-credentials-key there
  const auto systemd_key = dir_.write(kSystemdKeyName, std::string(32, 'k'));
  EXPECT_EQ(find_key_file(std::nullopt), systemd_key);
  EXPECT_EQ(find_key_file(std::filesystem::path("/option.key")), std::filesystem::path("/option.key"));
}

}  // namespace
}  // namespace smoops::credentials
