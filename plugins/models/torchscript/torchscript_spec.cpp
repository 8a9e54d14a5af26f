#include "torchscript_spec.hpp"

#include <cerrno>
#include <cstring>
#include <fstream>
#include <sstream>

#include <yaml-cpp/yaml.h>

namespace smoops::torchscript {
namespace {

namespace fs = std::filesystem;

SourceMark mark_of(const YAML::Mark& mark, const std::string& file) {
  if (mark.is_null()) return {file, 1, 1};
  return {file, mark.line + 1, mark.column + 1};
}

std::string child_path(const std::string& parent, const std::string& key) {
  return parent.empty() ? key : parent + "." + key;
}

// The YAML as an SDK Params tree, so the spec gets the same "file:line:col: path: expected ..."
// messages as bot parameters (the host's converter lives in host/, which plugins never include).
Params to_params(const YAML::Node& node, const std::string& file, const std::string& path) {
  const SourceMark mark = mark_of(node.Mark(), file);
  switch (node.Type()) {
    case YAML::NodeType::Scalar: return Params::scalar(node.Scalar(), mark, path);
    case YAML::NodeType::Sequence: {
      Params list = Params::sequence(mark, path);
      std::size_t index = 0;
      for (const YAML::Node& item : node)
        list.push_back(to_params(item, file, path + "[" + std::to_string(index++) + "]"));
      return list;
    }
    case YAML::NodeType::Map: {
      Params map = Params::map(mark, path);
      for (const auto& entry : node) {
        const SourceMark key_mark = mark_of(entry.first.Mark(), file);
        if (!entry.first.IsScalar()) Params::fail(key_mark, "expected a plain key");
        const std::string key = entry.first.Scalar();
        if (map.has(key)) Params::fail(key_mark, "'" + child_path(path, key) + "' is written twice");
        map.add(key, to_params(entry.second, file, child_path(path, key)));
      }
      return map;
    }
    default: return Params::null(mark, path);
  }
}

void expect_map(const Params& node, const std::string& keys) {
  if (node.kind() != Params::Kind::Map)
    Params::fail(node.mark(), (node.path().empty() ? std::string("the spec") : node.path()) +
                                  ": expected a map with the keys " + keys);
}

// The items of a non-empty list.
const std::vector<std::pair<std::string, Params>>& list_items(const Params& node, const std::string& of) {
  if (node.kind() != Params::Kind::Sequence || node.entries().empty())
    Params::fail(node.mark(), node.path() + ": expected a non-empty list of " + of);
  return node.entries();
}

std::vector<std::string> string_list(const Params& node, const std::string& of) {
  std::vector<std::string> values;
  for (const auto& [ignored, item] : list_items(node, of)) {
    const std::string value = item.as_string();
    if (value.empty()) Params::fail(item.mark(), item.path() + ": expected " + of + ", got an empty string");
    values.push_back(value);
  }
  return values;
}

// A list of `size` finite numbers, each > 0 when `positive`.
std::vector<double> number_list(const Params& node, std::size_t size, bool positive, const std::string& why) {
  std::vector<double> values;
  for (const auto& [ignored, item] : list_items(node, "numbers")) {
    values.push_back(item.as_double());
    if (positive && !(values.back() > 0))
      Params::fail(item.mark(), item.path() + ": expected a number > 0, got '" + item.text() + "'");
  }
  if (values.size() != size)
    Params::fail(node.mark(), node.path() + ": expected " + std::to_string(size) + " numbers (" + why + "), got " +
                                  std::to_string(values.size()));
  return values;
}

std::vector<std::string> feature_list(const Params& node) {
  std::vector<std::string> names = string_list(node, "feature names");
  // One name at a time first, so a typo is reported where it is written.
  for (const auto& [ignored, item] : node.entries()) {
    try {
      FeaturePipeline{{item.text()}};
    } catch (const std::invalid_argument& e) {
      Params::fail(item.mark(), item.path() + ": " + e.what());
    }
  }
  try {
    FeaturePipeline{names};
  } catch (const std::invalid_argument& e) {
    Params::fail(node.mark(), node.path() + ": " + e.what());
  }
  return names;
}

fs::path module_path(const Params& node, const fs::path& spec_file) {
  fs::path path = node.as_string();
  if (path.is_relative()) path = spec_file.parent_path() / path;
  std::error_code error;
  if (!fs::exists(path, error))
    Params::fail(node.mark(), "file: the TorchScript file '" + path.string() + "' does not exist");
  if (!fs::is_regular_file(path, error))
    Params::fail(node.mark(), "file: '" + path.string() + "' is not a regular file");
  return path;
}

}  // namespace

const char* to_string(OutputKind kind) { return kind == OutputKind::Logits ? "logits" : "probabilities"; }

TorchScriptSpec load_spec(const fs::path& file) {
  const std::string name = file.string();
  std::ifstream in(file, std::ios::binary);
  if (!in) Params::fail({name, 1, 1}, std::string("cannot read the spec file: ") + std::strerror(errno));
  std::stringstream text;
  text << in.rdbuf();
  YAML::Node root;
  try {
    root = YAML::Load(text.str());
  } catch (const YAML::Exception& e) {
    Params::fail(mark_of(e.mark, name), "YAML syntax error: " + e.msg);
  }

  const Params doc = to_params(root, name, "");
  expect_map(doc, "file, input and output");
  doc.allow_only({"file", "input", "output"});

  TorchScriptSpec spec;
  spec.spec_file = file;
  spec.module_mark = doc.at("file").mark();
  spec.module_file = module_path(doc.at("file"), file);

  const Params& input = doc.at("input");
  expect_map(input, "window, features and normalization");
  input.allow_only({"window", "features", "normalization"});
  spec.input_mark = input.mark();
  spec.window = static_cast<std::size_t>(input.get_int_in("window", 1, 100'000));
  spec.features = feature_list(input.at("features"));
  if (const Params* z = input.find("normalization")) {
    expect_map(*z, "mean and std");
    z->allow_only({"mean", "std"});
    const std::string why = "one per input feature";
    Normalization normalization;
    normalization.mean = number_list(z->at("mean"), spec.features.size(), false, why);
    normalization.stddev = number_list(z->at("std"), spec.features.size(), true, why);
    spec.normalization = std::move(normalization);
  }

  const Params& output = doc.at("output");
  expect_map(output, "labels and kind");
  output.allow_only({"labels", "kind"});
  spec.output_mark = output.mark();
  spec.labels = string_list(output.at("labels"), "label names");
  for (std::size_t i = 0; i < spec.labels.size(); ++i)
    for (std::size_t j = 0; j < i; ++j)
      if (spec.labels[i] == spec.labels[j]) {
        const Params& item = output.at("labels").entries()[i].second;
        Params::fail(item.mark(), item.path() + ": label '" + spec.labels[i] + "' is listed twice");
      }
  const Params& kind = output.at("kind");
  const std::string kind_text = kind.as_string();
  if (kind_text == "probabilities") spec.kind = OutputKind::Probabilities;
  else if (kind_text == "logits") spec.kind = OutputKind::Logits;
  else Params::fail(kind.mark(), "output.kind: expected probabilities or logits, got '" + kind_text + "'");
  return spec;
}

}  // namespace smoops::torchscript
