#pragma once
// The subcommands of `smoops`. Each takes the arguments after its name, prints to the given
// streams and returns an exit code from exit_codes.hpp.

#include <iosfwd>
#include <string>
#include <vector>

namespace smoops::cli {

/// `smoops backtest --config BOT.yaml [--data CSV] [--json OUT] [--equity-points N] [--no-orders] [--plugin-dir DIR]...
/// [--store [store options]]`
int backtest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops config check FILE...`
int config_check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops plugins list [--plugin-dir DIR]...`
int plugins_list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops data generate --out FILE [--bars N] [--seed S] [--interval-s SECONDS] [--start-price P]`
int data_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops fetch-data --exchange NAME --symbol SYM --interval I --from DATE [--to DATE] --out FILE [--param K=V]...`:
/// the exchange plugin's bar history into a CSV file; an existing file is extended, never duplicated.
int fetch_data_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops status|bots|reload [--json]` and `smoops start|stop|pause|resume|flatten BOT [--json]`,
/// with the daemon endpoint options of daemon_endpoints.hpp: one control request, its reply printed.
int control_command(const std::string& command, const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);
/// `smoops watch [BOT] [--count N] [--duration-s S]` (+ endpoint options): one line per published event.
int watch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops keys generate --out PREFIX`: writes PREFIX.key (secret, 0600) and PREFIX.pub.
int keys_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops credentials add NAME [--type hmac|ed25519] [--replace] | list [--json] | remove NAME | check NAME`
/// (+ --state-dir DIR, --key-file FILE): encrypted exchange credentials; their errors exit 15.
int credentials_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops db migrate|status|start|stop|dsn [store options]`.
int db_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops db migrate`: applies pending migrations, prints what it applied.
int db_migrate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops db status [--json]`: every migration, applied or pending; exit 11 when behind or newer.
int db_status_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops db start|stop|dsn [--state-dir DIR]`: the private cluster (start it, stop it, print its DSN).
int db_cluster_command(const std::string& sub, const std::vector<std::string>& args, std::ostream& out,
                       std::ostream& err);
/// `smoops runs list [--bot NAME] [--kind KIND] [--limit N] [--json]` and `smoops runs show ID [--trades N] [--json]`
/// (+ store options); an unknown ID exits 13.
int runs_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops train --config MODEL.yaml --data CSV... --out DIR [--plugin-dir DIR]... [--quiet]`: trains a
/// model plugin, saves it in DIR and prints the test-split report (exit 14 when training fails).
int train_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The usage text of `smoops`.
std::string usage();

}  // namespace smoops::cli
