// Evaluates a daemon-sized rule load (50 expressions over 5,000 targets) against the in-memory
// store and prints the time per evaluation round. Usage: rules_bench [targets] [rounds]
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "rules/promql/engine.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"

using namespace inferwatch::rules;

int main(int argc, char** argv) {
  const int targets = argc > 1 ? std::atoi(argv[1]) : 5000;
  const int rounds = argc > 2 ? std::atoi(argv[2]) : 5;
  constexpr std::int64_t kStepMs = 15000;
  constexpr int kSamples = 40;  // 10 minutes of 15 s scrapes

  promql::MemoryStorage storage;
  for (int t = 0; t < targets; ++t) {
    const std::string instance = "10.0." + std::to_string(t / 250) + "." + std::to_string(t % 250);
    const std::string model = "model-" + std::to_string(t % 7);
    for (int le = 0; le < 6; ++le) {
      const std::string bound = le == 5 ? "+Inf" : std::to_string(1 << le);
      Labels labels({{"__name__", "llm_request_latency_seconds_bucket"},
                     {"instance", instance},
                     {"model", model},
                     {"le", bound}});
      for (int i = 0; i < kSamples; ++i) storage.Append(labels, i * kStepMs, i * (le + 1.0));
    }
    Labels requests({{"__name__", "llm_requests_total"}, {"instance", instance}, {"model", model}});
    Labels running(
        {{"__name__", "llm_requests_running"}, {"instance", instance}, {"model", model}});
    Labels kv({{"__name__", "llm_kv_cache_usage_ratio"}, {"instance", instance}, {"model", model}});
    for (int i = 0; i < kSamples; ++i) {
      storage.Append(requests, i * kStepMs, i * 3.0);
      storage.Append(running, i * kStepMs, (i + t) % 9);
      storage.Append(kv, i * kStepMs, ((i + t) % 100) / 100.0);
    }
  }

  const std::vector<std::string> templates = {
      "sum by (model) (rate(llm_requests_total[5m]))",
      "histogram_quantile(0.99, sum by (model, le) (rate(llm_request_latency_seconds_bucket[5m])))",
      "llm_kv_cache_usage_ratio > 0.9",
      "llm_requests_running / on (instance, model) group_left llm_kv_cache_usage_ratio",
      "avg_over_time(llm_kv_cache_usage_ratio[5m]) and on (instance) llm_requests_running > 4",
  };
  std::vector<promql::ExprPtr> rules;
  for (int i = 0; i < 50; ++i) {
    auto parsed = promql::ParseExpr(templates[static_cast<std::size_t>(i) % templates.size()]);
    rules.push_back(std::get<promql::ExprPtr>(parsed));
  }
  const std::int64_t now = (kSamples - 1) * kStepMs;
  double best_ms = 1e300;
  std::size_t output = 0;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    for (const auto& rule : rules) {
      auto result = promql::EvalInstant(*rule, storage, now);
      if (auto* value = std::get_if<promql::Value>(&result)) {
        if (auto* vector = std::get_if<promql::Vector>(&value->data)) output += vector->size();
      }
    }
    const double ms =
        std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
    if (ms < best_ms) best_ms = ms;
  }
  std::printf("targets=%d series=%zu rules=%zu best_round_ms=%.1f output_samples=%zu\n", targets,
              storage.SeriesCount(), rules.size(), best_ms,
              output / static_cast<std::size_t>(rounds));
  return 0;
}
