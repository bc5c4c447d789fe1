#include "expand_helpers.h"

#include <variant>

#include <yaml-cpp/yaml.h>

#include "rules/promql/parser.h"
#include "rules/rulefile/section.h"

namespace inferwatch::rules::sections::testing {

std::string Expansion::Messages() const {
  std::string out;
  for (const auto& diagnostic : diagnostics) out += rulefile::FormatDiagnostic(diagnostic) + "\n";
  return out;
}

std::vector<const rulefile::Rule*> Expansion::Recording(std::string_view name) const {
  std::vector<const rulefile::Rule*> rules;
  for (const auto& group : groups) {
    for (const auto& rule : group.rules) {
      if (rule.name == name) rules.push_back(&rule);
    }
  }
  return rules;
}

const rulefile::RuleGroup* Expansion::Group(std::string_view name) const {
  for (const auto& group : groups) {
    if (group.name == name) return &group;
  }
  return nullptr;
}

Expansion Expand(std::string_view key, const std::string& yaml) {
  Expansion expansion;
  const YAML::Node root = YAML::Load(yaml);
  const rulefile::SectionKind* kind = rulefile::FindSectionKind(key);
  if (kind == nullptr) return expansion;
  rulefile::SectionContext ctx;
  ctx.file = "pack.yml";
  kind->Expand(root[std::string(key)], ctx, expansion.groups, expansion.diagnostics);
  return expansion;
}

std::string ParseProblem(const std::string& expr) {
  auto parsed = promql::ParseExpr(expr);
  if (const auto* error = std::get_if<promql::ParseError>(&parsed)) {
    return promql::FormatParseError(expr, *error) + " in: " + expr;
  }
  return "";
}

std::string LabelValue(const rulefile::Rule& rule, std::string_view label) {
  for (const auto& [name, value] : rule.labels) {
    if (name == label) return value;
  }
  return "";
}

}  // namespace inferwatch::rules::sections::testing
