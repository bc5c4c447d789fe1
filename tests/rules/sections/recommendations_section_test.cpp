#include <catch2/catch.hpp>

#include "expand_helpers.h"

namespace inferwatch::rules::sections::testing {
namespace {

TEST_CASE("recommendations: one info rule per engine variant, gated by engine and version",
          "[sections][recommendations]") {
  const Expansion expansion = Expand("recommendations", R"(recommendations:
  - name: raise_gpu_memory_utilization
    when: [kv_cache_pressure, preemption_thrash]
    priority: high
    expected_improvement: {kv_cache_capacity_ratio: 0.05}
    engines:
      - engine: vllm
        version: '0\..*'
        parameter: --gpu-memory-utilization
        current_label: gpu_memory_utilization
        suggested_map: {"0.85": "0.9", "0.9": "0.95"}
      - engine: sglang
        parameter: --mem-fraction-static
        current_label: mem_fraction_static
        suggested: "0.9"
)");
  REQUIRE(expansion.Messages().empty());
  REQUIRE(expansion.groups.size() == 1);
  CHECK(expansion.groups[0].name == "inferwatch-recommendation-raise_gpu_memory_utilization");
  for (const auto& rule : expansion.groups[0].rules) {
    INFO(rule.name << ": " << rule.expr);
    CHECK(ParseProblem(rule.expr).empty());
  }
  const auto info = expansion.Recording("llm_recommendation_info");
  REQUIRE(info.size() == 2);
  CHECK(LabelValue(*info[0], "parameter") == "--gpu-memory-utilization");
  CHECK(LabelValue(*info[0], "priority") == "high");
  CHECK(info[0]->expr.find("llm_engine_info{engine=~\"vllm\",version=~\"0\\\\..*\","
                           "gpu_memory_utilization=\"0.9\"}") != std::string::npos);
  CHECK(info[0]->expr.find("\"suggested\", \"0.95\"") != std::string::npos);
  CHECK(info[0]->expr.find("llm_bottleneck_active{bottleneck=~\"kv_cache_pressure|"
                           "preemption_thrash\"}") != std::string::npos);
  CHECK(LabelValue(*info[1], "suggested") == "0.9");
  CHECK(info[1]->expr.find("engine=~\"sglang\"") != std::string::npos);
  const auto values = expansion.Recording("llm_recommendation_suggested_value");
  REQUIRE(values.size() == 2);
  CHECK(values[0]->expr.find("* 0 + 0.95") != std::string::npos);
  const auto improvement = expansion.Recording("llm_recommendation_expected_improvement_ratio");
  REQUIRE(improvement.size() == 1);
  CHECK(LabelValue(*improvement[0], "metric") == "kv_cache_capacity_ratio");
  CHECK(improvement[0]->expr ==
        "max by (target) (llm_recommendation_info{recommendation=\"raise_gpu_memory_utilization\"})"
        " * 0.05");
}

TEST_CASE("recommendations: computed suggestions become labels through count_values",
          "[sections][recommendations]") {
  const Expansion expansion = Expand("recommendations", R"(recommendations:
  - name: add_replicas
    when: queue_buildup
    condition: sum by (target) (llm_requests_waiting) > 0
    priority: medium
    engines:
      - engine: vllm
        parameter: replicas
        current: "1"
        suggested_expr: ceil(sum by (target) (llm_requests_waiting) / 10) + 1
)");
  REQUIRE(expansion.Messages().empty());
  const auto values = expansion.Recording("llm_recommendation_suggested_value");
  const auto info = expansion.Recording("llm_recommendation_info");
  REQUIRE(values.size() == 1);
  REQUIRE(info.size() == 1);
  CHECK(values[0]->expr.find("and on (target) (sum by (target) (llm_requests_waiting) > 0)") !=
        std::string::npos);
  CHECK(info[0]->expr.find("count_values by (target) (\"suggested\", "
                           "llm_recommendation_suggested_value{recommendation=\"add_replicas\","
                           "parameter=\"replicas\"})") != std::string::npos);
  CHECK(LabelValue(*info[0], "current") == "1");
  CHECK(ParseProblem(values[0]->expr).empty());
  CHECK(ParseProblem(info[0]->expr).empty());
}

TEST_CASE("recommendations: an observed current value becomes the current label",
          "[sections][recommendations]") {
  const Expansion expansion = Expand("recommendations", R"(recommendations:
  - name: raise_max_num_seqs
    when: concurrency_cap
    priority: high
    engines:
      - engine: vllm
        parameter: --max-num-seqs
        current_expr: max_over_time(llm_requests_running[15m])
        suggested: "512"
)");
  REQUIRE(expansion.Messages().empty());
  const auto info = expansion.Recording("llm_recommendation_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->expr.find("group_left (current) count_values by (target) (\"current\", max by "
                           "(target) (max_over_time(llm_requests_running[15m])))") !=
        std::string::npos);
  CHECK(LabelValue(*info[0], "current").empty());
  CHECK(LabelValue(*info[0], "suggested") == "512");
  const auto values = expansion.Recording("llm_recommendation_suggested_value");
  REQUIRE(values.size() == 1);
  CHECK(LabelValue(*values[0], "suggested") == "512");
  CHECK(ParseProblem(info[0]->expr).empty());
  CHECK(ParseProblem(values[0]->expr).empty());
}

TEST_CASE("recommendations: field errors", "[sections][recommendations]") {
  const Expansion expansion = Expand("recommendations", R"(recommendations:
  - name: enable_fp8_kv_cache
    when: kv_cache_pressure
    priority: urgent
    engines:
      - engine: vllm
        parameter: --kv-cache-dtype
        suggested: fp8
        suggested_expr: "1"
        flavour: x
  - name: no_engines
    when: kv_cache_pressure
    priority: low
)");
  const std::string messages = expansion.Messages();
  INFO(messages);
  CHECK(expansion.groups.empty());
  CHECK(messages.find("pack.yml:4:15: bad priority \"urgent\"") != std::string::npos);
  CHECK(messages.find("pack.yml:10:9: unknown field \"flavour\" in engine variant") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:6:9: engine variant needs exactly one of suggested") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:11:5: recommendation needs engines") != std::string::npos);
}

}  // namespace
}  // namespace inferwatch::rules::sections::testing
