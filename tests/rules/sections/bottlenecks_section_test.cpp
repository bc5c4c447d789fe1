#include <catch2/catch.hpp>

#include "expand_helpers.h"
#include "rules/rulefile/section.h"

namespace inferwatch::rules::sections::testing {
namespace {

const char* const kKvPressure = R"(bottlenecks:
  - name: kv_cache_pressure
    expr: llm_kv_cache_usage_ratio > 0.9
    scope: llm_kv_cache_usage_ratio
    for: 5m
    severity: warning
    description: KV cache nearly full
    evidence:
      kv_cache_usage_ratio: llm_kv_cache_usage_ratio
      requests_waiting: sum by (target, engine, model) (llm_requests_waiting)
)";

TEST_CASE("bottlenecks: the kind is registered under its key", "[sections][bottlenecks]") {
  REQUIRE(rulefile::FindSectionKind("bottlenecks") != nullptr);
}

TEST_CASE("bottlenecks: one group with condition, active, evidence and info rules",
          "[sections][bottlenecks]") {
  const Expansion expansion = Expand("bottlenecks", kKvPressure);
  REQUIRE(expansion.Messages().empty());
  REQUIRE(expansion.groups.size() == 1);
  const auto& group = expansion.groups[0];
  CHECK(group.name == "inferwatch-bottleneck-kv_cache_pressure");
  CHECK(group.pos.line == 2);
  REQUIRE(group.rules.size() == 5);
  CHECK(group.rules[0].name == "llm_bottleneck_condition");
  CHECK(group.rules[1].name == "llm_bottleneck_active");
  CHECK(group.rules[2].name == "llm_bottleneck_evidence");
  CHECK(group.rules[3].name == "llm_bottleneck_evidence");
  CHECK(group.rules[4].name == "llm_bottleneck_info");
  for (const auto& rule : group.rules) {
    INFO(rule.expr);
    CHECK(ParseProblem(rule.expr).empty());
    CHECK(rule.kind == rulefile::RuleKind::kRecord);
  }
  CHECK(LabelValue(group.rules[1], "bottleneck") == "kv_cache_pressure");
  CHECK(LabelValue(group.rules[1], "severity") == "warning");
  CHECK(LabelValue(group.rules[3], "evidence") == "requests_waiting");
  CHECK(LabelValue(group.rules[4], "description") == "KV cache nearly full");
  CHECK(LabelValue(group.rules[4], "for") == "5m");
  // The `for` is built from the recorded condition, so both evaluators agree.
  CHECK(group.rules[1].expr.find("min_over_time") != std::string::npos);
  CHECK(group.rules[1].expr.find("offset 5m") != std::string::npos);
  // The condition is 0 over the scope's series when the expression does not hold.
  CHECK(
      group.rules[0].expr.find("count by (target, engine, model) (llm_kv_cache_usage_ratio) * 0") !=
      std::string::npos);
  CHECK(group.rules[0].pos.line == 3);
}

TEST_CASE("bottlenecks: without for the active series is the condition itself",
          "[sections][bottlenecks]") {
  const Expansion expansion = Expand("bottlenecks", R"(bottlenecks:
  - name: up_not_serving
    expr: llm_requests_waiting > 0
    severity: critical
    by: [target]
)");
  REQUIRE(expansion.Messages().empty());
  const auto active = expansion.Recording("llm_bottleneck_active");
  REQUIRE(active.size() == 1);
  CHECK(active[0]->expr ==
        "llm_bottleneck_condition{bottleneck=\"up_not_serving\",severity=\"critical\"}");
  const auto condition = expansion.Recording("llm_bottleneck_condition");
  REQUIRE(condition.size() == 1);
  CHECK(condition[0]->expr.find("count by (target) (llm_engine_info) * 0") != std::string::npos);
}

TEST_CASE("bottlenecks: errors carry file, line and column", "[sections][bottlenecks]") {
  const Expansion expansion = Expand("bottlenecks", R"(bottlenecks:
  - name: kv_cache_pressure
    expr: llm_kv_cache_usage_ratio > 0.9
    severity: urgent
    for: five minutes
    colour: red
  - name: Bad-Name
    severity: info
)");
  const std::string messages = expansion.Messages();
  INFO(messages);
  CHECK(expansion.groups.empty());
  CHECK(messages.find("pack.yml:6:5: unknown field \"colour\" in bottleneck") != std::string::npos);
  CHECK(messages.find("pack.yml:4:15: bad severity \"urgent\": use info, warning or critical") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:5:10: field \"for\" of bottleneck must be a duration") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:7:11: bottleneck name \"Bad-Name\" must match") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:7:5: bottleneck is missing the required field \"expr\"") !=
        std::string::npos);
}

TEST_CASE("bottlenecks: duplicate names and non-list sections are rejected",
          "[sections][bottlenecks]") {
  const Expansion duplicate = Expand("bottlenecks", R"(bottlenecks:
  - {name: a, expr: up > 0, severity: info}
  - {name: a, expr: up > 1, severity: info}
)");
  INFO(duplicate.Messages());
  CHECK(duplicate.Messages().find("pack.yml:3:12: bottleneck \"a\" is defined more than once") !=
        std::string::npos);
  const Expansion not_list = Expand("bottlenecks", "bottlenecks: {name: a}\n");
  CHECK(not_list.Messages().find("pack.yml:1:14: bottlenecks must be a list") != std::string::npos);
  CHECK(not_list.groups.empty());
}

}  // namespace
}  // namespace inferwatch::rules::sections::testing
