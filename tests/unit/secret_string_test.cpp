// SecretString cannot be copied or printed; SecretInput reads secrets line by line from a pipe
// without reading past what it needs.

#include <gtest/gtest.h>
#include <unistd.h>

#include <ostream>
#include <type_traits>

#include "credentials/credential_error.hpp"
#include "credentials/secret_input.hpp"
#include "credentials/secret_string.hpp"

namespace smoops::credentials {
namespace {

template <typename T>
concept Streamable = requires(std::ostream& out, const T& value) { out << value; };

static_assert(!std::is_copy_constructible_v<SecretString>);
static_assert(!std::is_copy_assignable_v<SecretString>);
static_assert(std::is_nothrow_move_constructible_v<SecretString>);
static_assert(!Streamable<SecretString>, "a secret must not be printable");
static_assert(!std::is_convertible_v<SecretString, std::string>);
static_assert(!std::is_convertible_v<SecretString, std::string_view>);

TEST(SecretString, GrowsKeepsItsBytesAndMovesOut) {
  SecretString secret;
  for (int i = 0; i < 1000; ++i) secret.push_back(static_cast<char>('a' + i % 26));
  EXPECT_EQ(secret.size(), 1000u);
  EXPECT_EQ(secret.reveal().substr(0, 3), "abc");
  SecretString moved = std::move(secret);
  EXPECT_EQ(moved.size(), 1000u);
  EXPECT_TRUE(secret.empty());  // NOLINT(bugprone-use-after-move): moved-from is empty
  moved.clear();
  EXPECT_TRUE(moved.empty());
}

TEST(SecretString, EqualComparesBytes) {
  EXPECT_TRUE(equal(SecretString("same"), SecretString("same")));
  EXPECT_FALSE(equal(SecretString("same"), SecretString("sane")));
  EXPECT_FALSE(equal(SecretString("same"), SecretString("same!")));
}

/// A pipe holding `text`, read end returned (write end closed).
int pipe_with(const std::string& text) {
  int fds[2];
  if (::pipe(fds) != 0) throw std::runtime_error("pipe");
  EXPECT_EQ(::write(fds[1], text.data(), text.size()), static_cast<ssize_t>(text.size()));
  ::close(fds[1]);
  return fds[0];
}

TEST(SecretInput, ReadsLinesFromAPipeWithoutPromptingOrReadingAhead) {
  const int fd = pipe_with("pass\r\nkey\n-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\nrest\n");
  SecretInput input(fd, -1);
  EXPECT_FALSE(input.interactive());
  EXPECT_EQ(input.read_line("passphrase: ").reveal(), "pass");
  EXPECT_EQ(input.read_line("API key: ").reveal(), "key");
  EXPECT_EQ(input.read_until("PEM:\n", "-----END").reveal(),
            "-----BEGIN PRIVATE KEY-----\nabc\n-----END PRIVATE KEY-----\n");
  EXPECT_EQ(input.read_line("next: ").reveal(), "rest");
  try {
    (void)input.read_line("API secret: ");
    ADD_FAILURE() << "expected the end of the input to be refused";
  } catch (const CredentialError& e) {
    EXPECT_EQ(e.kind(), CredentialError::Kind::BadInput);
    EXPECT_STREQ(e.what(), "the input ended before the API secret was given");
  }
  ::close(fd);
}

}  // namespace
}  // namespace smoops::credentials
