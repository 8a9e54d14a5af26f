#pragma once
// The subcommands of `smoops`. Each takes the arguments after its name, prints to the given
// streams and returns an exit code from exit_codes.hpp.

#include <iosfwd>
#include <string>
#include <vector>

namespace smoops::cli {

/// `smoops backtest --config BOT.yaml [--data CSV] [--json OUT] [--equity-points N] [--no-orders] [--plugin-dir DIR]...`
int backtest_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops config check FILE...`
int config_check_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops plugins list [--plugin-dir DIR]...`
int plugins_list_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops data generate --out FILE [--bars N] [--seed S] [--interval-s SECONDS] [--start-price P]`
int data_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// `smoops status|bots|reload [--json]` and `smoops start|stop|pause|resume|flatten BOT [--json]`,
/// with the daemon endpoint options of daemon_endpoints.hpp: one control request, its reply printed.
int control_command(const std::string& command, const std::vector<std::string>& args, std::ostream& out,
                    std::ostream& err);
/// `smoops watch [BOT] [--count N] [--duration-s S]` (+ endpoint options): one line per published event.
int watch_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);
/// `smoops keys generate --out PREFIX`: writes PREFIX.key (secret, 0600) and PREFIX.pub.
int keys_generate_command(const std::vector<std::string>& args, std::ostream& out, std::ostream& err);

/// The usage text of `smoops`.
std::string usage();

}  // namespace smoops::cli
