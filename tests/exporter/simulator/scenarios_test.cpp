// Scenario invariants on the canonical series the rule packs read. The servers run at high
// speed so a short wall-clock pause covers tens of simulated seconds.
#include <catch2/catch.hpp>
#include <chrono>
#include <thread>

#include "tests/exporter/simulator/sim_helpers.h"

namespace inferwatch::exporter::simulator {
namespace {

using testing::Make;
using testing::Mean;
using testing::Normalize;
using testing::Sum;

constexpr double kSpeed = 200;  // 200 simulated seconds per wall second

NormalizeResult Later(SimulatedServer& server) {
  std::this_thread::sleep_for(std::chrono::milliseconds(150));  // ~30 simulated seconds
  return Normalize(server.RenderMetrics());
}

double ErrorShare(const NormalizeResult& r) {
  const double total = Sum(r, "llm_requests_total");
  const double failed = Sum(r, "llm_requests_total", "outcome", "error") +
                        Sum(r, "llm_requests_total", "outcome", "aborted");
  return total > 0 ? failed / total : 0;
}

TEST_CASE("healthy: low KV, no queue, no preemptions, few errors", "[simulator][scenario]") {
  for (const std::string engine : {"vllm", "sglang"}) {
    SECTION(engine) {
      SimulatedServer server(Make(engine, "healthy", kSpeed));
      const NormalizeResult before = Normalize(server.RenderMetrics());
      const NormalizeResult after = Later(server);
      CHECK(Sum(after, "llm_kv_cache_usage_ratio") < 0.5);
      CHECK(Sum(after, "llm_requests_waiting") == 0);
      CHECK(Sum(after, "llm_preemptions_total") == Sum(before, "llm_preemptions_total"));
      CHECK(ErrorShare(after) < 0.02);
      CHECK(Mean(after, "llm_time_to_first_token_seconds") < 0.5);
      CHECK(Mean(after, "llm_inter_token_latency_seconds") < 0.03);
      CHECK(Sum(after, "llm_generation_tokens_total") > Sum(before, "llm_generation_tokens_total"));
    }
  }
}

TEST_CASE("kv-pressure: KV above 0.9, preemptions rising, requests waiting",
          "[simulator][scenario]") {
  for (const std::string engine : {"vllm", "sglang"}) {
    SECTION(engine) {
      SimulatedServer server(Make(engine, "kv-pressure", kSpeed));
      const NormalizeResult before = Normalize(server.RenderMetrics());
      const NormalizeResult after = Later(server);
      CHECK(Sum(before, "llm_kv_cache_usage_ratio") > 0.9);
      CHECK(Sum(after, "llm_kv_cache_usage_ratio") > 0.9);
      CHECK(Sum(after, "llm_preemptions_total") > Sum(before, "llm_preemptions_total"));
      CHECK(Sum(after, "llm_requests_waiting") > 0);
    }
  }
  SECTION("triton reports it through the block fraction") {
    SimulatedServer server(Make("triton", "kv-pressure", kSpeed));
    CHECK(Sum(Normalize(server.RenderMetrics()), "llm_kv_cache_usage_ratio") > 0.9);
  }
}

TEST_CASE("queue-buildup: waiting grows while running stays at the cap", "[simulator][scenario]") {
  for (const std::string engine : {"vllm", "tgi", "llamacpp"}) {
    SECTION(engine) {
      SimulatedServer server(Make(engine, "queue-buildup", kSpeed));
      const NormalizeResult before = Normalize(server.RenderMetrics());
      const NormalizeResult after = Later(server);
      CHECK(Sum(after, "llm_requests_waiting") > Sum(before, "llm_requests_waiting"));
      CHECK(Sum(before, "llm_requests_waiting") > 100);
      CHECK(Sum(after, "llm_requests_running") == 32);
      CHECK(Sum(after, "llm_kv_cache_usage_ratio") < 0.9);
    }
  }
}

TEST_CASE("prefill-bound and decode-bound move TTFT and ITL apart", "[simulator][scenario]") {
  SimulatedServer prefill(Make("vllm", "prefill-bound"));
  SimulatedServer decode(Make("vllm", "decode-bound"));
  SimulatedServer healthy(Make("vllm", "healthy"));
  const NormalizeResult p = Normalize(prefill.RenderMetrics());
  const NormalizeResult d = Normalize(decode.RenderMetrics());
  const NormalizeResult h = Normalize(healthy.RenderMetrics());
  const std::string ttft = "llm_time_to_first_token_seconds";
  const std::string itl = "llm_inter_token_latency_seconds";
  CHECK(Mean(p, ttft) > 1.0);
  CHECK(Mean(p, itl) < 0.03);
  CHECK(Mean(d, itl) > 0.05);
  CHECK(Mean(d, ttft) < 0.5);
  CHECK(Mean(p, ttft) > 10 * Mean(h, ttft));
  CHECK(Mean(d, itl) > 3 * Mean(h, itl));
  CHECK(Sum(p, "llm_requests_waiting") + Sum(d, "llm_requests_waiting") < 5);
  CHECK(Sum(d, "llm_kv_cache_usage_ratio") < 0.9);
}

TEST_CASE("errors: at least 5% of finished requests fail", "[simulator][scenario]") {
  for (const std::string engine : {"vllm", "tgi", "sglang", "triton"}) {
    SECTION(engine) {
      SimulatedServer server(Make(engine, "errors", kSpeed));
      const NormalizeResult r = Later(server);
      CHECK(ErrorShare(r) >= 0.05);
      CHECK(ErrorShare(r) < 0.5);
    }
  }
}

TEST_CASE("SetScenario takes effect at once and counters keep counting", "[simulator][scenario]") {
  SimulatedServer server(Make("vllm", "healthy", kSpeed));
  const NormalizeResult before = Normalize(server.RenderMetrics());
  CHECK(Sum(before, "llm_kv_cache_usage_ratio") < 0.5);
  server.SetScenario("kv-pressure");
  const NormalizeResult after = Normalize(server.RenderMetrics());
  CHECK(Sum(after, "llm_kv_cache_usage_ratio") > 0.9);
  CHECK(Sum(after, "llm_prompt_tokens_total") > Sum(before, "llm_prompt_tokens_total"));
  CHECK_THROWS_AS(server.SetScenario("sunny"), std::invalid_argument);
}

TEST_CASE("unknown names are rejected", "[simulator]") {
  CHECK_THROWS_AS(SimulatedServer(Make("lmdeploy", "healthy")), std::invalid_argument);
  CHECK_THROWS_AS(SimulatedServer(Make("vllm", "sunny")), std::invalid_argument);
  Options bad_fault = Make("vllm", "healthy");
  bad_fault.fault = "fire";
  CHECK_THROWS_AS(SimulatedServer(bad_fault), std::invalid_argument);
  for (const auto& engine : Engines()) CHECK_NOTHROW(SimulatedServer(Make(engine, "healthy")));
}

}  // namespace
}  // namespace inferwatch::exporter::simulator
