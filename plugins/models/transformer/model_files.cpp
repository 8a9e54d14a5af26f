#include "model_files.hpp"

#include <cmath>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace smoops::transformer {

namespace {

using Json = nlohmann::json;

[[noreturn]] void fail(const std::filesystem::path& file, const std::string& message) {
  throw std::runtime_error(file.string() + ": " + message);
}

Json read_json(const std::filesystem::path& file) {
  std::error_code error;
  if (!std::filesystem::is_regular_file(file, error)) fail(file, "file not found");
  std::ifstream in(file, std::ios::binary);
  if (!in) fail(file, "cannot be opened");
  try {
    Json json = Json::parse(in);
    if (!json.is_object()) fail(file, "expected a JSON object");
    return json;
  } catch (const Json::parse_error& e) {
    fail(file, std::string("not valid JSON: ") + e.what());
  }
}

/// The value at a dotted `path` ("spec.window") of `json`, or a failure naming it.
const Json& at(const std::filesystem::path& file, const Json& json, const std::string& path) {
  const Json* node = &json;
  std::size_t begin = 0;
  while (true) {
    const std::size_t dot = path.find('.', begin);
    const std::string key = path.substr(begin, dot == std::string::npos ? std::string::npos : dot - begin);
    if (!node->is_object() || !node->contains(key)) fail(file, "missing key '" + path + "'");
    node = &(*node)[key];
    if (dot == std::string::npos) return *node;
    begin = dot + 1;
  }
}

std::size_t positive_integer(const std::filesystem::path& file, const Json& json, const std::string& path) {
  const Json& value = at(file, json, path);
  if (!value.is_number_unsigned() || value.get<std::uint64_t>() == 0 || value.get<std::uint64_t>() > 1'000'000)
    fail(file, "'" + path + "' must be an integer from 1 to 1000000, got " + value.dump());
  return value.get<std::size_t>();
}

std::vector<std::string> string_list(const std::filesystem::path& file, const Json& json, const std::string& path) {
  const Json& value = at(file, json, path);
  if (!value.is_array() || value.empty()) fail(file, "'" + path + "' must be a non-empty list of names");
  std::vector<std::string> names;
  for (const Json& item : value) {
    if (!item.is_string()) fail(file, "'" + path + "' must be a list of names, found " + item.dump());
    names.push_back(item.get<std::string>());
  }
  return names;
}

std::vector<double> number_list(const std::filesystem::path& file, const Json& json, const std::string& path,
                                 std::size_t size) {
  const Json& value = at(file, json, path);
  if (!value.is_array() || value.size() != size)
    fail(file, "'" + path + "' must be a list of " + std::to_string(size) + " numbers, one per feature");
  std::vector<double> numbers;
  for (const Json& item : value) {
    if (!item.is_number() || !std::isfinite(item.get<double>()))
      fail(file, "'" + path + "' must hold finite numbers, found " + item.dump());
    numbers.push_back(item.get<double>());
  }
  return numbers;
}

}  // namespace

ModelFile read_model_file(const std::filesystem::path& file) {
  const Json json = read_json(file);
  if (json.contains("format") && json["format"] != "smoops-model/1")
    fail(file, "unknown format " + json["format"].dump() + " (expected \"smoops-model/1\")");
  ModelFile model;
  model.spec.window = positive_integer(file, json, "spec.window");
  model.spec.features = string_list(file, json, "spec.features");
  model.spec.labels = string_list(file, json, "spec.labels");
  model.spec.outputs = model.spec.labels.size();
  const std::size_t features = model.spec.features.size();
  model.normalization.mean = number_list(file, json, "normalization.mean", features);
  model.normalization.stddev = number_list(file, json, "normalization.std", features);
  for (double s : model.normalization.stddev)
    if (!(s > 0)) fail(file, "'normalization.std' must hold positive numbers, found " + std::to_string(s));
  return model;
}

std::string checksum_of(std::span<const char> bytes) {
  std::uint64_t hash = 14695981039346656037ull;
  for (char c : bytes) {
    hash ^= static_cast<unsigned char>(c);
    hash *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(hash));
  return std::string("fnv1a64:") + hex;
}

void write_architecture(const std::filesystem::path& file, const Architecture& a) {
  const nlohmann::ordered_json json = {{"format", "smoops-transformer/1"}, {"window", a.window},
                                       {"d_model", a.d_model}, {"heads", a.heads}, {"layers", a.layers},
                                       {"ff", a.ff}, {"dropout", a.dropout},
                                       {"weights_checksum", a.weights_checksum}};
  std::ofstream out(file, std::ios::binary);
  out << json.dump(2) << '\n';
  if (!out) fail(file, "cannot be written");
}

Architecture read_architecture(const std::filesystem::path& file) {
  const Json json = read_json(file);
  Architecture a;
  a.window = positive_integer(file, json, "window");
  a.d_model = positive_integer(file, json, "d_model");
  a.heads = positive_integer(file, json, "heads");
  a.layers = positive_integer(file, json, "layers");
  a.ff = positive_integer(file, json, "ff");
  if (a.d_model % a.heads != 0)
    fail(file, "'heads' (" + std::to_string(a.heads) + ") must divide 'd_model' (" + std::to_string(a.d_model) + ")");
  const Json& dropout = at(file, json, "dropout");
  if (!dropout.is_number() || !(dropout.get<double>() >= 0 && dropout.get<double>() < 1))
    fail(file, "'dropout' must be a number in [0, 1), got " + dropout.dump());
  a.dropout = dropout.get<double>();
  const Json& checksum = at(file, json, "weights_checksum");
  if (!checksum.is_string()) fail(file, "'weights_checksum' must be a string, got " + checksum.dump());
  a.weights_checksum = checksum.get<std::string>();
  return a;
}

}  // namespace smoops::transformer
