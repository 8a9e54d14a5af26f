#pragma once
// Process exit codes of smoops and smoopsd; docs/exit-codes.md lists the same table.

namespace smoops::cli {

enum ExitCode : int {
  kExitOk = 0,             ///< success
  kExitInternal = 1,       ///< an unexpected error (a bug): the message says what
  kExitUsage = 2,          ///< bad command line: usage printed
  kExitConfig = 3,         ///< a YAML file is invalid (message: file:line:col)
  kExitPlugin = 4,         ///< a plugin file could not be loaded
  kExitData = 5,           ///< a market data file is invalid (message: file:line)
  kExitBotFault = 6,       ///< a bot halted because its plugin threw
  kExitOutput = 7,         ///< an output file could not be written
  kExitDaemon = 8,         ///< the daemon refused the request or did not answer
  kExitBus = 9,            ///< smoopsd: a ZeroMQ endpoint could not be bound or secured
  kExitStore = 10,         ///< the database: unreachable, credentials refused, malformed DSN, private cluster failed
  kExitSchema = 11,        ///< the database schema: behind (run `smoops db migrate`), newer, or a migration failed or was edited
  kExitOwned = 12,         ///< smoopsd: a bot is owned by another daemon
  kExitNotFound = 13,      ///< `smoops runs show ID`: no run with that id in the store
  kExitTraining = 14,      ///< `smoops train`: the model plugin failed to train, or the saved model does not reproduce it
  kExitCredentials = 15,   ///< credentials: unknown name, name taken, wrong passphrase or key, altered file, no key for smoopsd
  kExitVenue = 16,         ///< a venue refused a bot or was unreachable: keys refused or missing, instrument disagrees
};

}  // namespace smoops::cli
