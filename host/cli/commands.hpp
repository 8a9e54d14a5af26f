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

/// The usage text of `smoops`.
std::string usage();

}  // namespace smoops::cli
