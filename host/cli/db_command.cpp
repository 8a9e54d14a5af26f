// `smoops db SUBCOMMAND`: the database's schema and the private cluster.
#include "cli/commands.hpp"
#include "cli/arguments.hpp"

namespace smoops::cli {

int db_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err) {
  if (args.empty()) throw UsageError("db: expected a subcommand: migrate, status, start, stop or dsn");
  const std::string sub = args.front();
  const std::vector<std::string> rest(args.begin() + 1, args.end());
  if (sub == "migrate") return db_migrate_command(rest, out, err);
  if (sub == "status") return db_status_command(rest, out, err);
  if (sub == "start" || sub == "stop" || sub == "dsn") return db_cluster_command(sub, rest, out, err);
  throw UsageError("db: unknown subcommand '" + sub + "' (expected migrate, status, start, stop or dsn)");
}

}  // namespace smoops::cli
