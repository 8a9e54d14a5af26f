#include "credentials/credential_file.hpp"

#include <sodium.h>

#include <array>
#include <charconv>
#include <map>
#include <vector>

#include "credentials/credential_error.hpp"

namespace smoops::credentials {
namespace {

constexpr std::string_view kMagic = "smoops-credential";
constexpr std::size_t kMostHeaderBytes = 4096;
constexpr std::size_t kSaltBytes = crypto_pwhash_SALTBYTES;
constexpr std::size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
// A file names its own Argon2id cost; these bound what a crafted file can make us spend.
constexpr unsigned long long kMostOps = 16;
constexpr std::size_t kMostMemBytes = std::size_t{1} << 30;

using Bytes = std::vector<unsigned char>;

std::string to_hex(const Bytes& bytes) {
  std::string hex(2 * bytes.size() + 1, '\0');
  sodium_bin2hex(hex.data(), hex.size(), bytes.data(), bytes.size());
  hex.pop_back();
  return hex;
}

[[noreturn]] void corrupted(const std::filesystem::path& file, const std::string& why) {
  throw CredentialError(CredentialError::Kind::Corrupted,
                        file.string() + " is not a valid smoops credential file: " + why);
}

Bytes from_hex(const std::string& hex, std::size_t expected, const std::filesystem::path& file, const char* field) {
  Bytes bytes(expected);
  std::size_t decoded = 0;
  if (hex.size() != 2 * expected ||
      sodium_hex2bin(bytes.data(), bytes.size(), hex.data(), hex.size(), nullptr, &decoded, nullptr) != 0 ||
      decoded != expected)
    corrupted(file, std::string("bad ") + field);
  return bytes;
}

/// The header of a file: its text (as authenticated) and its fields.
struct Header {
  std::string text;
  std::map<std::string, std::string> fields;
  std::size_t body_offset = 0;
};

Header parse_header(const std::string& bytes, const std::filesystem::path& file) {
  const std::size_t end = bytes.find("\n\n");
  if (end == std::string::npos || end > kMostHeaderBytes) corrupted(file, "no header");
  Header header;
  header.text = bytes.substr(0, end + 2);
  header.body_offset = end + 2;
  std::size_t line_start = 0;
  bool first = true;
  while (line_start < end + 1) {
    const std::size_t line_end = bytes.find('\n', line_start);
    const std::string line = bytes.substr(line_start, line_end - line_start);
    line_start = line_end + 1;
    if (first) {
      first = false;
      if (line != std::string(kMagic) + " " + std::to_string(kCredentialFormatVersion)) {
        if (line.rfind(kMagic, 0) == 0)
          corrupted(file, "format '" + line.substr(kMagic.size() + 1) + "', this smoops reads format " +
                              std::to_string(kCredentialFormatVersion));
        corrupted(file, "it does not start with '" + std::string(kMagic) + "'");
      }
      continue;
    }
    const std::size_t colon = line.find(": ");
    if (colon == std::string::npos) corrupted(file, "a header line without 'key: value'");
    header.fields[line.substr(0, colon)] = line.substr(colon + 2);
  }
  for (const char* field : {"name", "type", "fingerprint", "created", "kdf", "nonce"})
    if (!header.fields.count(field)) corrupted(file, std::string("no '") + field + "' in its header");
  return header;
}

/// "name=value" words of the kdf line.
std::map<std::string, std::string> kdf_words(const std::string& kdf) {
  std::map<std::string, std::string> words;
  std::size_t start = 0;
  while (start < kdf.size()) {
    std::size_t end = kdf.find(' ', start);
    if (end == std::string::npos) end = kdf.size();
    const std::string word = kdf.substr(start, end - start);
    const std::size_t eq = word.find('=');
    words[eq == std::string::npos ? word : word.substr(0, eq)] = eq == std::string::npos ? "" : word.substr(eq + 1);
    start = end + 1;
  }
  return words;
}

template <typename Number>
Number parse_number(const std::string& text, const std::filesystem::path& file, const char* field) {
  Number value{};
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) corrupted(file, std::string("bad ") + field);
  return value;
}

/// The 32-byte key for a file: the key file's key, or Argon2id(passphrase, salt).
SecretString file_key(const KeySource& key, const Bytes& salt, const KdfLimits& limits) {
  if (key.kind() == KeySource::Kind::KeyFile) return SecretString(key.material().reveal());
  SecretString derived;
  derived.resize(kKeyBytes);
  if (crypto_pwhash(reinterpret_cast<unsigned char*>(derived.data()), derived.size(), key.material().reveal().data(),
                    key.material().size(), salt.data(), limits.ops, limits.mem_bytes, crypto_pwhash_ALG_ARGON2ID13) != 0)
    throw CredentialError(CredentialError::Kind::KeySource,
                          "not enough memory to derive the key from the passphrase (Argon2id, " +
                              std::to_string(limits.mem_bytes >> 20) + " MiB)");
  return derived;
}

/// What the AEAD authenticates besides the ciphertext: the format, the name the file is opened
/// under (a file renamed to another credential fails) and the header as written.
std::string associated_data(const std::string& name, const std::string& header_text) {
  std::string data(kMagic);
  data += '\0' + std::to_string(kCredentialFormatVersion) + '\0' + name + '\0' + header_text;
  return data;
}

std::string kdf_line(const KeySource& key, const KdfLimits& limits, const Bytes& salt) {
  if (key.kind() == KeySource::Kind::KeyFile) return "key-file";
  return "argon2id13 ops=" + std::to_string(limits.ops) + " mem=" + std::to_string(limits.mem_bytes) +
         " salt=" + to_hex(salt);
}

}  // namespace

std::string seal_credential(const Credential& credential, const KeySource& key, const KdfLimits& limits,
                            const std::string& created) {
  Bytes salt(kSaltBytes);
  Bytes nonce(kNonceBytes);
  randombytes_buf(salt.data(), salt.size());
  randombytes_buf(nonce.data(), nonce.size());
  const std::string header = std::string(kMagic) + " " + std::to_string(kCredentialFormatVersion) + "\n" +
                             "name: " + credential.name + "\n" +
                             "type: " + std::string(key_type_name(credential.type)) + "\n" +
                             "fingerprint: " + key_fingerprint(credential.api_key) + "\n" +
                             "created: " + created + "\n" +
                             "kdf: " + kdf_line(key, limits, salt) + "\n" +
                             "nonce: " + to_hex(nonce) + "\n\n";
  // Plaintext: the key's length (4 bytes, big-endian), the key, the secret.
  SecretString plain;
  const auto key_size = static_cast<std::uint32_t>(credential.api_key.size());
  for (int shift = 24; shift >= 0; shift -= 8) plain.push_back(static_cast<char>((key_size >> shift) & 0xff));
  plain.append(credential.api_key.reveal());
  plain.append(credential.secret.reveal());

  const SecretString sealing_key = file_key(key, salt, limits);
  const std::string ad = associated_data(credential.name, header);
  std::string file = header;
  file.resize(header.size() + plain.size() + crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long sealed_size = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      reinterpret_cast<unsigned char*>(file.data() + header.size()), &sealed_size,
      reinterpret_cast<const unsigned char*>(plain.reveal().data()), plain.size(),
      reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nullptr, nonce.data(),
      reinterpret_cast<const unsigned char*>(sealing_key.reveal().data()));
  file.resize(header.size() + sealed_size);
  return file;
}

CredentialInfo read_credential_info(const std::string& bytes, const std::filesystem::path& file) {
  const Header header = parse_header(bytes, file);
  CredentialInfo info;
  info.name = header.fields.at("name");
  const auto type = parse_key_type(header.fields.at("type"));
  if (!type) corrupted(file, "unknown key type '" + header.fields.at("type") + "'");
  info.type = *type;
  info.fingerprint = header.fields.at("fingerprint");
  info.created = header.fields.at("created");
  return info;
}

Credential open_credential(const std::string& bytes, const std::string& name, const KeySource& key,
                           const std::filesystem::path& file) {
  const Header header = parse_header(bytes, file);
  const CredentialInfo info = read_credential_info(bytes, file);
  if (info.name != name)
    throw CredentialError(CredentialError::Kind::Corrupted,
                          file.string() + " holds credential '" + info.name + "', not '" + name +
                              "': it was renamed or copied; refusing it");
  const auto words = kdf_words(header.fields.at("kdf"));
  const bool sealed_with_key_file = words.count("key-file") > 0;
  if (!sealed_with_key_file && !words.count("argon2id13")) corrupted(file, "unknown key derivation");
  if (sealed_with_key_file != (key.kind() == KeySource::Kind::KeyFile))
    throw CredentialError(CredentialError::Kind::KeySource,
                          "credential '" + name + "' was encrypted with " +
                              (sealed_with_key_file ? "a key file" : "a passphrase") + ", but the " + key.description() +
                              " was given (docs/credentials.md#where-the-key-comes-from)");
  KdfLimits limits{0, 0};
  Bytes salt(kSaltBytes);
  if (!sealed_with_key_file) {
    if (!words.count("ops") || !words.count("mem") || !words.count("salt")) corrupted(file, "incomplete kdf line");
    limits.ops = parse_number<unsigned long long>(words.at("ops"), file, "kdf ops");
    limits.mem_bytes = parse_number<std::size_t>(words.at("mem"), file, "kdf mem");
    if (limits.ops < crypto_pwhash_OPSLIMIT_MIN || limits.ops > kMostOps || limits.mem_bytes < crypto_pwhash_MEMLIMIT_MIN ||
        limits.mem_bytes > kMostMemBytes)
      corrupted(file, "kdf limits out of range");
    salt = from_hex(words.at("salt"), kSaltBytes, file, "salt");
  }
  const Bytes nonce = from_hex(header.fields.at("nonce"), kNonceBytes, file, "nonce");
  const std::size_t sealed_size = bytes.size() - header.body_offset;
  if (sealed_size < crypto_aead_xchacha20poly1305_ietf_ABYTES + 4) corrupted(file, "truncated");

  const SecretString opening_key = file_key(key, salt, limits);
  const std::string ad = associated_data(name, header.text);
  SecretString plain;
  plain.resize(sealed_size - crypto_aead_xchacha20poly1305_ietf_ABYTES);
  unsigned long long plain_size = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plain.data()), &plain_size, nullptr,
          reinterpret_cast<const unsigned char*>(bytes.data() + header.body_offset), sealed_size,
          reinterpret_cast<const unsigned char*>(ad.data()), ad.size(), nonce.data(),
          reinterpret_cast<const unsigned char*>(opening_key.reveal().data())) != 0)
    throw CredentialError(CredentialError::Kind::Undecryptable,
                          "cannot decrypt credential '" + name + "' (" + file.string() + ") with the " +
                              key.description() + ": wrong passphrase or key, or the file was altered");
  const std::string_view text = plain.reveal();
  std::uint32_t key_size = 0;
  for (int i = 0; i < 4; ++i) key_size = (key_size << 8) | static_cast<unsigned char>(text[i]);
  if (key_size > plain_size - 4) corrupted(file, "inconsistent contents");
  Credential credential;
  credential.name = name;
  credential.type = info.type;
  credential.api_key.append(text.substr(4, key_size));
  credential.secret.append(text.substr(4 + key_size));
  return credential;
}

}  // namespace smoops::credentials
