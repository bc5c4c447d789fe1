// SGLang with PROMETHEUS_MULTIPROC_DIR: sorted labels, _sum first; scheduler series carry the
// parallelism labels, tokenizer series only model_name.
#include "exporter/simulator/dialects.h"
#include "exporter/simulator/exposition_writer.h"

namespace inferwatch::exporter::simulator {
namespace {
constexpr const char* kModel = "meta-llama/Llama-3.1-8B-Instruct";
}  // namespace

LatencyBounds SglangBounds() {
  return {{0.1, 0.2, 0.4, 0.6, 0.8, 1, 2, 4, 6, 8, 10, 20, 40, 60, 80, 100, 200, 400},
          {0.002, 0.004, 0.006, 0.008, 0.010, 0.015, 0.020, 0.025, 0.030, 0.035, 0.040, 0.060,
           0.080, 0.100, 0.200, 0.400, 0.600, 0.800, 1.0,   2.0,   4.0,   6.0,   8.0},
          {0.1, 0.2, 0.4, 0.6, 0.8, 1,   2,   4,   6,    8,    10,
           20,  40,  60,  80,  100, 200, 400, 600, 1200, 1800, 2400},
          {0.0, 0.1, 0.2, 0.5, 1,    2,    3,    4,    5,    10,   15,   20,
           30,  40,  50,  60,  70,   80,   90,   100,  200,  300,  400,  500,
           600, 700, 800, 900, 1000, 1200, 1400, 1600, 1800, 2000, 2500, 3000},
          {},
          {}};
}

std::string RenderSglang(const ServingModel& m) {
  ExpositionWriter w(FloatStyle::kPython);
  const Totals& t = m.totals();
  const LabelList scheduler = {{"engine_type", "unified"},
                               {"model_name", kModel},
                               {"moe_ep_rank", "0"},
                               {"pp_rank", "0"},
                               {"tp_rank", "0"}};
  const LabelList tokenizer = {{"model_name", kModel}};
  auto one = [&](const char* name, const char* type, const char* help, const LabelList& labels,
                 double value) {
    w.Family(name, type, help);
    w.Sample(name, labels, value);
  };
  one("sglang:num_running_reqs", "gauge", "The number of running requests.", scheduler,
      m.running());
  one("sglang:num_used_tokens", "gauge", "The number of used tokens.", scheduler,
      m.kv_used_tokens());
  one("sglang:token_usage", "gauge", "The token usage.", scheduler, m.kv_usage_ratio());
  const double throughput = m.current_itl() > 0 ? m.running() / m.current_itl() : 0;
  one("sglang:gen_throughput", "gauge", "The generation throughput (token/s).", scheduler,
      throughput);
  one("sglang:num_queue_reqs", "gauge", "The number of requests in the waiting queue.", scheduler,
      m.waiting());
  one("sglang:cache_hit_rate", "gauge", "The prefix cache hit rate.", scheduler,
      m.params().prefix_hit_ratio);
  one("sglang:max_total_num_tokens", "gauge", "Maximum total number of tokens in the KV pool.",
      scheduler, m.params().kv_capacity_tokens);
  one("sglang:num_retracted_requests_total", "counter", "The number of retracted requests.",
      scheduler, t.preemptions);
  w.Family("sglang:queue_time_seconds", "histogram", "Histogram of queueing time in seconds.");
  w.Histogram("sglang:queue_time_seconds", scheduler, m.queue, HistogramLayout::kMultiprocess);
  one("sglang:prompt_tokens_total", "counter", "Number of prefill tokens processed.", tokenizer,
      t.prompt_tokens);
  one("sglang:generation_tokens_total", "counter", "Number of generation tokens processed.",
      tokenizer, t.generation_tokens);
  one("sglang:cached_tokens_total", "counter", "Number of cached prompt tokens.", tokenizer,
      t.prefix_hits);
  one("sglang:num_requests_total", "counter", "Number of requests processed.", tokenizer,
      t.outcomes[static_cast<int>(Outcome::kStop)] +
          t.outcomes[static_cast<int>(Outcome::kLength)]);
  one("sglang:num_aborted_requests_total", "counter", "Number of requests aborted.", tokenizer,
      t.outcomes[static_cast<int>(Outcome::kAbort)] +
          t.outcomes[static_cast<int>(Outcome::kError)]);
  auto histogram = [&](const char* name, const char* help, const Histogram& h) {
    w.Family(name, "histogram", help);
    w.Histogram(name, tokenizer, h, HistogramLayout::kMultiprocess);
  };
  histogram("sglang:time_to_first_token_seconds", "Histogram of time to first token in seconds.",
            m.ttft);
  histogram("sglang:inter_token_latency_seconds", "Histogram of inter-token latency in seconds.",
            m.itl);
  histogram("sglang:e2e_request_latency_seconds",
            "Histogram of End-to-end request latency in seconds", m.e2e);
  return w.Take();
}

}  // namespace inferwatch::exporter::simulator
