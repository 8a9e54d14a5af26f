#include "cli/run_command.hpp"

#include "engine/venue_error.hpp"

#include <ostream>

#include "bus/bus_error.hpp"
#include "cli/arguments.hpp"
#include "cli/exit_codes.hpp"
#include "config/config_error.hpp"
#include "credentials/credential_error.hpp"
#include "data/csv_bar_reader.hpp"
#include "plugin/plugin_registry.hpp"
#include "store/store_error.hpp"

namespace smoops::cli {

int store_exit_code(const store::StoreError& error) {
  switch (error.kind()) {
    case store::StoreError::Kind::SchemaBehind:
    case store::StoreError::Kind::SchemaNewer:
    case store::StoreError::Kind::Migration: return kExitSchema;
    case store::StoreError::Kind::Ownership: return kExitOwned;
    default: return kExitStore;
  }
}

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
  } catch (const store::StoreError& e) {
    err << "error: " << e.what() << '\n';
    return store_exit_code(e);
  } catch (const credentials::CredentialError& e) {
    if (e.kind() == credentials::CredentialError::Kind::BadName) {
      err << "error: " << e.what() << "\n\n" << usage;
      return kExitUsage;
    }
    err << "error: " << e.what() << '\n';
    return kExitCredentials;
  } catch (const engine::VenueError& e) {
    err << "error: " << e.what() << '\n';
    return kExitVenue;
  } catch (const std::exception& e) {
    err << "error: " << e.what() << '\n';
    return kExitInternal;
  }
}

}  // namespace smoops::cli
