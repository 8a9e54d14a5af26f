#include "cli/run_command.hpp"

#include <ostream>

#include "bus/bus_error.hpp"
#include "cli/arguments.hpp"
#include "cli/exit_codes.hpp"
#include "config/config_error.hpp"
#include "data/csv_bar_reader.hpp"
#include "plugin/plugin_registry.hpp"

namespace smoops::cli {

int run_command(const std::function<int()>& command, const std::string& usage, std::ostream& err) {
  try {
    return command();
  } catch (const UsageError& e) {
    err << "error: " << e.what() << "\n\n" << usage;
    return kExitUsage;
  } catch (const OutputError& e) {
    err << "error: " << e.what() << '\n';
    return kExitOutput;
  } catch (const config::ConfigError& e) {
    err << "error: " << e.what() << '\n';
    return kExitConfig;
  } catch (const ParamError& e) {
    err << "error: " << e.what() << '\n';
    return kExitConfig;
  } catch (const plugin::PluginError& e) {
    err << "error: " << e.what() << '\n';
    return kExitPlugin;
  } catch (const data::DataError& e) {
    err << "error: " << e.what() << '\n';
    return kExitData;
  } catch (const bus::BusError& e) {
    err << "error: " << e.what() << '\n';
    return kExitDaemon;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << '\n';
    return kExitInternal;
  }
}

}  // namespace smoops::cli
