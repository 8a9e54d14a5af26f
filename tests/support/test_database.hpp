#pragma once
// A database of its own for one test, on the suite's PostgreSQL server (the `postgres` CTest
// fixture, tests/support/pg_fixture.sh), dropped when the test ends.

#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <fstream>
#include <pqxx/pqxx>
#include <sstream>
#include <string>

namespace smoops::test {

/// The DSN of the suite's server (its `postgres` maintenance database).
inline std::string server_dsn() {
  std::ifstream in(SMOOPS_TEST_PG_DSN_FILE);
  std::string dsn;
  std::getline(in, dsn);
  if (dsn.empty())
    throw std::runtime_error(std::string("no test PostgreSQL server: ") + SMOOPS_TEST_PG_DSN_FILE +
                             " is missing (run the tests through ctest, which starts the `postgres` fixture)");
  return dsn;
}

/// Replaces `dbname=...` in a key=value DSN.
inline std::string with_dbname(const std::string& dsn, const std::string& name) {
  std::istringstream words(dsn);
  std::string word, out;
  while (words >> word)
    if (word.rfind("dbname=", 0) != 0) out += word + " ";
  return out + "dbname=" + name;
}

class TestDatabase {
 public:
  TestDatabase() {
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "t_";
    if (info) name += std::string(info->test_suite_name()) + "_" + info->name();
    name += "_" + std::to_string(::getpid());
    for (char& c : name) c = std::isalnum(static_cast<unsigned char>(c)) ? static_cast<char>(std::tolower(c)) : '_';
    if (name.size() > 60) name = name.substr(name.size() - 60);
    name_ = name;
    admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    admin("CREATE DATABASE " + name_);
    dsn_ = with_dbname(server_dsn(), name_);
  }
  ~TestDatabase() {
    try {
      admin("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
    } catch (const std::exception& e) {
      ADD_FAILURE() << "could not drop test database " << name_ << ": " << e.what();
    }
  }
  TestDatabase(const TestDatabase&) = delete;
  TestDatabase& operator=(const TestDatabase&) = delete;

  const std::string& dsn() const { return dsn_; }
  const std::string& name() const { return name_; }

 private:
  static void admin(const std::string& sql) {
    pqxx::connection connection(server_dsn());
    pqxx::nontransaction work(connection);
    work.exec(sql);
  }
  std::string name_;
  std::string dsn_;
};

}  // namespace smoops::test
