#include <catch2/catch.hpp>

#include "expand_helpers.h"

namespace inferwatch::rules::sections::testing {
namespace {

TEST_CASE("health: one score rule with every penalty term", "[sections][health]") {
  const Expansion expansion = Expand("health", R"(health:
  severity_weights: {critical: 50}
)");
  REQUIRE(expansion.Messages().empty());
  const auto score = expansion.Recording("llm_health_score");
  REQUIRE(score.size() == 1);
  INFO(score[0]->expr);
  CHECK(ParseProblem(score[0]->expr).empty());
  CHECK(score[0]->expr.find("- 50 * (sum by (target) (llm_bottleneck_active{severity=\"critical\"})"
                            " or max by (target) (inferwatch_target_up) * 0)") !=
        std::string::npos);
  CHECK(score[0]->expr.find(
            "- 15 * (sum by (target) (llm_bottleneck_active{severity=\"warning\"})") !=
        std::string::npos);
  CHECK(
      score[0]->expr.find("- 30 * (max by (target) (llm_slo_burn_alert_active{alert=\"page\"})") !=
      std::string::npos);
  CHECK(score[0]->expr.find("clamp_min(clamp_max(100") == 0);
}

TEST_CASE("health: errors", "[sections][health]") {
  const Expansion expansion = Expand("health", R"(health:
  severity_weights: {fatal: 50, info: lots}
  mood: good
)");
  const std::string messages = expansion.Messages();
  INFO(messages);
  CHECK(expansion.groups.empty());
  CHECK(messages.find("pack.yml:3:3: unknown field \"mood\" in health") != std::string::npos);
  CHECK(messages.find("pack.yml:2:29: unknown key \"fatal\" in severity_weights") !=
        std::string::npos);
  CHECK(messages.find("pack.yml:2:39: weight \"info\" of severity_weights must be a number") !=
        std::string::npos);
}

}  // namespace
}  // namespace inferwatch::rules::sections::testing
