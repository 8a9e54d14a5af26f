// Connecting to PostgreSQL: passwords never shown, and each kind of failure reported as what it
// is (malformed DSN, refused credentials, nobody listening), retried only where waiting helps.

#include "store/database.hpp"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <sstream>
#include <string>

#include "support/captured_log.hpp"
#include "support/temp_dir.hpp"
#include "support/test_database.hpp"

namespace smoops::store {
namespace {

using namespace std::chrono_literals;
using test::server_dsn;
using test::with_dbname;

/// The error connect() throws for `dsn` (fails the test when it connects).
StoreError connect_error(const std::string& dsn) {
  try {
    connect(dsn);
  } catch (const StoreError& e) {
    return e;
  }
  ADD_FAILURE() << "connected to " << dsn;
  return StoreError(StoreError::Kind::Query, "connected");
}

/// A login role with a password on the suite's server, dropped at the end of the test.
class PasswordRole {
 public:
  explicit PasswordRole(const std::string& password) : name_("t_role_" + std::to_string(::getpid())) {
    admin("DROP ROLE IF EXISTS " + name_);
    admin("CREATE ROLE " + name_ + " LOGIN PASSWORD '" + password + "'");
  }
  ~PasswordRole() { admin("DROP ROLE IF EXISTS " + name_); }
  PasswordRole(const PasswordRole&) = delete;
  PasswordRole& operator=(const PasswordRole&) = delete;
  /// The suite's DSN as this role with `password`.
  std::string dsn(const std::string& password) const {
    std::istringstream words(server_dsn());
    std::string word, out;
    while (words >> word)
      if (word.rfind("user=", 0) != 0) out += word + " ";
    return out + "user=" + name_ + " password=" + password;
  }

 private:
  static void admin(const std::string& sql) {
    pqxx::connection connection(server_dsn());
    pqxx::nontransaction(connection).exec(sql);
  }
  std::string name_;
};

using test::CapturedLog;

/// A socket folder where no server listens.
std::string nobody_listening_dsn(const test::TempDir& dir, const std::string& extra = "") {
  return "host=" + dir.path().string() + " port=5432 user=smoops dbname=smoops" + extra;
}

TEST(RedactDsn, HidesAKeyValuePassword) {
  EXPECT_EQ(redact_dsn("host=db.example.com user=bot password=hunter2 dbname=smoops"),
            "host=db.example.com user=bot password=*** dbname=smoops");
  EXPECT_EQ(redact_dsn("password=hunter2"), "password=***");
  EXPECT_EQ(redact_dsn("host=db password = hunter2"), "host=db password = ***");
}

TEST(RedactDsn, HidesAQuotedPasswordWithSpacesAndEscapes) {
  const std::string redacted = redact_dsn(R"(host=db password='my s\'ecret pw' dbname=smoops)");
  EXPECT_EQ(redacted, "host=db password=*** dbname=smoops");
}

TEST(RedactDsn, HidesAnUnterminatedQuotedPassword) {
  const std::string redacted = redact_dsn("host=db password='no end in sight");
  EXPECT_EQ(redacted.find("sight"), std::string::npos) << redacted;
  EXPECT_EQ(redacted, "host=db password=***");
}

TEST(RedactDsn, HidesTheUriPassword) {
  EXPECT_EQ(redact_dsn("postgresql://bot:s3cr%40t@db.example.com:5432/smoops"),
            "postgresql://bot:***@db.example.com:5432/smoops");
  EXPECT_EQ(redact_dsn("postgres://bot:hunter2@db/smoops?sslmode=require"),
            "postgres://bot:***@db/smoops?sslmode=require");
}

TEST(RedactDsn, HidesAUriQueryPassword) {
  EXPECT_EQ(redact_dsn("postgresql://db/smoops?user=bot&password=hunter2&sslmode=require"),
            "postgresql://db/smoops?user=bot&password=***&sslmode=require");
}

TEST(RedactDsn, KeepsADsnWithoutPassword) {
  EXPECT_EQ(redact_dsn("host=/var/lib/smoops/postgres port=5432 user=smoops dbname=smoops"),
            "host=/var/lib/smoops/postgres port=5432 user=smoops dbname=smoops");
  EXPECT_EQ(redact_dsn("postgresql://bot@db:5432/smoops"), "postgresql://bot@db:5432/smoops");
}

TEST(RedactDsn, NamesTheEnvironmentForAnEmptyDsn) { EXPECT_EQ(redact_dsn(""), "(libpq defaults: PG* environment)"); }

TEST(Connect, ConnectsToTheSuiteServer) {
  const auto connection = connect(server_dsn());
  ASSERT_TRUE(connection);
  EXPECT_EQ(pqxx::nontransaction(*connection).exec("SELECT 1 + 1")[0][0].as<int>(), 2);
}

TEST(Connect, MalformedDsnIsBadDsn) {
  for (const std::string dsn :
       {"host=/tmp dbnam", "hots=/tmp dbname=smoops", "postgresql://db:notaport/x", "host=/tmp port=abc"}) {
    const StoreError error = connect_error(dsn);
    EXPECT_EQ(error.kind(), StoreError::Kind::BadDsn) << dsn << ": " << error.what();
    EXPECT_NE(std::string(error.what()).find("cannot connect to PostgreSQL at "), std::string::npos) << error.what();
  }
}

TEST(Connect, MalformedDsnErrorHidesThePassword) {
  const StoreError error = connect_error("host=/tmp password=hunter2pw dbnam");
  EXPECT_EQ(error.kind(), StoreError::Kind::BadDsn) << error.what();
  EXPECT_EQ(std::string(error.what()).find("hunter2pw"), std::string::npos) << error.what();
}

TEST(Connect, WrongPasswordIsAuthWithoutThePassword) {
  const PasswordRole role("right-horse-battery");
  // The role works with its password: the failure below is about the password alone.
  EXPECT_NO_THROW(connect(role.dsn("right-horse-battery")));

  const StoreError error = connect_error(role.dsn("wrong-staple-guess"));
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::Auth) << message;
  EXPECT_NE(message.find("password authentication failed"), std::string::npos) << message;
  EXPECT_NE(message.find("password=***"), std::string::npos) << message;
  EXPECT_EQ(message.find("wrong-staple-guess"), std::string::npos) << message;
  EXPECT_EQ(message.find("right-horse-battery"), std::string::npos) << message;
}

TEST(Connect, UnknownRoleIsAuth) {
  std::string dsn = server_dsn();
  dsn.replace(dsn.find("user=smoops"), 11, "user=nobody_here");
  const StoreError error = connect_error(dsn);
  EXPECT_EQ(error.kind(), StoreError::Kind::Auth) << error.what();
  EXPECT_NE(std::string(error.what()).find("nobody_here"), std::string::npos) << error.what();
}

TEST(Connect, MissingDatabaseIsBadDsnWithAHint) {
  const StoreError error = connect_error(with_dbname(server_dsn(), "no_such_database"));
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::BadDsn) << message;  // waiting will not create it
  EXPECT_NE(message.find("database \"no_such_database\" does not exist"), std::string::npos) << message;
  EXPECT_NE(message.find("create that database"), std::string::npos) << message;
}

TEST(Connect, NobodyListeningIsUnreachable) {
  const test::TempDir dir;
  const StoreError error = connect_error(nobody_listening_dsn(dir, " password=hunter2pw"));
  const std::string message = error.what();
  EXPECT_EQ(error.kind(), StoreError::Kind::Unreachable) << message;
  EXPECT_NE(message.find("cannot connect to PostgreSQL at host=" + dir.path().string()), std::string::npos) << message;
  EXPECT_NE(message.find(".s.PGSQL.5432"), std::string::npos) << message;  // libpq's reason: which socket
  EXPECT_EQ(message.find("hunter2pw"), std::string::npos) << message;
}

TEST(ConnectWithRetry, GivesUpAfterItsTimeAndLogsEachAttempt) {
  const test::TempDir dir;
  const std::string dsn = nobody_listening_dsn(dir, " password=hunter2pw");
  const CapturedLog log;
  const auto start = std::chrono::steady_clock::now();
  try {
    connect_with_retry(dsn, 1200ms);
    FAIL() << "connected to nobody";
  } catch (const StoreError& e) {
    const auto waited = std::chrono::steady_clock::now() - start;
    EXPECT_EQ(e.kind(), StoreError::Kind::Unreachable) << e.what();
    EXPECT_GE(waited, 1200ms);
    EXPECT_LT(waited, 4s);
    EXPECT_NE(std::string(e.what()).find("gave up after"), std::string::npos) << e.what();
    EXPECT_EQ(std::string(e.what()).find("hunter2pw"), std::string::npos) << e.what();
  }
  const std::string text = log.text();
  // 0.25 + 0.5 + then the rest of 1.2 s: three waits, each announced.
  EXPECT_NE(text.find("[warning] PostgreSQL at host=" + dir.path().string()), std::string::npos) << text;
  EXPECT_NE(text.find("(attempt 1)"), std::string::npos) << text;
  EXPECT_NE(text.find("(attempt 2)"), std::string::npos) << text;
  EXPECT_NE(text.find("(attempt 3)"), std::string::npos) << text;
  // Attempts at 0, 0.25, 0.75 and 1.2 s: the backoff is respected up to the end.
  EXPECT_EQ(text.find("(attempt 5)"), std::string::npos) << text;
  EXPECT_NE(text.find("No such file or directory"), std::string::npos) << text;
  EXPECT_EQ(text.find("hunter2pw"), std::string::npos) << text;
}

TEST(ConnectWithRetry, DoesNotRetryRefusedCredentials) {
  const PasswordRole role("right-horse-battery");
  const auto start = std::chrono::steady_clock::now();
  try {
    connect_with_retry(role.dsn("wrong-staple-guess"), 10s);
    FAIL() << "connected with a wrong password";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::Auth) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

TEST(ConnectWithRetry, DoesNotRetryAMalformedDsn) {
  const auto start = std::chrono::steady_clock::now();
  try {
    connect_with_retry("host=/tmp dbnam", 10s);
    FAIL() << "connected with a malformed DSN";
  } catch (const StoreError& e) {
    EXPECT_EQ(e.kind(), StoreError::Kind::BadDsn) << e.what();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);
}

}  // namespace
}  // namespace smoops::store
