// vLLM V1 in prometheus_client multiprocess mode: sorted labels, _sum first, no _created.
#include <cmath>

#include "exporter/simulator/dialects.h"
#include "exporter/simulator/exposition_writer.h"

namespace inferwatch::exporter::simulator {
namespace {
constexpr const char* kModel = "meta-llama/Meta-Llama-3-8B-Instruct";
constexpr double kBlockSize = 16;
}  // namespace

LatencyBounds VllmBounds() {
  const std::vector<double> request = {0.3,  0.5,   0.8,   1.0,   1.5,   2.0,    2.5,
                                       5.0,  10.0,  15.0,  20.0,  30.0,  40.0,   50.0,
                                       60.0, 120.0, 240.0, 480.0, 960.0, 1920.0, 7680.0};
  return {{0.001, 0.005, 0.01, 0.02, 0.04, 0.06, 0.08, 0.1,  0.25,  0.5,   0.75,
           1.0,   2.5,   5.0,  7.5,  10.0, 20.0, 40.0, 80.0, 160.0, 640.0, 2560.0},
          {0.01, 0.025, 0.05, 0.075, 0.1, 0.15, 0.2, 0.3, 0.4, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
           20.0, 40.0, 80.0},
          request,
          request,
          OneTwoFive(8192),
          OneTwoFive(8192)};
}

std::string RenderVllm(const ServingModel& m) {
  ExpositionWriter w(FloatStyle::kPython);
  const LabelList labels = {{"engine", "0"}, {"model_name", kModel}};
  const Totals& t = m.totals();
  auto gauge = [&](const char* name, const char* help, double value) {
    w.Family(name, "gauge", help);
    w.Sample(name, labels, value);
  };
  auto counter = [&](const char* name, const char* help, double value) {
    w.Family(name, "counter", help);
    w.Sample(name, labels, value);
  };
  gauge("vllm:num_requests_running", "Number of requests in model execution batches.", m.running());
  gauge("vllm:num_requests_waiting", "Number of requests waiting to be processed.", m.waiting());
  gauge("vllm:kv_cache_usage_perc", "KV-cache usage. 1 means 100 percent usage.",
        m.kv_usage_ratio());
  counter("vllm:prefix_cache_queries_total",
          "Prefix cache queries, in terms of number of queried tokens.", t.prefix_queries);
  counter("vllm:prefix_cache_hits_total", "Prefix cache hits, in terms of number of cached tokens.",
          t.prefix_hits);
  counter("vllm:num_preemptions_total", "Cumulative number of preemption from the engine.",
          t.preemptions);
  counter("vllm:prompt_tokens_total", "Number of prefill tokens processed.", t.prompt_tokens);
  counter("vllm:generation_tokens_total", "Number of generation tokens processed.",
          t.generation_tokens);
  w.Family("vllm:request_success_total", "counter", "Count of successfully processed requests.");
  const std::pair<const char*, Outcome> reasons[] = {{"abort", Outcome::kAbort},
                                                     {"error", Outcome::kError},
                                                     {"length", Outcome::kLength},
                                                     {"stop", Outcome::kStop}};
  for (const auto& [reason, outcome] : reasons) {
    w.Sample("vllm:request_success_total",
             {{"engine", "0"}, {"finished_reason", reason}, {"model_name", kModel}},
             t.outcomes[static_cast<int>(outcome)]);
  }
  auto histogram = [&](const char* name, const char* help, const Histogram& h) {
    w.Family(name, "histogram", help);
    w.Histogram(name, labels, h, HistogramLayout::kMultiprocess);
  };
  histogram("vllm:request_prompt_tokens", "Number of prefill tokens processed.", m.prompt_tokens);
  histogram("vllm:request_generation_tokens", "Number of generation tokens processed.",
            m.output_tokens);
  histogram("vllm:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
            m.ttft);
  histogram("vllm:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
            m.itl);
  histogram("vllm:request_time_per_output_token_seconds",
            "Histogram of time_per_output_token_seconds per request.", m.tpot);
  histogram("vllm:e2e_request_latency_seconds", "Histogram of e2e request latency in seconds.",
            m.e2e);
  histogram("vllm:request_queue_time_seconds",
            "Histogram of time spent in WAITING phase for request.", m.queue);
  w.Family("vllm:cache_config_info", "gauge", "Information of the LLMEngine CacheConfig");
  const double blocks = std::floor(m.params().kv_capacity_tokens / kBlockSize);
  w.Sample("vllm:cache_config_info",
           {{"block_size", "16"},
            {"cache_dtype", "auto"},
            {"enable_prefix_caching", "True"},
            {"engine", "0"},
            {"gpu_memory_utilization", "0.9"},
            {"num_gpu_blocks", FormatValue(blocks, FloatStyle::kShortest)}},
           1);
  return w.Take();
}

}  // namespace inferwatch::exporter::simulator
