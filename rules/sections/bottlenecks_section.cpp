// `bottlenecks:` — each entry becomes one rule group recording
//   llm_bottleneck_condition{bottleneck, severity, <by>}  1 while `expr` holds now, 0 while `scope`
//                                                         has series and `expr` does not hold
//   llm_bottleneck_active{bottleneck, severity, <by>}     the condition held for the whole `for`
//   llm_bottleneck_evidence{bottleneck, evidence, <by>}   one series per evidence expression
//   llm_bottleneck_info{bottleneck, severity, for, description} = 1
// `for` is built from the recorded condition (min_over_time over `for`, and the condition existed
// `for` ago) rather than from an alert's pending state, because recording rules cannot read an
// alert's state in Prometheus and the same text has to behave alike in both evaluators.
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rules/promql/duration.h"
#include "rules/rulefile/section.h"
#include "rules/sections/entry_reader.h"
#include "rules/sections/promql_text.h"

namespace inferwatch::rules::sections {

namespace {

using rulefile::Diagnostic;
using rulefile::Rule;
using rulefile::RuleGroup;
using rulefile::SectionContext;

const std::vector<std::string> kDefaultBy = {"target", "engine", "model"};

Rule RecordRule(std::string name, std::string expr, rulefile::KeyValues labels,
                const SectionContext& ctx, const YAML::Node& origin) {
  Rule rule;
  rule.kind = rulefile::RuleKind::kRecord;
  rule.name = std::move(name);
  rule.expr = std::move(expr);
  rule.labels = std::move(labels);
  rule.pos = ctx.PositionOf(origin);
  return rule;
}

class BottlenecksSection final : public rulefile::SectionKind {
 public:
  std::string_view key() const override { return "bottlenecks"; }

  void Expand(const YAML::Node& section, const SectionContext& ctx, std::vector<RuleGroup>& out,
              std::vector<Diagnostic>& diagnostics) const override {
    if (!ExpectList(section, ctx, "bottlenecks must be a list of bottlenecks", diagnostics)) return;
    std::vector<std::string> seen;
    for (const YAML::Node& entry : section) ExpandOne(entry, ctx, seen, out, diagnostics);
  }

 private:
  static void ExpandOne(const YAML::Node& entry, const SectionContext& ctx,
                        std::vector<std::string>& seen, std::vector<RuleGroup>& out,
                        std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(entry, "bottleneck", ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown(
        {"name", "expr", "scope", "for", "severity", "description", "evidence", "by", "interval"});

    const auto name = ReadEntryName(reader, "bottleneck", seen, ctx, diagnostics);
    const auto expr = reader.String("expr", true);
    const std::string scope = reader.String("scope", false).value_or("llm_engine_info");
    const auto severity = reader.String("severity", true);
    if (severity && *severity != "info" && *severity != "warning" && *severity != "critical") {
      reader.ErrorAt(reader.Node("severity"),
                     fmt::format("bad severity \"{}\": use info, warning or critical", *severity));
    }
    const std::int64_t for_ms = reader.DurationMs("for", false).value_or(0);
    const std::int64_t interval_ms = reader.DurationMs("interval", false).value_or(0);
    const std::string description = reader.String("description", false).value_or("");
    std::vector<std::string> by = reader.StringList("by", false).value_or(kDefaultBy);
    for (const std::string& label : by) {
      if (!IsValidLabelName(label)) {
        reader.ErrorAt(reader.Node("by"), fmt::format("\"{}\" is not a valid label name", label));
      }
    }
    std::vector<std::pair<std::string, std::string>> evidence;
    if (reader.Has("evidence")) {
      if (auto items = reader.StringMap("evidence", false)) evidence = std::move(*items);
      for (const auto& [evidence_name, unused] : evidence) {
        if (!IsSnakeCaseName(evidence_name)) {
          reader.ErrorAt(
              reader.Node("evidence"),
              fmt::format("evidence name \"{}\" must match [a-z_][a-z0-9_]*", evidence_name));
        }
      }
    }
    if (reader.failed() || !name || !expr || !severity) return;

    const std::string by_text = JoinLabels(by);
    const rulefile::KeyValues identity = {{"bottleneck", *name}, {"severity", *severity}};
    const std::string condition_selector =
        fmt::format("llm_bottleneck_condition{{bottleneck={},severity={}}}", QuoteString(*name),
                    QuoteString(*severity));

    RuleGroup group;
    group.name = "inferwatch-bottleneck-" + *name;
    group.interval_ms = interval_ms;
    group.pos = ctx.PositionOf(entry);

    // count() rather than the values: the condition is a filter, and NaN inputs must not turn the
    // 1/0 result into NaN.
    group.rules.push_back(
        RecordRule("llm_bottleneck_condition",
                   fmt::format("(count by ({0}) ({1}) * 0 + 1) or (count by ({0}) ({2}) * 0)",
                               by_text, *expr, scope),
                   identity, ctx, reader.Node("expr")));

    std::string active_expr = condition_selector;
    if (for_ms > 0) {
      const std::string window = promql::FormatDurationMs(for_ms);
      active_expr = fmt::format("(min_over_time({0}[{1}]) * ({0} offset {1} * 0 + 1)) or ({0} * 0)",
                                condition_selector, window);
    }
    group.rules.push_back(RecordRule("llm_bottleneck_active", active_expr, identity, ctx,
                                     reader.Node("for").IsDefined() ? reader.Node("for") : entry));

    for (const auto& [evidence_name, evidence_expr] : evidence) {
      group.rules.push_back(RecordRule("llm_bottleneck_evidence",
                                       fmt::format("max by ({}) ({})", by_text, evidence_expr),
                                       {{"bottleneck", *name}, {"evidence", evidence_name}}, ctx,
                                       reader.Node("evidence")[evidence_name]));
    }

    rulefile::KeyValues info_labels = identity;
    info_labels.emplace_back("for", promql::FormatDurationMs(for_ms));
    if (!description.empty()) info_labels.emplace_back("description", description);
    group.rules.push_back(
        RecordRule("llm_bottleneck_info", "vector(1)", std::move(info_labels), ctx, entry));
    out.push_back(std::move(group));
  }
};

}  // namespace

INFERWATCH_REGISTER_SECTION_KIND(BottlenecksSection);

}  // namespace inferwatch::rules::sections
