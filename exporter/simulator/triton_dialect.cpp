// Triton with the TensorRT-LLM backend: nv_trt_llm_* gauges selected by a label, cumulative
// microsecond counters, a millisecond first-response histogram, integers without decimals.
#include <algorithm>
#include <cmath>

#include "exporter/simulator/dialects.h"
#include "exporter/simulator/exposition_writer.h"

namespace inferwatch::exporter::simulator {
namespace {
constexpr double kTokensPerBlock = 64;
}  // namespace

LatencyBounds TritonBounds() {
  // Triton's own request histograms are counters; only the first-response one has buckets.
  return {{0.1, 0.5, 2.0, 5.0}, {}, {}, {}, {}, {}};
}

std::string RenderTriton(const ServingModel& m) {
  ExpositionWriter w(FloatStyle::kShortest);
  const Totals& t = m.totals();
  auto model = [](LabelList extra) {
    LabelList labels = {{"model", "tensorrt_llm"}};
    for (auto& label : extra) labels.push_back(std::move(label));
    labels.emplace_back("version", "1");
    return labels;
  };
  w.Family("nv_trt_llm_request_metrics", "gauge", "TRT LLM request metrics");
  w.Sample("nv_trt_llm_request_metrics", model({{"request_type", "waiting"}}), m.waiting());
  w.Sample("nv_trt_llm_request_metrics", model({{"request_type", "scheduled"}}), m.running());
  w.Sample("nv_trt_llm_request_metrics", model({{"request_type", "max"}}), m.params().max_running);
  w.Sample("nv_trt_llm_request_metrics", model({{"request_type", "active"}}), m.running());
  const double max_blocks = std::floor(m.params().kv_capacity_tokens / kTokensPerBlock);
  const double used_blocks = std::ceil(m.kv_used_tokens() / kTokensPerBlock);
  w.Family("nv_trt_llm_kv_cache_block_metrics", "gauge", "TRT LLM KV cache block metrics");
  w.Sample("nv_trt_llm_kv_cache_block_metrics", model({{"kv_cache_block_type", "fraction"}}),
           m.kv_usage_ratio());
  w.Sample("nv_trt_llm_kv_cache_block_metrics", model({{"kv_cache_block_type", "tokens_per"}}),
           kTokensPerBlock);
  w.Sample("nv_trt_llm_kv_cache_block_metrics", model({{"kv_cache_block_type", "used"}}),
           used_blocks);
  w.Sample("nv_trt_llm_kv_cache_block_metrics", model({{"kv_cache_block_type", "free"}}),
           std::max(0.0, max_blocks - used_blocks));
  w.Sample("nv_trt_llm_kv_cache_block_metrics", model({{"kv_cache_block_type", "max"}}),
           max_blocks);
  const double success =
      t.outcomes[static_cast<int>(Outcome::kStop)] + t.outcomes[static_cast<int>(Outcome::kLength)];
  const double failure =
      t.outcomes[static_cast<int>(Outcome::kError)] + t.outcomes[static_cast<int>(Outcome::kAbort)];
  auto counter = [&](const char* name, const char* help, double value) {
    w.Family(name, "counter", help);
    w.Sample(name, model({}), std::round(value));
  };
  counter("nv_inference_request_success",
          "Number of successful inference requests, all batch sizes", success);
  counter("nv_inference_request_failure", "Number of failed inference requests, all batch sizes",
          failure);
  counter("nv_inference_count", "Number of inferences performed (does not include cached requests)",
          success);
  counter("nv_inference_exec_count",
          "Number of model executions performed (does not include cached requests)", success);
  counter("nv_inference_request_duration_us",
          "Cumulative inference request duration in microseconds (includes cached requests)",
          t.request_seconds * 1e6);
  counter("nv_inference_queue_duration_us",
          "Cumulative inference queuing duration in microseconds (includes cached requests)",
          t.queue_seconds * 1e6);
  w.Family("nv_inference_pending_request_count", "gauge",
           "Instantaneous number of pending requests awaiting execution per-model.");
  w.Sample("nv_inference_pending_request_count", model({}), m.waiting());
  w.Family("nv_inference_first_response_histogram_ms", "histogram",
           "Duration from request to first response in milliseconds");
  w.Histogram("nv_inference_first_response_histogram_ms", model({}), m.ttft,
              HistogramLayout::kLeLastCountFirst, 1000);
  return w.Take();
}

}  // namespace inferwatch::exporter::simulator
