#include "config/yaml_document.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <unordered_map>

namespace smoops::config {

std::string read_config_text(const std::filesystem::path& file) {
  const auto fail = [&file](int error) -> ConfigError {
    return ConfigError(file.string(), std::string("cannot read file: ") + std::strerror(error));
  };
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> stream(std::fopen(file.c_str(), "rb"), &std::fclose);
  if (!stream) throw fail(errno);
  std::string text;
  char buffer[8192];
  std::size_t count = 0;
  while ((count = std::fread(buffer, 1, sizeof buffer, stream.get())) > 0) text.append(buffer, count);
  // fopen succeeds on a directory on Linux; the read is what fails (EISDIR).
  if (std::ferror(stream.get())) throw fail(errno);
  return text;
}

SourceMark source_mark(const YAML::Mark& mark, const std::filesystem::path& file) {
  if (mark.is_null()) return SourceMark{file.string(), 1, 1};
  return SourceMark{file.string(), mark.line + 1, mark.column + 1};
}

YAML::Node parse_yaml_document(std::string_view text, const std::filesystem::path& file) {
  std::vector<YAML::Node> documents;
  try {
    documents = YAML::LoadAll(std::string(text));
  } catch (const YAML::ParserException& e) {
    throw ConfigError(source_mark(e.mark, file), "YAML syntax error: " + e.msg);
  } catch (const YAML::Exception& e) {
    throw ConfigError(source_mark(e.mark, file), "YAML error: " + e.msg);
  }
  if (documents.empty()) return YAML::Node(YAML::NodeType::Null);
  // A second document would otherwise be ignored without a word.
  if (documents.size() > 1)
    throw ConfigError(source_mark(documents[1].Mark(), file),
                      "expected one YAML document, found " + std::to_string(documents.size()));
  return documents.front();
}

std::string message_prefix(const std::string& path) { return path.empty() ? std::string() : path + ": "; }

std::string child_path(const std::string& parent, std::string_view key) {
  return parent.empty() ? std::string(key) : parent + "." + std::string(key);
}

std::vector<std::pair<YAML::Node, YAML::Node>> unique_map_entries(const YAML::Node& map,
                                                                  const std::filesystem::path& file,
                                                                  const std::string& path) {
  std::vector<std::pair<YAML::Node, YAML::Node>> entries;
  std::unordered_map<std::string, int> first_line_of_key;
  for (const auto& entry : map) {
    const YAML::Node& key = entry.first;
    const SourceMark key_mark = source_mark(key.Mark(), file);
    if (!key.IsScalar())
      throw ConfigError(key_mark, message_prefix(path) + "expected a plain name as key, got " +
                                      (key.IsMap() ? "a map" : key.IsSequence() ? "a list" : "nothing"));
    const auto [first, inserted] = first_line_of_key.emplace(key.Scalar(), key_mark.line);
    if (!inserted)
      throw ConfigError(key_mark, message_prefix(path) + "duplicate key '" + key.Scalar() + "' (first written at line " +
                                      std::to_string(first->second) + ")");
    entries.emplace_back(key, entry.second);
  }
  return entries;
}

}  // namespace smoops::config
