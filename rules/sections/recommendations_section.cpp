// `recommendations:` — each recommendation becomes one rule group. A recommendation stands for a
// target while one of its `when` bottlenecks is active there, its optional `condition` holds, and
// the target's llm_engine_info matches one of its engine variants (engine, version regex, config
// label regexes), so advice always fits the engine and version that reported it.
//
// PromQL cannot turn a number into a label value arithmetically, so `suggested` comes in three
// honest forms: a literal; a map from the current configuration value (an llm_engine_info label)
// to the suggested one; or an expression whose value is recorded as
// llm_recommendation_suggested_value and turned into the `suggested` label with count_values.
#include <cstdlib>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rules/rulefile/section.h"
#include "rules/sections/entry_reader.h"
#include "rules/sections/promql_text.h"

namespace inferwatch::rules::sections {

namespace {

using rulefile::Diagnostic;
using rulefile::KeyValues;
using rulefile::Rule;
using rulefile::RuleGroup;
using rulefile::SectionContext;

Rule Record(std::string name, std::string expr, KeyValues labels, const SectionContext& ctx,
            const YAML::Node& origin) {
  Rule rule;
  rule.name = std::move(name);
  rule.expr = std::move(expr);
  rule.labels = std::move(labels);
  rule.pos = ctx.PositionOf(origin);
  return rule;
}

bool IsNumber(const std::string& text) {
  if (text.empty()) return false;
  char* end = nullptr;
  std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

struct Variant {
  std::string engine;
  std::string version = ".*";
  std::vector<std::pair<std::string, std::string>> config;  // llm_engine_info label -> regex
  std::string parameter;
  std::string current;        // literal
  std::string current_label;  // or the llm_engine_info label holding it
  std::string current_expr;   // or an expression of observed load (turned into a label)
  std::string suggested;      // literal
  std::vector<std::pair<std::string, std::string>> suggested_map;  // current -> suggested
  std::string suggested_expr;
  std::vector<std::string> when;
  std::string condition;
  YAML::Node origin;

  std::string EngineSelector(const std::string& extra_matcher = "") const {
    std::string selector = fmt::format("llm_engine_info{{engine=~{},version=~{}",
                                       QuoteString(engine), QuoteString(version));
    for (const auto& [label, regex] : config) {
      selector += fmt::format(",{}=~{}", label, QuoteString(regex));
    }
    if (!extra_matcher.empty()) selector += "," + extra_matcher;
    return selector + "}";
  }

  // One series per target (and current value) where the engine variant applies.
  std::string Gate(const std::string& extra_matcher = "") const {
    const std::string selector = EngineSelector(extra_matcher);
    if (current_label.empty()) return fmt::format("max by (target) ({})", selector);
    return fmt::format(
        "label_replace(max by (target, current) (label_replace({}, \"current\", \"$1\", {}, "
        "\"(.+)\")), \"current\", \"unknown\", \"current\", \"\")",
        selector, QuoteString(current_label));
  }
};

class RecommendationsSection final : public rulefile::SectionKind {
 public:
  std::string_view key() const override { return "recommendations"; }

  void Expand(const YAML::Node& section, const SectionContext& ctx, std::vector<RuleGroup>& out,
              std::vector<Diagnostic>& diagnostics) const override {
    if (!ExpectList(section, ctx, "recommendations must be a list", diagnostics)) return;
    std::vector<std::string> seen;
    for (const YAML::Node& entry : section) ExpandOne(entry, ctx, seen, out, diagnostics);
  }

 private:
  static void ExpandOne(const YAML::Node& entry, const SectionContext& ctx,
                        std::vector<std::string>& seen, std::vector<RuleGroup>& out,
                        std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(entry, "recommendation", ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown({"name", "when", "condition", "priority", "description",
                          "expected_improvement", "engines", "interval"});
    const auto name = ReadEntryName(reader, "recommendation", seen, ctx, diagnostics);
    const std::vector<std::string> when =
        reader.StringList("when", false).value_or(std::vector<std::string>{});
    const std::string condition = reader.String("condition", false).value_or("");
    const auto priority = reader.String("priority", true);
    if (priority && *priority != "high" && *priority != "medium" && *priority != "low") {
      reader.ErrorAt(reader.Node("priority"),
                     fmt::format("bad priority \"{}\": use high, medium or low", *priority));
    }
    reader.String("description", false);
    const std::int64_t interval_ms = reader.DurationMs("interval", false).value_or(0);
    const auto improvements = reader.StringMap("expected_improvement", false);
    if (improvements) {
      for (const auto& [metric, unused] : *improvements) {
        if (!IsSnakeCaseName(metric)) {
          reader.ErrorAt(reader.Node("expected_improvement"),
                         fmt::format("metric name \"{}\" must match [a-z_][a-z0-9_]*", metric));
        }
      }
    }
    std::vector<Variant> variants;
    bool bad_variant = false;
    const YAML::Node engines = reader.Node("engines");
    if (!engines.IsDefined() || !engines.IsSequence() || engines.size() == 0) {
      reader.Error("recommendation needs engines: a non-empty list of engine variants");
    } else {
      for (const YAML::Node& item : engines) {
        if (auto variant = ParseVariant(item, when, condition, ctx, diagnostics)) {
          variants.push_back(std::move(*variant));
        } else {
          bad_variant = true;
        }
      }
    }
    if (reader.failed() || bad_variant || !name || !priority) return;

    RuleGroup group;
    group.name = "inferwatch-recommendation-" + *name;
    group.interval_ms = interval_ms;
    group.pos = ctx.PositionOf(entry);
    for (const Variant& variant : variants) AddVariant(*name, *priority, variant, ctx, group);

    const std::string info =
        fmt::format("llm_recommendation_info{{recommendation={}}}", QuoteString(*name));
    for (const auto& [metric, value] :
         improvements.value_or(std::vector<std::pair<std::string, std::string>>{})) {
      const std::string expr =
          IsNumber(value) ? fmt::format("max by (target) ({}) * {}", info, value)
                          : fmt::format("max by (target) ({}) and on (target) {}", value, info);
      group.rules.push_back(Record("llm_recommendation_expected_improvement_ratio", expr,
                                   {{"recommendation", *name}, {"metric", metric}}, ctx,
                                   reader.Node("expected_improvement")[metric]));
    }
    out.push_back(std::move(group));
  }

  static std::optional<Variant> ParseVariant(const YAML::Node& item,
                                             const std::vector<std::string>& when,
                                             const std::string& condition,
                                             const SectionContext& ctx,
                                             std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(item, "engine variant", ctx, diagnostics);
    if (!reader.IsMapping()) return std::nullopt;
    reader.RejectUnknown({"engine", "version", "config", "parameter", "current", "current_label",
                          "current_expr", "suggested", "suggested_map", "suggested_expr", "when",
                          "condition"});
    Variant variant;
    variant.origin = item;
    variant.engine = reader.String("engine", true).value_or("");
    variant.version = reader.String("version", false).value_or(".*");
    if (auto config = reader.StringMap("config", false)) variant.config = std::move(*config);
    for (const auto& [label, unused] : variant.config) {
      if (!IsValidLabelName(label)) {
        reader.ErrorAt(reader.Node("config"), fmt::format("\"{}\" is not a label name", label));
      }
    }
    variant.parameter = reader.String("parameter", true).value_or("");
    variant.current = reader.String("current", false).value_or("");
    variant.current_label = reader.String("current_label", false).value_or("");
    variant.current_expr = reader.String("current_expr", false).value_or("");
    if (!variant.current.empty() + !variant.current_label.empty() + !variant.current_expr.empty() >
        1) {
      reader.Error("give at most one of current, current_label, current_expr");
    }
    if (!variant.current_label.empty() && !IsValidLabelName(variant.current_label)) {
      reader.ErrorAt(reader.Node("current_label"),
                     fmt::format("\"{}\" is not a label name", variant.current_label));
    }
    variant.suggested = reader.String("suggested", false).value_or("");
    if (auto map = reader.StringMap("suggested_map", false))
      variant.suggested_map = std::move(*map);
    variant.suggested_expr = reader.String("suggested_expr", false).value_or("");
    const int forms = !variant.suggested.empty() + !variant.suggested_map.empty() +
                      !variant.suggested_expr.empty();
    if (forms != 1) {
      reader.Error("engine variant needs exactly one of suggested, suggested_map, suggested_expr");
    }
    if (!variant.suggested_map.empty() && variant.current_label.empty()) {
      reader.ErrorAt(reader.Node("suggested_map"),
                     "suggested_map maps the current_label's value: set current_label");
    }
    variant.when = reader.StringList("when", false).value_or(when);
    variant.condition = reader.String("condition", false).value_or(condition);
    if (variant.when.empty()) {
      reader.Error("engine variant has no when: name the bottlenecks it answers");
    }
    for (const std::string& bottleneck : variant.when) {
      if (!IsSnakeCaseName(bottleneck)) {
        reader.Error(
            fmt::format("when names bottlenecks; \"{}\" is not a bottleneck name", bottleneck));
      }
    }
    if (reader.failed()) return std::nullopt;
    return variant;
  }

  static void AddVariant(const std::string& name, const std::string& priority,
                         const Variant& variant, const SectionContext& ctx, RuleGroup& group) {
    std::string bottlenecks;
    for (const std::string& bottleneck : variant.when) {
      if (!bottlenecks.empty()) bottlenecks += "|";
      bottlenecks += bottleneck;
    }
    std::string trigger =
        fmt::format("(max by (target) (llm_bottleneck_active{{bottleneck=~{}}}) == 1)",
                    QuoteString(bottlenecks));
    if (!variant.condition.empty()) {
      trigger += fmt::format(" and on (target) ({})", variant.condition);
    }
    KeyValues labels = {{"recommendation", name}, {"parameter", variant.parameter}};
    if (!variant.current.empty()) labels.emplace_back("current", variant.current);
    labels.emplace_back("priority", priority);
    const KeyValues value_labels = {{"recommendation", name}, {"parameter", variant.parameter}};

    // The observed current value, when it comes from load rather than configuration.
    const std::string current_join =
        variant.current_expr.empty()
            ? ""
            : fmt::format(
                  " * on (target) group_left (current) count_values by (target) "
                  "(\"current\", max by (target) ({}))",
                  variant.current_expr);

    if (!variant.suggested_expr.empty()) {
      group.rules.push_back(
          Record("llm_recommendation_suggested_value",
                 fmt::format("max by (target) ({}) and on (target) {} and on (target) {}",
                             variant.suggested_expr, variant.Gate(), trigger),
                 value_labels, ctx, variant.origin));
      group.rules.push_back(Record(
          "llm_recommendation_info",
          fmt::format("{} * on (target) group_left (suggested) count_values by (target) "
                      "(\"suggested\", llm_recommendation_suggested_value{{recommendation={},"
                      "parameter={}}}){}",
                      variant.Gate(), QuoteString(name), QuoteString(variant.parameter),
                      current_join),
          std::move(labels), ctx, variant.origin));
      return;
    }
    if (!variant.suggested_map.empty()) {
      std::string gates;
      std::string values;
      for (const auto& [current, suggested] : variant.suggested_map) {
        const std::string matcher =
            fmt::format("{}={}", variant.current_label, QuoteString(current));
        if (!gates.empty()) gates += " or ";
        gates += fmt::format("label_replace({}, \"suggested\", {}, \"\", \"\")",
                             variant.Gate(matcher), QuoteString(suggested));
        if (IsNumber(suggested)) {
          if (!values.empty()) values += " or ";
          values += fmt::format("({} * 0 + {})", variant.EngineSelector(matcher), suggested);
        }
      }
      group.rules.push_back(
          Record("llm_recommendation_info",
                 fmt::format("({}) * on (target) group_left () {}", gates, trigger),
                 std::move(labels), ctx, variant.origin));
      if (!values.empty()) {
        group.rules.push_back(
            Record("llm_recommendation_suggested_value",
                   fmt::format("max by (target) ({}) and on (target) {}", values, trigger),
                   value_labels, ctx, variant.origin));
      }
      return;
    }
    labels.emplace_back("suggested", variant.suggested);
    const std::string info_expr =
        fmt::format("{} * on (target) group_left () {}{}", variant.Gate(), trigger, current_join);
    group.rules.push_back(
        Record("llm_recommendation_info", info_expr, std::move(labels), ctx, variant.origin));
    if (IsNumber(variant.suggested)) {
      group.rules.push_back(
          Record("llm_recommendation_suggested_value",
                 fmt::format("max by (target) ({}) * {}", info_expr, variant.suggested),
                 // Two variants may suggest different literals for one parameter under different
                 // bottlenecks; the label keeps their series (and rules) apart.
                 {{"recommendation", name},
                  {"parameter", variant.parameter},
                  {"suggested", variant.suggested}},
                 ctx, variant.origin));
    }
  }
};

}  // namespace

INFERWATCH_REGISTER_SECTION_KIND(RecommendationsSection);

}  // namespace inferwatch::rules::sections
