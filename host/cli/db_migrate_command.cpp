// `smoops db migrate` and `smoops db status`: the database's schema against the migrations built
// into this binary (host/store/migrations.hpp).

#include <algorithm>
#include <nlohmann/json.hpp>
#include <optional>
#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/store_options.hpp"
#include "cli/text_table.hpp"
#include "store/migrations.hpp"
#include "store/store_error.hpp"

namespace smoops::cli {
namespace {

void refuse_positionals(const Arguments& parsed) {
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
}

const char* state_name(store::MigrationState::State state) {
  switch (state) {
    case store::MigrationState::State::Applied: return "applied";
    case store::MigrationState::State::Pending: return "pending";
    case store::MigrationState::State::Edited: return "edited";
    case store::MigrationState::State::Unknown: return "unknown";
  }
  return "?";
}

/// The highest version the database records (0: none).
int applied_version(const std::vector<store::MigrationState>& states) {
  int version = 0;
  for (const auto& state : states)
    if (state.state != store::MigrationState::State::Pending) version = std::max(version, state.version);
  return version;
}

/// Why the schema is not usable by this binary (require_current_schema's message), or nothing.
std::optional<store::StoreError> schema_problem(pqxx::connection& connection) {
  try {
    store::require_current_schema(connection, store::bundled_migrations());
    return std::nullopt;
  } catch (const store::StoreError& e) {
    // A lost connection or a failed query is not a schema state: it is the command's error.
    if (e.kind() != store::StoreError::Kind::SchemaBehind && e.kind() != store::StoreError::Kind::SchemaNewer &&
        e.kind() != store::StoreError::Kind::Migration)
      throw;
    return e;
  }
}

}  // namespace

int db_migrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, kStoreOptions, {});
  refuse_positionals(parsed);
  StoreSession session = open_store(parsed, SchemaNeed::None);
  out << "database: " << session.target.description << '\n';

  const auto& known = store::bundled_migrations();
  const int applied = store::migrate(*session.connection, known, [&](const store::Migration& migration, auto elapsed) {
    out << "applied " << migration.name << " (" << elapsed.count() << " ms)\n" << std::flush;
  });
  if (applied == 0) out << "nothing to apply\n";
  out << "schema is current at version " << (known.empty() ? 0 : known.back().version) << '\n';
  return kExitOk;
}

int db_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, kStoreOptions, {"json"});
  refuse_positionals(parsed);
  StoreSession session = open_store(parsed, SchemaNeed::None);

  const auto& known = store::bundled_migrations();
  const std::vector<store::MigrationState> states = store::migration_status(*session.connection, known);
  const std::optional<store::StoreError> problem = schema_problem(*session.connection);
  const int version = applied_version(states);
  const int needed = known.empty() ? 0 : known.back().version;

  if (parsed.flag("json")) {
    nlohmann::ordered_json report;
    report["database"] = session.target.description;
    report["version"] = version;
    report["required_version"] = needed;
    report["current"] = !problem.has_value();
    report["problem"] = problem ? nlohmann::ordered_json(problem->what()) : nlohmann::ordered_json(nullptr);
    report["migrations"] = nlohmann::ordered_json::array();
    for (const auto& state : states) {
      nlohmann::ordered_json entry;
      entry["version"] = state.version;
      entry["name"] = state.name;
      entry["state"] = state_name(state.state);
      entry["applied_at"] = state.applied_at.empty() ? nlohmann::ordered_json(nullptr) : nlohmann::ordered_json(state.applied_at);
      report["migrations"].push_back(std::move(entry));
    }
    out << report.dump(2) << '\n';
  } else {
    out << "database: " << session.target.description << '\n';
    std::vector<std::vector<std::string>> rows{{"VERSION", "NAME", "STATE", "APPLIED_AT"}};
    for (const auto& state : states)
      rows.push_back({std::to_string(state.version), state.name, state_name(state.state),
                      state.applied_at.empty() ? "-" : state.applied_at});
    print_table(rows, out);
    if (problem)
      out << problem->what() << '\n';
    else
      out << "schema is current at version " << version << '\n';
  }
  return problem ? kExitSchema : kExitOk;
}

}  // namespace smoops::cli
