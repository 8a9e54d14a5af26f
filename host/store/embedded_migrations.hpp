#pragma once
// The migrations/*.sql files as the build found them: generated into the build tree by
// embed_migrations.cmake. Only migrations.cpp reads this; everyone else uses bundled_migrations().

#include <string_view>
#include <vector>

namespace smoops::store {

/// One migration file, checked at build time: named NNNN_description.sql, version unique.
struct EmbeddedMigrationFile {
  int version;
  std::string_view name;   ///< e.g. "0001_initial.sql"
  std::string_view bytes;  ///< the file's exact content
};

/// Every file of migrations/, by version.
std::vector<EmbeddedMigrationFile> embedded_migration_files();

}  // namespace smoops::store
