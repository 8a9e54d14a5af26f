#include "plugin/plugin_listing.hpp"

#include <algorithm>
#include <array>
#include <string>
#include <vector>

namespace smoops::plugin {

namespace {

constexpr std::size_t kColumnCount = 5;
using Row = std::array<std::string, kColumnCount>;

Row row_for(const PluginInfo& plugin) {
  return {plugin.name, to_string(plugin.kind), plugin.version, std::to_string(plugin.abi_version),
          plugin.path.string()};
}

void print_row(const Row& row, const std::array<std::size_t, kColumnCount>& widths, std::ostream& out) {
  for (std::size_t column = 0; column < kColumnCount; ++column) {
    out << row[column];
    // The last column is not padded: no trailing spaces for scripts to trip over.
    if (column + 1 < kColumnCount) out << std::string(widths[column] - row[column].size() + 2, ' ');
  }
  out << '\n';
}

}  // namespace

void print_plugin_listing(const PluginRegistry& registry, std::ostream& out, std::ostream& err) {
  std::vector<Row> rows{{"NAME", "KIND", "VERSION", "ABI", "PATH"}};
  for (const auto& plugin : registry.plugins()) rows.push_back(row_for(plugin));

  std::array<std::size_t, kColumnCount> widths{};
  for (const auto& row : rows)
    for (std::size_t column = 0; column < kColumnCount; ++column)
      widths[column] = std::max(widths[column], row[column].size());

  for (const auto& row : rows) print_row(row, widths, out);

  if (registry.plugins().empty()) {
    std::string searched;
    for (const auto& directory : registry.directories())
      searched += (searched.empty() ? "" : ", ") + directory.string();
    err << "note: no plugins found (searched: " << (searched.empty() ? "no directories" : searched) << ")\n";
  }
  for (const auto& error : registry.errors()) err << "error: " << error.what() << '\n';
}

}  // namespace smoops::plugin
