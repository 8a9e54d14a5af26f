#include "config/yaml_params.hpp"

#include "config/yaml_document.hpp"

namespace smoops::config {

namespace {

// `mark` is passed in rather than read from `node` because yaml-cpp gives an empty map value
// the position of the next token; for those the caller passes the key's position.
Params convert(const YAML::Node& node, SourceMark mark, const std::filesystem::path& file, const std::string& path) {
  switch (node.Type()) {
    case YAML::NodeType::Scalar:
      return Params::scalar(node.Scalar(), std::move(mark), path);
    case YAML::NodeType::Sequence: {
      Params sequence = Params::sequence(std::move(mark), path);
      for (std::size_t i = 0; i < node.size(); ++i) {
        const YAML::Node item = node[i];
        sequence.push_back(convert(item, source_mark(item.Mark(), file), file, path + "[" + std::to_string(i) + "]"));
      }
      return sequence;
    }
    case YAML::NodeType::Map: {
      Params map = Params::map(std::move(mark), path);
      for (const auto& [key, value] : unique_map_entries(node, file, path)) {
        SourceMark value_mark = source_mark(value.IsNull() ? key.Mark() : value.Mark(), file);
        map.add(key.Scalar(), convert(value, std::move(value_mark), file, child_path(path, key.Scalar())));
      }
      return map;
    }
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      break;
  }
  return Params::null(std::move(mark), path);
}

}  // namespace

Params to_params(const YAML::Node& node, const std::filesystem::path& file, const std::string& path) {
  return convert(node, source_mark(node.Mark(), file), file, path);
}

}  // namespace smoops::config
