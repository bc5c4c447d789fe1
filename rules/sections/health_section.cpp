// `health:` — one rule group recording llm_health_score{target}, 0..100:
//   score = clamp(100 - sum over active bottlenecks of weight(severity)
//                     - page_weight * (an SLO page burn condition holds)
//                     - ticket_weight * (an SLO ticket burn condition holds), 0, 100)
//           * (the target is up)
// Each term defaults to 0 for a target that has no such series, so a healthy target scores 100
// and a target that is down scores 0.
#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rules/rulefile/section.h"
#include "rules/sections/entry_reader.h"
#include "rules/sections/promql_text.h"

namespace inferwatch::rules::sections {

namespace {

using rulefile::Diagnostic;
using rulefile::RuleGroup;
using rulefile::SectionContext;

struct Weight {
  std::string key;
  double value;
};

class HealthSection final : public rulefile::SectionKind {
 public:
  std::string_view key() const override { return "health"; }

  void Expand(const YAML::Node& section, const SectionContext& ctx, std::vector<RuleGroup>& out,
              std::vector<Diagnostic>& diagnostics) const override {
    EntryReader reader(section, "health", ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown({"base", "severity_weights", "slo_weights", "interval"});
    const std::string base = reader.String("base", false).value_or("inferwatch_target_up");
    const std::int64_t interval_ms = reader.DurationMs("interval", false).value_or(0);
    std::vector<Weight> severities = {{"critical", 40}, {"warning", 15}, {"info", 5}};
    std::vector<Weight> slo_alerts = {{"page", 30}, {"ticket", 10}};
    ReadWeights(reader, "severity_weights", severities);
    ReadWeights(reader, "slo_weights", slo_alerts);
    if (reader.failed()) return;

    const std::string zero = fmt::format("max by (target) ({}) * 0", base);
    std::string penalties;
    for (const Weight& weight : severities) {
      penalties +=
          fmt::format(" - {} * (sum by (target) (llm_bottleneck_active{{severity={}}}) or {})",
                      FormatNumber(weight.value), QuoteString(weight.key), zero);
    }
    for (const Weight& weight : slo_alerts) {
      penalties +=
          fmt::format(" - {} * (max by (target) (llm_slo_burn_alert_active{{alert={}}}) or {})",
                      FormatNumber(weight.value), QuoteString(weight.key), zero);
    }
    rulefile::Rule rule;
    rule.name = "llm_health_score";
    rule.expr = fmt::format(
        "clamp_min(clamp_max(100{}, 100), 0) * on (target) (max by (target) "
        "({}) > bool 0)",
        penalties, base);
    rule.pos = ctx.PositionOf(section);
    RuleGroup group;
    group.name = "inferwatch-health";
    group.interval_ms = interval_ms;
    group.pos = rule.pos;
    group.rules.push_back(std::move(rule));
    out.push_back(std::move(group));
  }

 private:
  static void ReadWeights(EntryReader& reader, std::string_view field,
                          std::vector<Weight>& weights) {
    const auto items = reader.StringMap(field, false);
    if (!items) return;
    for (const auto& [key, text] : *items) {
      auto it = std::find_if(weights.begin(), weights.end(),
                             [&key = key](const Weight& weight) { return weight.key == key; });
      const YAML::Node node = reader.Node(field)[key];
      if (it == weights.end()) {
        std::string allowed;
        for (const Weight& weight : weights) allowed += (allowed.empty() ? "" : ", ") + weight.key;
        reader.ErrorAt(node,
                       fmt::format("unknown key \"{}\" in {} (allowed: {})", key, field, allowed));
        continue;
      }
      char* end = nullptr;
      const double value = std::strtod(text.c_str(), &end);
      if (text.empty() || end != text.c_str() + text.size() || !(value >= 0 && value <= 100)) {
        reader.ErrorAt(
            node, fmt::format("weight \"{}\" of {} must be a number from 0 to 100", key, field));
        continue;
      }
      it->value = value;
    }
  }
};

}  // namespace

INFERWATCH_REGISTER_SECTION_KIND(HealthSection);

}  // namespace inferwatch::rules::sections
