#include <algorithm>

#include <catch2/catch.hpp>

#include "expand_helpers.h"

namespace inferwatch::rules::sections::testing {
namespace {

const char* const kTtft = R"(slos:
  - name: ttft
    objective: 0.999
    latency:
      histogram: llm_time_to_first_token_seconds
      threshold: 1
      buckets: [0.1, 0.25, 0.5, 0.75, 1.0, 2.5]
)";

std::vector<std::string> Windows(const Expansion& expansion, std::string_view metric) {
  std::vector<std::string> windows;
  for (const auto* rule : expansion.Recording(metric))
    windows.push_back(LabelValue(*rule, "window"));
  return windows;
}

TEST_CASE("slos: short and long-retention groups with every window", "[sections][slos]") {
  const Expansion expansion = Expand("slos", kTtft);
  REQUIRE(expansion.Messages().empty());
  REQUIRE(expansion.groups.size() == 2);
  const auto* short_group = expansion.Group("inferwatch-slo-ttft");
  const auto* long_group = expansion.Group("inferwatch-slo-ttft-long-retention");
  REQUIRE(short_group != nullptr);
  REQUIRE(long_group != nullptr);
  for (const auto& group : expansion.groups) {
    for (const auto& rule : group.rules) {
      INFO(rule.name << ": " << rule.expr);
      CHECK(ParseProblem(rule.expr).empty());
      CHECK(LabelValue(rule, "slo") == "ttft");
      // Windows over an hour need a ruler that keeps them; the label says so.
      const std::string window = LabelValue(rule, "window");
      const bool long_window =
          window == "2h" || window == "6h" || window == "1d" || window == "3d" || window == "30d";
      if (!window.empty()) CHECK((LabelValue(rule, "retention") == "long") == long_window);
    }
  }
  CHECK(Windows(expansion, "llm_slo_sli_ratio") ==
        std::vector<std::string>{"5m", "30m", "1h", "2h", "6h", "1d", "3d", "30d"});
  CHECK(Windows(expansion, "llm_slo_burn_rate").size() == 8);
  // Exact decimals, never 0.0010000000000000009.
  const auto burn = expansion.Recording("llm_slo_burn_rate");
  CHECK(burn[0]->expr == "(1 - llm_slo_sli_ratio{slo=\"ttft\",window=\"5m\"}) / 0.001");
  const auto objective = expansion.Recording("llm_slo_objective_ratio");
  REQUIRE(objective.size() == 1);
  CHECK(objective[0]->expr == "vector(0.999)");
  // le spelled 1, 1.0 or 1.00 all match.
  const auto good = expansion.Recording("llm_slo_good_event_rate");
  REQUIRE(good.size() == 1);
  CHECK(good[0]->expr ==
        "sum by (target, model) "
        "(rate(llm_time_to_first_token_seconds_bucket{le=~\"1(\\\\.0*)?\"}[5m]))");
  // Long windows are chained from the recorded 5m event rates.
  const auto sli = expansion.Recording("llm_slo_sli_ratio");
  CHECK(sli[5]->expr ==
        "sum_over_time(llm_slo_good_event_rate{slo=\"ttft\",window=\"5m\"}[1d]) / "
        "sum_over_time(llm_slo_total_event_rate{slo=\"ttft\",window=\"5m\"}[1d])");
  CHECK(sli[2]->expr.find("[1h]") != std::string::npos);
  CHECK(expansion.Recording("llm_slo_error_budget_remaining_ratio").size() == 1);
}

TEST_CASE("slos: multi-window multi-burn-rate conditions", "[sections][slos]") {
  const Expansion expansion = Expand("slos", kTtft);
  const auto alerts = expansion.Recording("llm_slo_burn_alert_active");
  REQUIRE(alerts.size() == 2);
  CHECK(LabelValue(*alerts[0], "alert") == "page");
  CHECK(LabelValue(*alerts[1], "alert") == "ticket");
  const std::string& page = alerts[0]->expr;
  CHECK(page.find("window=\"1h\"} > bool 14.4") != std::string::npos);
  CHECK(page.find("window=\"5m\"} > bool 14.4") != std::string::npos);
  CHECK(page.find("window=\"6h\"} > bool 6") != std::string::npos);
  CHECK(page.find("window=\"30m\"} > bool 6") != std::string::npos);
  const std::string& ticket = alerts[1]->expr;
  CHECK(ticket.find("window=\"1d\"} > bool 3") != std::string::npos);
  CHECK(ticket.find("window=\"2h\"} > bool 3") != std::string::npos);
  CHECK(ticket.find("window=\"3d\"} > bool 1)") != std::string::npos);
  CHECK(ticket.find("window=\"6h\"} > bool 1)") != std::string::npos);
}

TEST_CASE("slos: windows scale with the period", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: availability
    objective: 0.99
    period: 7d
    events:
      bad: rate(llm_requests_total{outcome="error"}[{{window}}])
      total: rate(llm_requests_total[{{window}}])
)");
  REQUIRE(expansion.Messages().empty());
  // 7/30 of 5m 30m 1h 2h 6h 1d 3d, whole seconds.
  CHECK(Windows(expansion, "llm_slo_sli_ratio") ==
        std::vector<std::string>{"1m10s", "7m", "14m", "28m", "1h24m", "5h36m", "16h48m", "1w"});
  const auto good = expansion.Recording("llm_slo_good_event_rate");
  REQUIRE(good.size() == 1);
  // A missing error series means no errors.
  CHECK(good[0]->expr.find("or sum by (target, model) (rate(llm_requests_total[1m10s])) * 0") !=
        std::string::npos);
  for (const auto& group : expansion.groups) {
    for (const auto& rule : group.rules) CHECK(ParseProblem(rule.expr).empty());
  }
}

TEST_CASE("slos: a threshold off the bucket edges names the nearest edges", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency:
      histogram: llm_time_to_first_token_seconds
      threshold: 0.3
      buckets: [0.1, 0.25, 0.5, 1]
)");
  INFO(expansion.Messages());
  CHECK(expansion.groups.empty());
  CHECK(expansion.Messages().find(
            "pack.yml:6:18: latency threshold 0.3 is not a bucket edge of "
            "llm_time_to_first_token_seconds: the nearest edges are 0.25 and 0.5") !=
        std::string::npos);
}

TEST_CASE("slos: interpolation needs declared buckets and an edge above", "[sections][slos]") {
  const Expansion undeclared = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency: {histogram: llm_time_to_first_token_seconds, threshold: 0.3, interpolate: true}
)");
  INFO(undeclared.Messages());
  CHECK(undeclared.groups.empty());
  CHECK(undeclared.Messages().find(
            "pack.yml:4:70: interpolate: true needs the histogram's bucket edges listed in "
            "buckets:") != std::string::npos);
  const Expansion above = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency: {histogram: h, threshold: 5, buckets: [0.5, 1], interpolate: true}
)");
  INFO(above.Messages());
  CHECK(above.groups.empty());
  CHECK(above.Messages().find("latency threshold 5 is above the last bucket edge 1 (the last "
                              "edge) of h") != std::string::npos);
}

TEST_CASE("slos: interpolate estimates inside the bucket and says so", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency:
      histogram: llm_time_to_first_token_seconds
      threshold: 0.3
      buckets: [0.1, 0.25, 0.5, 1]
      interpolate: true
)");
  REQUIRE(expansion.Messages().empty());
  const auto good = expansion.Recording("llm_slo_good_event_rate");
  REQUIRE(good.size() == 1);
  CHECK(LabelValue(*good[0], "interpolated") == "true");
  // 0.3 is a fifth of the way from 0.25 to 0.5.
  CHECK(good[0]->expr.find("le=~\"0\\\\.250*\"") != std::string::npos);
  CHECK(good[0]->expr.find("le=~\"0\\\\.50*\"") != std::string::npos);
  CHECK(good[0]->expr.find(") * 0.2") != std::string::npos);
  for (const auto* rule : expansion.Recording("llm_slo_sli_ratio")) {
    CHECK(LabelValue(*rule, "interpolated") == "true");
  }
}

TEST_CASE("slos: without declared buckets, off-edge thresholds warn per engine",
          "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency: {histogram: llm_time_to_first_token_seconds, threshold: 2}
)");
  INFO(expansion.Messages());
  CHECK_FALSE(rulefile::HasErrors(expansion.diagnostics));
  CHECK(expansion.Messages().find(
            "warning: latency threshold 2 is not a default bucket edge of "
            "llm_time_to_first_token_seconds on vllm (nearest edges: 1 and 2.5)") !=
        std::string::npos);
  CHECK(expansion.Messages().find("on sglang") == std::string::npos);
  CHECK(expansion.groups.size() == 2);
}

TEST_CASE("slos: per-model overrides split the SLO by model", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: e2e_latency
    objective: 0.95
    latency: {histogram: llm_request_latency_seconds, threshold: 20}
    overrides:
      - {model: big-70b, threshold: 60, objective: 0.9}
)");
  REQUIRE(expansion.Messages().empty());
  REQUIRE(expansion.Group("inferwatch-slo-e2e_latency-model-big_70b") != nullptr);
  const auto objectives = expansion.Recording("llm_slo_objective_ratio");
  REQUIRE(objectives.size() == 2);
  CHECK(objectives[1]->expr == "vector(0.9)");
  CHECK(LabelValue(*objectives[1], "model") == "big-70b");
  const auto good = expansion.Recording("llm_slo_good_event_rate");
  REQUIRE(good.size() == 2);
  CHECK(good[0]->expr.find("unless on (model) (label_replace(vector(1), \"model\", \"big-70b\"") !=
        std::string::npos);
  CHECK(good[1]->expr.find("and on (model) label_replace(vector(1), \"model\", \"big-70b\"") !=
        std::string::npos);
  CHECK(good[1]->expr.find("le=~\"60(\\\\.0*)?\"") != std::string::npos);
  const auto burn = expansion.Recording("llm_slo_burn_rate");
  CHECK(burn[0]->expr.find("model!~\"big-70b\"") != std::string::npos);
  for (const auto& group : expansion.groups) {
    for (const auto& rule : group.rules) CHECK(ParseProblem(rule.expr).empty());
  }
}

TEST_CASE("slos: goodput combines other SLOs as a lower bound", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: ttft
    objective: 0.99
    latency: {histogram: llm_time_to_first_token_seconds, threshold: 1}
  - name: availability
    objective: 0.99
    events: {good: 'rate(llm_requests_total{outcome="success"}[{{window}}])', total: 'rate(llm_requests_total[{{window}}])'}
  - name: goodput
    objective: 0.95
    all_of: [ttft, availability]
)");
  REQUIRE(expansion.Messages().empty());
  const auto* group = expansion.Group("inferwatch-slo-goodput");
  REQUIRE(group != nullptr);
  bool found = false;
  for (const auto& rule : group->rules) {
    if (rule.name != "llm_slo_sli_ratio" || LabelValue(rule, "window") != "5m") continue;
    found = true;
    CHECK(rule.expr ==
          "clamp_min(1 - sum without (slo, interpolated) (1 - llm_slo_sli_ratio{slo=~\"ttft|"
          "availability\",window=\"5m\"}), 0)");
  }
  CHECK(found);
}

TEST_CASE("slos: field errors", "[sections][slos]") {
  const Expansion expansion = Expand("slos", R"(slos:
  - name: ttft
    objective: 99
    latency: {histogram: h, threshold: 1}
    events: {good: a, total: b}
    window: 1h
  - name: all
    objective: 0.9
    all_of: [ttft, nothing]
)");
  const std::string messages = expansion.Messages();
  INFO(messages);
  CHECK(expansion.groups.empty());
  CHECK(messages.find("pack.yml:6:5: unknown field \"window\" in slo") != std::string::npos);
  CHECK(messages.find("pack.yml:3:16: objective 99 must be a ratio between 0 and 1") !=
        std::string::npos);
  CHECK(messages.find("needs exactly one of latency, events or all_of") != std::string::npos);
}

}  // namespace
}  // namespace inferwatch::rules::sections::testing
