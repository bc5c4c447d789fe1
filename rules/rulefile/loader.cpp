#include "rules/rulefile/loader.h"

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include "rules/promql/duration.h"
#include "rules/promql/parser.h"
#include "rules/rulefile/section.h"
#include "rules/rulefile/source_text.h"
#include "rules/template/template.h"

namespace inferwatch::rules::rulefile {

bool IsValidMetricName(std::string_view name) {
  if (name.empty()) return false;
  for (std::size_t i = 0; i < name.size(); ++i) {
    const char c = name[i];
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
                    (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

namespace {

bool IsValidUtf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    if (c < 0x80) {
      extra = 0;
    } else if ((c & 0xE0) == 0xC0 && c >= 0xC2) {
      extra = 1;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
    } else if ((c & 0xF8) == 0xF0 && c <= 0xF4) {
      extra = 3;
    } else {
      return false;
    }
    if (extra > 0 && i + extra >= text.size()) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      if ((static_cast<unsigned char>(text[i + k]) & 0xC0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

// A node read from the file. Default-constructed YAML::Nodes are defined null nodes, so
// presence is told by the mark that only parsed nodes carry.
bool Present(const YAML::Node& node) {
  return node.IsDefined() && !node.Mark().is_null();
}

// Where each field of a rule came from, so checks on the model can point into the file. Rules
// produced by domain sections have no nodes and report at the rule's own position.
struct KeyValueNodes {
  YAML::Node key, value;
};
struct RuleNodes {
  YAML::Node name, expr, for_duration, keep_firing_for;
  std::map<std::string, KeyValueNodes> labels, annotations;
};

class FileLoader {
 public:
  FileLoader(std::string_view text, std::string file, const LoadOptions& options)
      : text_(text), source_(text), file_(std::move(file)), options_(options) {
    context_.file = file_;
    context_.default_interval_ms = options.default_interval_ms;
  }

  LoadResult Run() {
    YAML::Node root;
    try {
      root = YAML::Load(std::string(text_));
    } catch (const YAML::Exception& error) {
      Error(error.mark, error.msg);
      return std::move(result_);
    }
    if (!root || root.IsNull()) return std::move(result_);
    if (!root.IsMap()) {
      ErrorAt(root, "a rule file must be a mapping with a \"groups\" key");
      return std::move(result_);
    }
    CheckDuplicateKeys(root);
    for (const auto& entry : root) {
      const std::string key = entry.first.Scalar();
      if (key == "groups") {
        LoadGroups(entry.second);
      } else if (const SectionKind* kind = FindSectionKind(key)) {
        std::vector<RuleGroup> expanded;
        kind->Expand(entry.second, context_, expanded, result_.diagnostics);
        for (RuleGroup& group : expanded) AddGroup(std::move(group), entry.first, {});
      } else {
        std::string known = "groups";
        for (const std::string& section : RegisteredSectionKeys()) known += ", " + section;
        ErrorAt(entry.first,
                fmt::format("unknown top-level key \"{}\" (expected one of: {})", key, known));
      }
    }
    // Problems are found in passes (the YAML shape, then each expression), but read top to bottom.
    std::stable_sort(result_.diagnostics.begin(), result_.diagnostics.end(),
                     [](const Diagnostic& a, const Diagnostic& b) {
                       return std::tie(a.line, a.column) < std::tie(b.line, b.column);
                     });
    return std::move(result_);
  }

 private:
  void Error(const YAML::Mark& mark, std::string message, Severity severity = Severity::kError) {
    Diagnostic diagnostic{file_, 0, 0, std::move(message), severity};
    if (!mark.is_null()) {
      diagnostic.line = mark.line + 1;
      diagnostic.column = mark.column + 1;
    }
    result_.diagnostics.push_back(std::move(diagnostic));
  }
  void ErrorAt(const YAML::Node& node, std::string message) {
    Error(node.Mark(), std::move(message));
  }
  void ErrorAtPos(const SourcePos& pos, std::string message, Severity severity = Severity::kError) {
    result_.diagnostics.push_back(
        Diagnostic{pos.file, pos.line, pos.column, std::move(message), severity});
  }
  SourcePos PosOf(const YAML::Node& node) const { return context_.PositionOf(node); }

  void CheckDuplicateKeys(const YAML::Node& map) {
    std::set<std::string> seen;
    for (const auto& entry : map) {
      if (!entry.first.IsScalar()) continue;
      if (!seen.insert(entry.first.Scalar()).second) {
        ErrorAt(entry.first, fmt::format("duplicate key \"{}\"", entry.first.Scalar()));
      }
    }
  }

  // A scalar's text, or an error naming the field when the node is a list or a mapping.
  bool ScalarOf(const YAML::Node& node, std::string_view field, std::string& out) {
    if (node.IsNull()) {
      out.clear();
      return true;
    }
    if (!node.IsScalar()) {
      ErrorAt(node, fmt::format("field \"{}\" must be a string", field));
      return false;
    }
    out = node.Scalar();
    return true;
  }

  bool DurationOf(const YAML::Node& node, std::string_view field, std::int64_t& out) {
    std::string text;
    if (!ScalarOf(node, field, text)) return false;
    auto parsed = promql::ParseDurationMs(text);
    if (!parsed || *parsed < 0) {
      ErrorAt(node, fmt::format("invalid duration \"{}\" in field \"{}\"", text, field));
      return false;
    }
    out = *parsed;
    return true;
  }

  void LoadGroups(const YAML::Node& groups) {
    if (groups.IsNull()) return;
    if (!groups.IsSequence()) {
      ErrorAt(groups, "\"groups\" must be a list of rule groups");
      return;
    }
    for (const auto& group_node : groups) LoadGroup(group_node);
  }

  void LoadGroup(const YAML::Node& node) {
    if (!node.IsMap()) {
      ErrorAt(node, "a rule group must be a mapping");
      return;
    }
    CheckDuplicateKeys(node);
    RuleGroup group;
    group.pos = PosOf(node);
    YAML::Node name_node;
    std::vector<std::pair<Rule, RuleNodes>> rules;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (key == "name") {
        name_node = entry.second;
        ScalarOf(entry.second, "name", group.name);
      } else if (key == "interval") {
        DurationOf(entry.second, "interval", group.interval_ms);
      } else if (key == "limit") {
        std::string text;
        if (!ScalarOf(entry.second, "limit", text)) continue;
        try {
          std::size_t used = 0;
          const long long limit = std::stoll(text, &used);
          if (used != text.size() || limit < 0 || limit > INT32_MAX)
            throw std::invalid_argument(text);
          group.limit = static_cast<int>(limit);
        } catch (const std::exception&) {
          ErrorAt(entry.second,
                  fmt::format("invalid limit \"{}\": must be a non-negative integer", text));
        }
      } else if (key == "rules") {
        if (entry.second.IsNull()) continue;
        if (!entry.second.IsSequence()) {
          ErrorAt(entry.second, "\"rules\" must be a list of rules");
          continue;
        }
        for (const auto& rule_node : entry.second) {
          Rule rule;
          RuleNodes nodes;
          if (LoadRule(rule_node, rule, nodes)) {
            rules.emplace_back(std::move(rule), std::move(nodes));
          } else if (Present(nodes.name) && !rule.expr.empty()) {
            // The rule is dropped, but a typo in its expression is still worth reporting now
            // rather than on the next run, once the first problem is fixed.
            CheckExpr(rule, &nodes.expr);
          }
        }
      } else {
        ErrorAt(entry.first, fmt::format("unknown field \"{}\" in rule group", key));
      }
    }
    if (!Present(name_node)) {
      ErrorAt(node, "rule group has no \"name\"");
      return;
    }
    for (auto& [rule, nodes] : rules) group.rules.push_back(std::move(rule));
    std::vector<const RuleNodes*> node_list;
    node_list.reserve(rules.size());
    for (const auto& entry : rules) node_list.push_back(&entry.second);
    AddGroup(std::move(group), name_node, node_list);
  }

  // Reads one rule's fields; structural problems are reported here, semantic ones in CheckRule.
  bool LoadRule(const YAML::Node& node, Rule& rule, RuleNodes& nodes) {
    if (!node.IsMap()) {
      ErrorAt(node, "a rule must be a mapping");
      return false;
    }
    CheckDuplicateKeys(node);
    rule.pos = PosOf(node);
    YAML::Node record, alert;
    bool ok = true;
    for (const auto& entry : node) {
      const std::string key = entry.first.Scalar();
      if (key == "record") {
        record = entry.second;
      } else if (key == "alert") {
        alert = entry.second;
      } else if (key == "expr") {
        nodes.expr = entry.second;
        ok &= ScalarOf(entry.second, "expr", rule.expr);
      } else if (key == "for") {
        nodes.for_duration = entry.second;
        ok &= DurationOf(entry.second, "for", rule.for_ms);
      } else if (key == "keep_firing_for") {
        nodes.keep_firing_for = entry.second;
        ok &= DurationOf(entry.second, "keep_firing_for", rule.keep_firing_for_ms);
      } else if (key == "labels" || key == "annotations") {
        ok &= LoadKeyValues(entry.second, key, key == "labels" ? rule.labels : rule.annotations,
                            key == "labels" ? nodes.labels : nodes.annotations);
      } else {
        ErrorAt(entry.first, fmt::format("unknown field \"{}\" in rule", key));
        ok = false;
      }
    }
    if (Present(record) && Present(alert)) {
      ErrorAt(node, "only one of \"record\" and \"alert\" may be set in a rule");
      return false;
    }
    if (!Present(record) && !Present(alert)) {
      ErrorAt(node, "one of \"record\" or \"alert\" must be set in a rule");
      return false;
    }
    rule.kind = Present(record) ? RuleKind::kRecord : RuleKind::kAlert;
    nodes.name = Present(record) ? record : alert;
    ok &= ScalarOf(nodes.name, Present(record) ? "record" : "alert", rule.name);
    if (!Present(nodes.expr)) {
      ErrorAt(node, "field \"expr\" must be set in a rule");
      return false;
    }
    if (rule.kind == RuleKind::kRecord) {
      for (const char* field : {"for", "keep_firing_for", "annotations"}) {
        if (node[field]) {
          ErrorAt(node[field], fmt::format("invalid field \"{}\" in recording rule", field));
          ok = false;
        }
      }
    }
    return ok;
  }

  bool LoadKeyValues(const YAML::Node& node, const std::string& field, KeyValues& out,
                     std::map<std::string, KeyValueNodes>& value_nodes) {
    if (node.IsNull()) return true;
    if (!node.IsMap()) {
      ErrorAt(node, fmt::format("field \"{}\" must be a mapping of names to strings", field));
      return false;
    }
    CheckDuplicateKeys(node);
    bool ok = true;
    for (const auto& entry : node) {
      std::string value;
      if (!entry.first.IsScalar() || !ScalarOf(entry.second, field, value)) {
        ok = false;
        continue;
      }
      out.emplace_back(entry.first.Scalar(), value);
      value_nodes[entry.first.Scalar()] = KeyValueNodes{entry.first, entry.second};
    }
    return ok;
  }

  // Semantic checks shared by hand-written rules and expanded sections. Drops rules that fail.
  void AddGroup(RuleGroup group, const YAML::Node& name_node,
                const std::vector<const RuleNodes*>& nodes) {
    if (group.name.empty()) {
      ErrorAtPos(group.pos, "rule group name must not be empty");
    } else if (!group_names_.insert(group.name).second) {
      ErrorAtPos(Present(name_node) ? PosOf(name_node) : group.pos,
                 fmt::format("group name \"{}\" is repeated in the same file", group.name));
    }
    std::vector<Rule> kept;
    std::map<std::pair<std::string, KeyValues>, int> records;
    for (std::size_t i = 0; i < group.rules.size(); ++i) {
      Rule& rule = group.rules[i];
      if (rule.pos.file.empty()) rule.pos = group.pos;
      const RuleNodes* rule_nodes = i < nodes.size() ? nodes[i] : nullptr;
      if (!CheckRule(rule, rule_nodes)) continue;
      if (rule.kind == RuleKind::kRecord) {
        KeyValues labels = rule.labels;
        std::sort(labels.begin(), labels.end());
        if (++records[{rule.name, labels}] == 2) {
          ErrorAtPos(
              rule.pos,
              fmt::format("duplicate recording rule \"{}\" with the same labels in group \"{}\"",
                          rule.name, group.name),
              Severity::kWarning);
        }
      }
      kept.push_back(std::move(rule));
    }
    group.rules = std::move(kept);
    result_.groups.push_back(std::move(group));
  }

  SourcePos At(const Rule& rule, const YAML::Node* node) const {
    return node != nullptr && Present(*node) ? PosOf(*node) : rule.pos;
  }

  bool CheckRule(Rule& rule, const RuleNodes* nodes) {
    bool ok = true;
    const YAML::Node* name_node = nodes ? &nodes->name : nullptr;
    if (rule.kind == RuleKind::kRecord) {
      if (!IsValidMetricName(rule.name)) {
        ErrorAtPos(
            At(rule, name_node),
            fmt::format("invalid recording rule name \"{}\": not a valid metric name", rule.name));
        ok = false;
      }
      if (!rule.annotations.empty()) {
        ok = false;
        if (!nodes) ErrorAtPos(rule.pos, "invalid field \"annotations\" in recording rule");
      }
    } else if (rule.name.empty()) {
      ErrorAtPos(At(rule, name_node), "alert name must not be empty");
      ok = false;
    } else if (!IsValidUtf8(rule.name)) {
      ErrorAtPos(At(rule, name_node), "alert name is not valid UTF-8");
      ok = false;
    }
    ok &= CheckKeyValues(rule, rule.labels, nodes ? &nodes->labels : nullptr, "label");
    ok &=
        CheckKeyValues(rule, rule.annotations, nodes ? &nodes->annotations : nullptr, "annotation");
    ok &= CheckExpr(rule, nodes ? &nodes->expr : nullptr);
    return ok;
  }

  bool CheckKeyValues(const Rule& rule, const KeyValues& pairs,
                      const std::map<std::string, KeyValueNodes>* value_nodes, const char* what) {
    bool ok = true;
    for (const auto& [name, value] : pairs) {
      const YAML::Node* value_node = nullptr;
      const YAML::Node* key_node = nullptr;
      if (value_nodes != nullptr) {
        if (auto it = value_nodes->find(name); it != value_nodes->end()) {
          key_node = &it->second.key;
          value_node = &it->second.value;
        }
      }
      const bool is_label = std::string_view(what) == "label";
      if (!IsValidLabelName(name) || (is_label && name == "__name__")) {
        ErrorAtPos(At(rule, key_node), fmt::format("invalid {} name \"{}\"", what, name));
        ok = false;
      }
      if (!IsValidUtf8(value)) {
        ErrorAtPos(At(rule, value_node),
                   fmt::format("invalid {} value for \"{}\": not valid UTF-8", what, name));
        ok = false;
      }
      if (rule.kind == RuleKind::kAlert) {
        auto parsed = templating::Template::Parse(value);
        if (auto* error = std::get_if<templating::TemplateError>(&parsed)) {
          ErrorAtPos(At(rule, value_node), fmt::format("template in {} \"{}\" does not parse: {}",
                                                       what, name, error->message));
          ok = false;
        }
      }
    }
    return ok;
  }

  bool CheckExpr(Rule& rule, const YAML::Node* expr_node) {
    if (rule.expr.empty()) {
      ErrorAtPos(At(rule, expr_node), "field \"expr\" must be set in a rule");
      return false;
    }
    auto parsed = promql::ParseExpr(rule.expr);
    if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
      SourcePos pos = At(rule, expr_node);
      if (expr_node != nullptr && Present(*expr_node)) {
        const LineColumn where = source_.Locate(expr_node->Mark(), error->position);
        if (where.line > 0) {
          pos.line = where.line;
          pos.column = where.column;
        }
      }
      ErrorAtPos(pos, fmt::format("invalid PromQL expression: {}", error->message));
      return false;
    }
    rule.parsed = std::get<promql::ExprPtr>(std::move(parsed));
    const promql::ValueType type = promql::TypeOf(*rule.parsed);
    if (rule.kind == RuleKind::kAlert && type != promql::ValueType::kVector) {
      ErrorAtPos(At(rule, expr_node),
                 fmt::format("alert expression must return an instant vector, got {}",
                             promql::ValueTypeName(type)));
      return false;
    }
    if (rule.kind == RuleKind::kRecord && type != promql::ValueType::kVector &&
        type != promql::ValueType::kScalar) {
      ErrorAtPos(At(rule, expr_node),
                 fmt::format("recording rule expression must return an instant vector or a scalar, "
                             "got {}",
                             promql::ValueTypeName(type)));
      return false;
    }
    return true;
  }

  std::string_view text_;
  SourceText source_;
  std::string file_;
  LoadOptions options_;
  SectionContext context_;
  LoadResult result_;
  std::set<std::string> group_names_;
};

}  // namespace

LoadResult LoadRuleText(std::string_view text, const std::string& file_name,
                        const LoadOptions& options) {
  FileLoader loader(text, file_name, options);
  return loader.Run();
}

LoadResult LoadRuleFile(const std::string& path, const LoadOptions& options) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    LoadResult result;
    result.io_error = true;
    result.diagnostics.push_back(Diagnostic{
        path, 0, 0, fmt::format("cannot read file: {}", std::strerror(errno)), Severity::kError});
    return result;
  }
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return LoadRuleText(buffer.str(), path, options);
}

}  // namespace inferwatch::rules::rulefile
