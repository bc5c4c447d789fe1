#include "rules/sections/known_buckets.h"

#include <cmath>

#include <fmt/format.h>

#include "rules/sections/promql_text.h"

namespace inferwatch::rules::sections {

std::vector<KnownBucketSet> KnownBuckets(std::string_view histogram) {
  if (histogram == "llm_time_to_first_token_seconds") {
    return {
        {"vllm", {0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
                  1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0}},
        {"sglang", {0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400}}};
  }
  if (histogram == "llm_inter_token_latency_seconds") {
    return {{"vllm",
             {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5,
              10.0, 20.0, 40.0, 80.0}},
            {"sglang",
             {0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060,
              0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1.0,   2.0,   4.0,   6.0,   8.0}}};
  }
  if (histogram == "llm_request_latency_seconds") {
    return {{"vllm", {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
                      30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}},
            {"sglang", {0.1, 0.2, 0.4, 0.6, 0.8, 1,   2,   4,   6,    8,    10,
                        20,  40,  60,  80,  100, 200, 400, 600, 1200, 1800, 2400}}};
  }
  if (histogram == "llm_request_queue_time_seconds") {
    return {{"vllm", {0.3,  0.5,  0.8,  1.0,  1.5,   2.0,   2.5,   5.0,   10.0,   15.0,  20.0,
                      30.0, 40.0, 50.0, 60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0}}};
  }
  return {};
}

EdgeLookup LookupEdge(const std::vector<double>& edges, double threshold) {
  EdgeLookup lookup;
  for (double edge : edges) {
    if (std::fabs(edge - threshold) <= 1e-9 * std::max(std::fabs(edge), 1e-12)) {
      lookup.is_edge = true;
      return lookup;
    }
    if (edge < threshold) lookup.below = edge;
    if (edge > threshold && !lookup.above) lookup.above = edge;
  }
  return lookup;
}

std::string DescribeNearestEdges(const EdgeLookup& lookup) {
  if (lookup.below && lookup.above) {
    return fmt::format("{} and {}", FormatNumber(*lookup.below), FormatNumber(*lookup.above));
  }
  if (lookup.above) return fmt::format("{} (the first edge)", FormatNumber(*lookup.above));
  if (lookup.below) return fmt::format("{} (the last edge)", FormatNumber(*lookup.below));
  return "none (no edges declared)";
}

}  // namespace inferwatch::rules::sections
