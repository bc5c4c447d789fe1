#include "exporter/engines/engine_tables.h"

#include <yaml-cpp/yaml.h>

#include <stdexcept>

namespace inferwatch::exporter {
namespace {

[[noreturn]] void Fail(const std::string& source, const YAML::Node& node, const std::string& why) {
  const YAML::Mark mark = node.Mark();
  std::string where = source;
  if (mark.line >= 0) where += ":" + std::to_string(mark.line + 1);
  throw std::runtime_error(where + ": " + why);
}

void CheckKeys(const std::string& source, const YAML::Node& map,
               std::initializer_list<std::string_view> allowed) {
  if (!map.IsMap()) Fail(source, map, "expected a mapping");
  for (const auto& item : map) {
    const auto key = item.first.as<std::string>();
    bool known = false;
    for (std::string_view name : allowed) known = known || key == name;
    if (!known) Fail(source, item.first, "unknown key '" + key + "'");
  }
}

std::string Scalar(const std::string& source, const YAML::Node& node, std::string_view what) {
  if (!node.IsScalar()) Fail(source, node, std::string(what) + " must be a string");
  return node.as<std::string>();
}

std::vector<std::string> StringList(const std::string& source, const YAML::Node& node,
                                    std::string_view what) {
  std::vector<std::string> out;
  if (!node) return out;
  if (!node.IsSequence()) Fail(source, node, std::string(what) + " must be a list");
  for (const auto& item : node) out.push_back(Scalar(source, item, what));
  return out;
}

LabelPairs StringMap(const std::string& source, const YAML::Node& node, std::string_view what) {
  LabelPairs out;
  if (!node) return out;
  if (!node.IsMap()) Fail(source, node, std::string(what) + " must be a mapping");
  for (const auto& item : node) {
    out.emplace_back(Scalar(source, item.first, what), Scalar(source, item.second, what));
  }
  return out;
}

Conversion ParseConversion(const std::string& source, const YAML::Node& node) {
  if (!node) return {};
  const std::string name = Scalar(source, node, "convert");
  if (name == "percent_to_ratio") return {1, 100};
  if (name == "ms_to_s") return {1, 1e3};
  if (name == "us_to_s") return {1, 1e6};
  if (name == "mib_to_bytes") return {1048576, 1};
  Fail(source, node,
       "unknown conversion '" + name + "' (percent_to_ratio, ms_to_s, us_to_s, mib_to_bytes)");
}

bool EndsWith(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

}  // namespace

EngineTables::EngineTables(const std::vector<Source>& sources) {
  for (const auto& source : sources) LoadTable(source);
}

int EngineTables::EngineByPrefix(std::string_view sample_name) const {
  for (std::size_t i = 0; i < engines_.size(); ++i) {
    for (const auto& prefix : engines_[i].detect_prefixes) {
      if (sample_name.starts_with(prefix)) return static_cast<int>(i);
    }
  }
  return -1;
}

int EngineTables::EngineIndex(std::string_view engine) const {
  for (std::size_t i = 0; i < engines_.size(); ++i) {
    if (engines_[i].name == engine) return static_cast<int>(i);
  }
  return -1;
}

NameEntry& EngineTables::Register(std::string_view name, std::size_t engine) {
  auto it = names_.find(name);
  if (it != names_.end()) return it->second;
  const std::string& stored = name_storage_.emplace_back(name);
  NameEntry& entry = names_[std::string_view(stored)];
  entry.engine = static_cast<std::uint32_t>(engine);
  return entry;
}

std::size_t EngineTables::PresenceId(std::string_view name, std::size_t engine) {
  auto [it, inserted] = presence_ids_.try_emplace(std::string(name), presence_count_);
  if (!inserted) return it->second;
  const std::size_t id = presence_count_++;
  // A family is present when any of its samples is: name, name_total, and histogram parts.
  const auto& [canonical, alias_list] = aliases_[engine];
  for (std::string_view suffix : {"", "_total", "_bucket", "_sum", "_count"}) {
    const std::string spelled = std::string(name) + std::string(suffix);
    std::vector<std::string> spellings{spelled};
    if (!canonical.empty() && spelled.starts_with(canonical)) {
      for (const auto& alias : alias_list) {
        spellings.push_back(alias + spelled.substr(canonical.size()));
      }
    }
    for (const auto& spelling : spellings) {
      Register(spelling, engine).presence.push_back(static_cast<std::uint32_t>(id));
    }
  }
  return id;
}

void EngineTables::LoadTable(const Source& source) {
  YAML::Node root;
  try {
    root = YAML::Load(source.yaml);
  } catch (const YAML::Exception& e) {
    throw std::runtime_error(source.name + ":" + std::to_string(e.mark.line + 1) + ": " + e.msg);
  }
  const std::string& file = source.name;
  CheckKeys(
      file, root,
      {"engine", "description", "detect_prefixes", "prefix_aliases", "ignore_prefixes", "labels",
       "blank_at_or_above", "version_label", "versions", "variants", "info", "metrics", "derived"});
  if (!root["engine"]) Fail(file, root, "missing 'engine'");

  const std::size_t engine_index = engines_.size();
  EngineTable& table = engines_.emplace_back();
  table.name = Scalar(file, root["engine"], "engine");
  table.source = file;
  if (EngineIndex(table.name) != static_cast<int>(engine_index)) {
    Fail(file, root["engine"], "engine '" + table.name + "' is defined twice");
  }
  table.detect_prefixes = StringList(file, root["detect_prefixes"], "detect_prefixes");
  table.ignore_prefixes = StringList(file, root["ignore_prefixes"], "ignore_prefixes");
  if (root["blank_at_or_above"]) {
    table.blank_at_or_above = root["blank_at_or_above"].as<double>();
  }
  if (root["version_label"]) {
    table.version_label = Scalar(file, root["version_label"], "version_label");
  }
  if (const auto& labels = root["labels"]) {
    CheckKeys(file, labels, {"rename", "drop"});
    table.label_renames = StringMap(file, labels["rename"], "labels.rename");
    table.drop_labels = StringList(file, labels["drop"], "labels.drop");
  }

  // Prefix aliases: {"sglang:": ["sglang_"]} registers every name under both spellings.
  auto& aliases = aliases_.emplace_back();
  if (const auto& node = root["prefix_aliases"]) {
    for (const auto& [canonical, alias] : StringMap(file, node, "prefix_aliases")) {
      aliases.first = canonical;
      aliases.second.push_back(alias);
    }
  }
  auto register_spellings = [&](const std::string& name, const Route& route) {
    std::vector<std::string> spellings{name};
    if (!aliases.first.empty() && name.starts_with(aliases.first)) {
      for (const auto& alias : aliases.second) {
        spellings.push_back(alias + name.substr(aliases.first.size()));
      }
    }
    for (const auto& spelling : spellings) Register(spelling, engine_index).routes.push_back(route);
  };
  const auto engine32 = static_cast<std::uint32_t>(engine_index);
  auto ignore_created = [&](const std::string& base) {
    register_spellings(base + "_created",
                       Route{RouteKind::kIgnore, SampleRole::kPlain, 0, engine32});
  };

  if (const auto& metrics = root["metrics"]) {
    if (!metrics.IsSequence()) Fail(file, metrics, "'metrics' must be a list");
    for (const auto& node : metrics) {
      CheckKeys(
          file, node,
          {"from", "to", "type", "convert", "priority", "match", "labels", "set_labels", "note"});
      if (!node["from"] || !node["to"]) Fail(file, node, "a metric needs 'from' and 'to'");
      MetricMapping mapping;
      mapping.engine = engine_index;
      const std::string from = Scalar(file, node["from"], "from");
      mapping.target = Scalar(file, node["to"], "to");
      if (!mapping.target.starts_with("llm_")) {
        Fail(file, node["to"], "canonical series must start with llm_: " + mapping.target);
      }
      const std::string type = node["type"] ? Scalar(file, node["type"], "type") : "gauge";
      if (type != "gauge" && type != "counter" && type != "histogram") {
        Fail(file, node["type"], "type must be gauge, counter or histogram, not '" + type + "'");
      }
      mapping.histogram = type == "histogram";
      mapping.convert = ParseConversion(file, node["convert"]);
      if (node["priority"]) mapping.priority = node["priority"].as<int>();
      mapping.match = StringMap(file, node["match"], "match");
      mapping.set_labels = StringMap(file, node["set_labels"], "set_labels");
      if (const auto& labels = node["labels"]) {
        if (!labels.IsMap()) Fail(file, labels, "'labels' must be a mapping");
        for (const auto& item : labels) {
          CheckKeys(file, item.second, {"rename", "values"});
          LabelRule rule;
          rule.from = Scalar(file, item.first, "label");
          rule.to =
              item.second["rename"] ? Scalar(file, item.second["rename"], "rename") : rule.from;
          rule.values = StringMap(file, item.second["values"], "values");
          mapping.labels.push_back(std::move(rule));
        }
      }
      const auto index = static_cast<std::uint32_t>(metrics_.size());
      metrics_.push_back(std::move(mapping));
      if (type == "histogram") {
        register_spellings(from + "_bucket",
                           {RouteKind::kMetric, SampleRole::kBucket, index, engine32});
        register_spellings(from + "_sum", {RouteKind::kMetric, SampleRole::kSum, index, engine32});
        register_spellings(from + "_count",
                           {RouteKind::kMetric, SampleRole::kCount, index, engine32});
        ignore_created(from);
      } else if (type == "counter") {
        // prometheus_client always appends _total; other clients (TGI) never do.
        const std::string base = EndsWith(from, "_total") ? from.substr(0, from.size() - 6) : from;
        register_spellings(base, {RouteKind::kMetric, SampleRole::kPlain, index, engine32});
        register_spellings(base + "_total",
                           {RouteKind::kMetric, SampleRole::kPlain, index, engine32});
        ignore_created(base);
      } else {
        register_spellings(from, {RouteKind::kMetric, SampleRole::kPlain, index, engine32});
      }
    }
  }

  if (const auto& infos = root["info"]) {
    if (!infos.IsSequence()) Fail(file, infos, "'info' must be a list");
    for (const auto& node : infos) {
      CheckKeys(file, node, {"metric", "match", "value_label", "note"});
      if (!node["metric"]) Fail(file, node, "an info entry needs 'metric'");
      InfoSource info;
      info.engine = engine_index;
      info.match = StringMap(file, node["match"], "match");
      if (node["value_label"]) info.value_label = Scalar(file, node["value_label"], "value_label");
      const auto index = static_cast<std::uint32_t>(infos_.size());
      infos_.push_back(std::move(info));
      register_spellings(Scalar(file, node["metric"], "metric"),
                         {RouteKind::kInfo, SampleRole::kPlain, index, engine32});
    }
  }

  if (const auto& derived = root["derived"]) {
    if (!derived.IsSequence()) Fail(file, derived, "'derived' must be a list");
    for (const auto& node : derived) {
      CheckKeys(file, node, {"to", "ratio", "note"});
      const auto parts = StringList(file, node["ratio"], "ratio");
      if (!node["to"] || parts.size() != 2) {
        Fail(file, node, "a derived entry needs 'to' and 'ratio: [numerator, denominator]'");
      }
      const auto index = static_cast<std::uint32_t>(derived_.size());
      derived_.push_back({engine_index, Scalar(file, node["to"], "to")});
      register_spellings(parts[0],
                         {RouteKind::kDerivedNumerator, SampleRole::kPlain, index, engine32});
      register_spellings(parts[1],
                         {RouteKind::kDerivedDenominator, SampleRole::kPlain, index, engine32});
    }
  }

  auto load_rules = [&](const YAML::Node& list, std::string_view value_key) {
    std::vector<DetectionRule> rules;
    if (!list) return rules;
    if (!list.IsSequence()) Fail(file, list, std::string(value_key) + " rules must be a list");
    for (const auto& node : list) {
      CheckKeys(file, node, {value_key, "present", "absent", "with_label", "note"});
      if (!node[std::string(value_key)]) {
        Fail(file, node, "a rule needs '" + std::string(value_key) + "'");
      }
      DetectionRule rule;
      rule.value = Scalar(file, node[std::string(value_key)], value_key);
      for (const auto& name : StringList(file, node["present"], "present")) {
        rule.present.push_back(PresenceId(name, engine_index));
      }
      for (const auto& name : StringList(file, node["absent"], "absent")) {
        rule.absent.push_back(PresenceId(name, engine_index));
      }
      if (node["with_label"]) rule.with_label = Scalar(file, node["with_label"], "with_label");
      rules.push_back(std::move(rule));
    }
    return rules;
  };
  // `table` may have moved if engines_ grew; it did not (one table per call), but re-fetch anyway.
  engines_[engine_index].versions = load_rules(root["versions"], "version");
  engines_[engine_index].variants = load_rules(root["variants"], "variant");
}

}  // namespace inferwatch::exporter
