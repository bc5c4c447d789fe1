// `rules compile` output must load back into the same groups.
#include <sstream>

#include <catch2/catch.hpp>

#include "rules/compile/compile.h"
#include "rules/rulefile/loader.h"

namespace rf = inferwatch::rules::rulefile;

TEST_CASE("compiled rule groups round-trip through the loader", "[compile]") {
  const char* source = R"(groups:
  - name: "llm \"quoted\" group"
    interval: 90s
    limit: 10
    rules:
      - record: target:llm_x:rate5m
        expr: |
          sum by (target) (
            rate(llm_x[5m])
          )
        labels:
          team: 'infer: "ml"'
      - alert: LLMDown
        expr: up{job="llm"} == 0
        for: 5m
        keep_firing_for: 10m
        labels:
          severity: page
        annotations:
          summary: "{{ $labels.target }} down\nsince {{ $value }}"
  - name: empty
    rules: []
)";
  const rf::LoadResult original = rf::LoadRuleText(source, "in.yml");
  REQUIRE(original.ok());
  std::ostringstream out;
  inferwatch::rules::compile::WriteRuleGroups(original.groups, out);
  const rf::LoadResult again = rf::LoadRuleText(out.str(), "out.yml");
  INFO(out.str());
  REQUIRE(again.ok());
  REQUIRE(again.groups.size() == original.groups.size());
  for (std::size_t g = 0; g < original.groups.size(); ++g) {
    const rf::RuleGroup& a = original.groups[g];
    const rf::RuleGroup& b = again.groups[g];
    CHECK(a.name == b.name);
    CHECK(a.interval_ms == b.interval_ms);
    CHECK(a.limit == b.limit);
    REQUIRE(a.rules.size() == b.rules.size());
    for (std::size_t r = 0; r < a.rules.size(); ++r) {
      CHECK(a.rules[r].kind == b.rules[r].kind);
      CHECK(a.rules[r].name == b.rules[r].name);
      CHECK(a.rules[r].expr == b.rules[r].expr);
      CHECK(a.rules[r].for_ms == b.rules[r].for_ms);
      CHECK(a.rules[r].keep_firing_for_ms == b.rules[r].keep_firing_for_ms);
      CHECK(a.rules[r].labels == b.rules[r].labels);
      CHECK(a.rules[r].annotations == b.rules[r].annotations);
    }
  }
  CHECK(out.str().find("    interval: 1m30s\n") != std::string::npos);
  CHECK(out.str().find("        expr: |\n          sum by (target) (\n") != std::string::npos);
}
