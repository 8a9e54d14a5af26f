// `smoops db start|stop|dsn`: the private PostgreSQL cluster under the state directory, for
// people who want to look at the data with psql, or keep the server up between commands.

#include <ostream>

#include "cli/arguments.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "store/private_cluster.hpp"
#include "store/store_error.hpp"
#include "store/store_location.hpp"

namespace smoops::cli {

int db_cluster_command(const std::string& sub, const std::vector<std::string>& args, std::ostream& out, std::ostream&) {
  const Arguments parsed(args, {"state-dir"}, {});
  if (!parsed.positionals().empty()) throw UsageError("unexpected argument '" + parsed.positionals().front() + "'");
  const std::filesystem::path state_dir = parsed.value("state-dir").value_or(store::default_state_dir().string());

  if (sub == "start") {
    // The log says whether it was created, started or running already; stdout is the DSN alone,
    // so that `export DSN=$(smoops db start)` works.
    auto cluster = store::PrivateCluster::ensure_running(state_dir, /*stop_on_exit=*/false);
    cluster->keep_running();
    out << cluster->dsn() << '\n';
    return kExitOk;
  }
  const std::string where = (std::filesystem::absolute(state_dir) / "postgres").lexically_normal().string();
  if (sub == "stop") {
    if (store::PrivateCluster::stop_if_running(state_dir))
      out << "stopped the private PostgreSQL cluster in " << where << '\n';
    else
      out << "the private PostgreSQL cluster in " << where << " is not running\n";
    return kExitOk;
  }
  // dsn
  if (!store::PrivateCluster::is_running(state_dir))
    throw store::StoreError(store::StoreError::Kind::Cluster,
                            "the private PostgreSQL cluster in " + where +
                                " is not running; start it with `smoops db start" +
                                (parsed.value("state-dir") ? " --state-dir " + state_dir.string() : "") + "`");
  out << store::PrivateCluster::dsn(state_dir) << '\n';
  return kExitOk;
}

}  // namespace smoops::cli
