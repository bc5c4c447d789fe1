// Every engine's simulated payload parses and normalises to that engine's canonical series, and
// the series agree with each other.
#include <catch2/catch.hpp>

#include "exporter/simulator/exposition_writer.h"
#include "parsers/exposition.h"
#include "tests/exporter/simulator/sim_helpers.h"

namespace inferwatch::exporter::simulator {
namespace {

using testing::Has;
using testing::Make;
using testing::Normalize;
using testing::Sum;

class CountingHandler : public parsers::SampleHandler {
 public:
  bool OnSample(const parsers::Sample& /*sample*/) override {
    ++samples;
    return true;
  }
  std::size_t samples = 0;
};

TEST_CASE("each engine's simulated payload parses and maps onto its canonical series",
          "[simulator]") {
  struct Expectation {
    std::string engine;
    std::vector<std::string> series;
  };
  const std::vector<std::string> common = {"llm_requests_running", "llm_requests_waiting",
                                           "llm_engine_info"};
  const std::vector<Expectation> expectations = {
      {"vllm",
       {"llm_kv_cache_usage_ratio", "llm_preemptions_total", "llm_prompt_tokens_total",
        "llm_generation_tokens_total", "llm_requests_total", "llm_prefix_cache_queries_total",
        "llm_prefix_cache_hits_total", "llm_time_to_first_token_seconds_bucket",
        "llm_inter_token_latency_seconds_bucket", "llm_request_latency_seconds_bucket",
        "llm_request_queue_time_seconds_bucket", "llm_batch_size"}},
      {"tgi",
       {"llm_kv_cache_usage_ratio", "llm_prompt_tokens_total", "llm_generation_tokens_total",
        "llm_requests_total", "llm_inter_token_latency_seconds_bucket",
        "llm_request_latency_seconds_bucket", "llm_request_queue_time_seconds_bucket"}},
      {"sglang",
       {"llm_kv_cache_usage_ratio", "llm_preemptions_total", "llm_prompt_tokens_total",
        "llm_generation_tokens_total", "llm_requests_total", "llm_prefix_cache_hits_total",
        "llm_time_to_first_token_seconds_bucket", "llm_inter_token_latency_seconds_bucket",
        "llm_request_latency_seconds_bucket", "llm_request_queue_time_seconds_bucket"}},
      {"triton",
       {"llm_kv_cache_usage_ratio", "llm_requests_total", "llm_time_to_first_token_seconds_bucket",
        "llm_request_latency_seconds_sum", "llm_request_queue_time_seconds_sum"}},
      {"llamacpp", {"llm_prompt_tokens_total", "llm_generation_tokens_total", "llm_batch_size"}},
  };
  for (const auto& expected : expectations) {
    SECTION(expected.engine) {
      SimulatedServer server(Make(expected.engine, "healthy"));
      const std::string body = server.RenderMetrics();
      CountingHandler counter;
      const auto error =
          parsers::Parse(body, parsers::DetectFormat("text/plain; version=0.0.4", body), counter);
      INFO(body.substr(0, 2000));
      REQUIRE_FALSE(error);
      CHECK(counter.samples > 5);

      const NormalizeResult r = Normalize(body);
      REQUIRE_FALSE(r.error);
      CHECK(r.engine == expected.engine);
      CHECK(r.unmapped_series < r.raw_samples);
      for (const auto& name : common) CHECK(Has(r, name));
      for (const auto& name : expected.series) {
        INFO(name);
        CHECK(Has(r, name));
      }
    }
  }
}

TEST_CASE("simulated series are mutually consistent", "[simulator]") {
  for (const std::string engine : {"vllm", "sglang", "tgi"}) {
    SECTION(engine) {
      SimulatedServer server(Make(engine, "errors"));
      const NormalizeResult r = Normalize(server.RenderMetrics());
      REQUIRE_FALSE(r.error);
      // Every finished request is one latency observation and one outcome.
      CHECK(Sum(r, "llm_request_latency_seconds_count") == Sum(r, "llm_requests_total"));
      CHECK(Sum(r, "llm_request_latency_seconds_bucket", "le", "+Inf") ==
            Sum(r, "llm_request_latency_seconds_count"));
      CHECK(Sum(r, "llm_requests_total") > 100);
      const double kv = Sum(r, "llm_kv_cache_usage_ratio");
      CHECK(kv >= 0);
      CHECK(kv <= 1);
    }
  }
  SECTION("vllm token counters match the prefix-cache queries") {
    SimulatedServer server(Make("vllm", "healthy"));
    const NormalizeResult r = Normalize(server.RenderMetrics());
    CHECK(Sum(r, "llm_prefix_cache_queries_total") == Sum(r, "llm_prompt_tokens_total"));
    CHECK(Sum(r, "llm_prefix_cache_hits_total") < Sum(r, "llm_prefix_cache_queries_total"));
    CHECK(Sum(r, "llm_generation_tokens_total") == Sum(r, "llm_inter_token_latency_seconds_count"));
  }
}

TEST_CASE("dialect spellings follow the engines", "[simulator]") {
  SECTION("vLLM: Go-style exponents and sorted labels with le inside") {
    SimulatedServer server(Make("vllm", "healthy"));
    const std::string body = server.RenderMetrics();
    CHECK(body.find("vllm:time_to_first_token_seconds_bucket{engine=\"0\",le=\"0.001\","
                    "model_name=") != std::string::npos);
    CHECK(body.find("vllm:num_requests_waiting{engine=\"0\",model_name=\"meta-llama/"
                    "Meta-Llama-3-8B-Instruct\"} 0.0\n") != std::string::npos);
  }
  SECTION("TGI: no _total, le last, long Rust bounds") {
    SimulatedServer server(Make("tgi", "healthy"));
    const std::string body = server.RenderMetrics();
    CHECK(body.find("tgi_request_duration_bucket{le=\"0.00015000000000000001\"}") !=
          std::string::npos);
    CHECK(body.find("tgi_request_success ") != std::string::npos);
    CHECK(body.find("_total ") == std::string::npos);
    CHECK(body.find("_total{") == std::string::npos);
  }
}

TEST_CASE("float spellings match each client library", "[simulator]") {
  // prometheus_client (vLLM, SGLang): repr() with ".0", exponent past 6 integer digits.
  CHECK(FormatValue(37, FloatStyle::kPython) == "37.0");
  CHECK(FormatValue(0.4631578947368421, FloatStyle::kPython) == "0.4631578947368421");
  CHECK(FormatValue(1.5875874e+07, FloatStyle::kPython) == "1.5875874e+07");
  CHECK(FormatValue(4.95e+06, FloatStyle::kPython) == "4.95e+06");
  CHECK(FormatValue(123456, FloatStyle::kPython) == "123456.0");
  // Rust (TGI): integers bare, shortest digits, never an exponent.
  CHECK(FormatValue(31, FloatStyle::kRust) == "31");
  CHECK(FormatValue(0.0001 * 1.5, FloatStyle::kRust) == "0.00015000000000000001");
  // C++ ostream (llama.cpp): six significant digits.
  CHECK(FormatValue(2843310, FloatStyle::kCpp6) == "2.84331e+06");
  CHECK(FormatValue(912744, FloatStyle::kCpp6) == "912744");
  CHECK(FormatValue(3.027412345, FloatStyle::kCpp6) == "3.02741");
}

}  // namespace
}  // namespace inferwatch::exporter::simulator
