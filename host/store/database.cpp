#include "store/database.hpp"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdlib>
#include <thread>
#include <vector>

namespace smoops::store {
namespace {

constexpr std::string_view kRedacted = "***";

bool is_uri(std::string_view dsn) { return dsn.rfind("postgresql://", 0) == 0 || dsn.rfind("postgres://", 0) == 0; }

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

/// One `key=value` of a key=value DSN, as positions in the DSN: [value_begin, value_end) is the
/// value as written (quotes included), `value` its unescaped text.
struct DsnSetting {
  std::string key;
  std::size_t value_begin = 0;
  std::size_t value_end = 0;
  std::string value;
};

/// Splits a key=value DSN the way libpq does (values unquoted up to whitespace, or single-quoted
/// with backslash escapes). Stops quietly at the first malformed spot: libpq reports those
/// itself, and redaction only needs what can be read.
std::vector<DsnSetting> parse_key_value_dsn(std::string_view dsn) {
  std::vector<DsnSetting> settings;
  std::size_t i = 0;
  auto skip_spaces = [&] {
    while (i < dsn.size() && is_space(dsn[i])) ++i;
  };
  while (true) {
    skip_spaces();
    if (i >= dsn.size()) break;
    DsnSetting setting;
    while (i < dsn.size() && dsn[i] != '=' && !is_space(dsn[i])) setting.key += dsn[i++];
    skip_spaces();
    if (i >= dsn.size() || dsn[i] != '=') break;
    ++i;
    skip_spaces();
    setting.value_begin = i;
    if (i < dsn.size() && dsn[i] == '\'') {
      ++i;
      while (i < dsn.size() && dsn[i] != '\'') {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        setting.value += dsn[i++];
      }
      if (i < dsn.size()) ++i;  // the closing quote (an unterminated value runs to the end)
    } else {
      while (i < dsn.size() && !is_space(dsn[i])) {
        if (dsn[i] == '\\' && i + 1 < dsn.size()) ++i;
        setting.value += dsn[i++];
      }
    }
    setting.value_end = i;
    settings.push_back(std::move(setting));
  }
  return settings;
}

/// %XX decoding of a URI component (a malformed escape is kept as written).
std::string percent_decode(std::string_view text) {
  std::string decoded;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '%' && i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      decoded += static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16));
      i += 2;
    } else {
      decoded += text[i];
    }
  }
  return decoded;
}

/// A span of a URI DSN that holds a password: [begin, end).
struct Span {
  std::size_t begin;
  std::size_t end;
};

/// The password spans of a URI DSN: `user:PASSWORD@` and `password=PASSWORD` in the query.
std::vector<Span> uri_password_spans(std::string_view dsn) {
  std::vector<Span> spans;
  const std::size_t authority = dsn.find("://") + 3;
  const std::size_t query = dsn.find('?', authority);
  // The user info ends at the last '@' before the query: a password with a raw '@' or '/' in it
  // is not valid URI syntax, but it must still not show.
  const std::size_t at = dsn.rfind('@', query == std::string_view::npos ? dsn.size() : query);
  if (at != std::string_view::npos && at >= authority) {
    const std::size_t colon = dsn.find(':', authority);
    if (colon != std::string_view::npos && colon < at) spans.push_back({colon + 1, at});
  }
  if (query != std::string_view::npos) {
    std::size_t start = query + 1;
    while (start <= dsn.size()) {
      std::size_t end = dsn.find('&', start);
      if (end == std::string_view::npos) end = dsn.size();
      const std::string_view parameter = dsn.substr(start, end - start);
      if (parameter.rfind("password=", 0) == 0) spans.push_back({start + 9, end});
      start = end + 1;
    }
  }
  return spans;
}

/// Every password written in the DSN, as libpq would read it (for scrubbing server messages).
std::vector<std::string> passwords_in(std::string_view dsn) {
  std::vector<std::string> passwords;
  if (is_uri(dsn)) {
    for (const Span& span : uri_password_spans(dsn)) {
      const std::string_view raw = dsn.substr(span.begin, span.end - span.begin);
      passwords.emplace_back(raw);
      passwords.push_back(percent_decode(raw));
    }
  } else {
    for (const DsnSetting& setting : parse_key_value_dsn(dsn))
      if (setting.key == "password") {
        passwords.push_back(setting.value);
        passwords.emplace_back(dsn.substr(setting.value_begin, setting.value_end - setting.value_begin));
      }
  }
  return passwords;
}

/// `message` with every password of `dsn` replaced by "***". Passwords shorter than 3
/// characters are left alone: replacing every "a" in a message would garble it and give the
/// password away all the same.
std::string scrub(std::string message, std::string_view dsn) {
  for (const std::string& password : passwords_in(dsn)) {
    if (password.size() < 3) continue;
    for (std::size_t at = message.find(password); at != std::string::npos;
         at = message.find(password, at + kRedacted.size()))
      message.replace(at, password.size(), kRedacted);
  }
  return message;
}

/// libpq's message on one line: trailing newlines dropped, inner ones joined with "; ".
std::string one_line(std::string message) {
  while (!message.empty() && is_space(message.back())) message.pop_back();
  std::string line;
  for (std::size_t i = 0; i < message.size(); ++i) {
    if (message[i] == '\n') {
      line += "; ";
      while (i + 1 < message.size() && is_space(message[i + 1])) ++i;
    } else {
      line += message[i];
    }
  }
  return line;
}

bool contains(std::string_view text, std::string_view part) { return text.find(part) != std::string_view::npos; }

/// The server says the DSN's database does not exist.
bool names_missing_database(std::string_view reason) {
  return contains(reason, "database \"") && contains(reason, "does not exist");
}

/// Which of our kinds a libpq connection failure is.
StoreError::Kind classify(std::string_view message) {
  // libpq's own parsing errors, before it tries any server.
  static constexpr std::array kBadDsn{
      std::string_view("invalid connection option"),
      std::string_view("missing \"=\""),
      std::string_view("unterminated quoted string"),
      std::string_view("invalid URI"),
      std::string_view("invalid integer value"),
      std::string_view("invalid sslmode value"),
      std::string_view("invalid target_session_attrs value"),
      std::string_view("invalid percent-encoded token"),
      std::string_view("could not match"),
      std::string_view("forbidden value %00"),
      std::string_view("invalid port number"),
      std::string_view("invalid value for parameter"),
      std::string_view("invalid channel_binding value"),
      std::string_view("invalid gssencmode value"),
  };
  static constexpr std::array kAuth{
      std::string_view("password authentication failed"), std::string_view("no password supplied"),
      std::string_view("authentication failed"),          std::string_view("pg_hba.conf rejects connection"),
      std::string_view("no pg_hba.conf entry"),
  };
  for (const auto part : kBadDsn)
    if (contains(message, part)) return StoreError::Kind::BadDsn;
  for (const auto part : kAuth)
    if (contains(message, part)) return StoreError::Kind::Auth;
  if (contains(message, "role \"") && contains(message, "does not exist")) return StoreError::Kind::Auth;
  // A database that does not exist will not appear by waiting: the DSN names the wrong one.
  if (names_missing_database(message)) return StoreError::Kind::BadDsn;
  return StoreError::Kind::Unreachable;
}

/// What the user can do about it, appended to the message.
std::string hint(StoreError::Kind kind, std::string_view reason) {
  if (names_missing_database(reason)) return " (create that database, or name another one with dbname= in the DSN)";
  switch (kind) {
    case StoreError::Kind::BadDsn:
      return " (check the DSN: key=value pairs like 'host=db.example.com dbname=smoops user=smoops', or a "
             "postgresql:// URI)";
    case StoreError::Kind::Auth: return " (check the user and password: in the DSN, PGPASSWORD or ~/.pgpass)";
    default: return "";
  }
}

/// Why a connection attempt failed: the kind and libpq's reason, password-free.
struct ConnectFailure {
  StoreError::Kind kind;
  std::string reason;
};

/// The DSN with connect_timeout=5 added unless it (or PGCONNECT_TIMEOUT) sets one, so that an
/// unroutable host fails in seconds instead of the operating system's minutes.
std::string with_connect_timeout(const std::string& dsn) {
  if (std::getenv("PGCONNECT_TIMEOUT") != nullptr) return dsn;
  if (is_uri(dsn)) {
    if (contains(dsn, "connect_timeout=")) return dsn;
    return dsn + (contains(dsn, "?") ? "&" : "?") + "connect_timeout=5";
  }
  const auto settings = parse_key_value_dsn(dsn);
  if (std::any_of(settings.begin(), settings.end(), [](const DsnSetting& s) { return s.key == "connect_timeout"; }))
    return dsn;
  return dsn.empty() ? "connect_timeout=5" : dsn + " connect_timeout=5";
}

std::string failure_message(const std::string& dsn, const ConnectFailure& failure) {
  return "cannot connect to PostgreSQL at " + redact_dsn(dsn) + ": " + failure.reason +
         hint(failure.kind, failure.reason);
}

/// One connection attempt: the connection, or why there is none.
std::unique_ptr<pqxx::connection> try_connect(const std::string& dsn, ConnectFailure& failure) {
  try {
    return std::make_unique<pqxx::connection>(with_connect_timeout(dsn));
  } catch (const pqxx::broken_connection& e) {
    failure.reason = scrub(one_line(e.what()), dsn);
  } catch (const pqxx::failure& e) {
    failure.reason = scrub(one_line(e.what()), dsn);
  }
  failure.kind = classify(failure.reason);
  return nullptr;
}

}  // namespace

std::string redact_dsn(std::string_view dsn) {
  if (dsn.find_first_not_of(" \t\n\r") == std::string_view::npos) return "(libpq defaults: PG* environment)";
  std::string redacted(dsn);
  if (is_uri(dsn)) {
    const auto spans = uri_password_spans(dsn);
    // From the back, so that earlier positions stay valid.
    for (auto span = spans.rbegin(); span != spans.rend(); ++span)
      redacted.replace(span->begin, span->end - span->begin, kRedacted);
    return redacted;
  }
  const auto settings = parse_key_value_dsn(dsn);
  for (auto setting = settings.rbegin(); setting != settings.rend(); ++setting)
    if (setting->key == "password")
      redacted.replace(setting->value_begin, setting->value_end - setting->value_begin, kRedacted);
  // A password whose value could not be parsed (e.g. an unterminated quote): hide everything
  // after it rather than risk showing part of it.
  const std::size_t unparsed = settings.empty() ? 0 : settings.back().value_end;
  const std::size_t password_at = redacted.find("password", unparsed);
  if (password_at != std::string::npos)
    redacted = redacted.substr(0, password_at) + "password=" + std::string(kRedacted);
  return redacted;
}

std::unique_ptr<pqxx::connection> connect(const std::string& dsn) {
  ConnectFailure failure{};
  auto connection = try_connect(dsn, failure);
  if (!connection) throw StoreError(failure.kind, failure_message(dsn, failure));
  return connection;
}

std::unique_ptr<pqxx::connection> connect_with_retry(const std::string& dsn, std::chrono::milliseconds give_up_after) {
  using namespace std::chrono;
  constexpr milliseconds kFirstDelay{250};
  constexpr milliseconds kMaxDelay{4000};
  const auto start = steady_clock::now();
  const auto deadline = start + give_up_after;
  milliseconds delay = kFirstDelay;
  for (int attempt = 1;; ++attempt) {
    ConnectFailure failure{};
    if (auto connection = try_connect(dsn, failure)) {
      if (attempt > 1) spdlog::info("connected to PostgreSQL at {} (attempt {})", redact_dsn(dsn), attempt);
      return connection;
    }
    if (failure.kind != StoreError::Kind::Unreachable) throw StoreError(failure.kind, failure_message(dsn, failure));
    const auto now = steady_clock::now();
    if (now >= deadline) {
      const double waited_s = duration<double>(now - start).count();
      throw StoreError(failure.kind,
                       failure_message(dsn, failure) + fmt::format(" (gave up after {} attempt{} in {:.1f} s)", attempt,
                                                                   attempt == 1 ? "" : "s", waited_s));
    }
    // Rounded up, so that the last pause ends at the deadline rather than just short of it.
    const auto pause = std::min(delay, ceil<milliseconds>(deadline - now));
    spdlog::warn("PostgreSQL at {} is not reachable (attempt {}): {}; retrying in {:.2f} s", redact_dsn(dsn), attempt,
                 failure.reason, duration<double>(pause).count());
    std::this_thread::sleep_for(pause);
    delay = std::min(delay * 2, kMaxDelay);
  }
}

}  // namespace smoops::store
