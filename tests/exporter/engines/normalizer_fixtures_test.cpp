// Each engine fixture normalised through the shipped tables; expected values read off the
// fixture files by hand.
#include <catch2/catch.hpp>

#include "tests/exporter/engines/normalize_helpers.h"

namespace inferwatch::exporter {
namespace {

using testing::NormalizeText;
using testing::ReadFixture;
using testing::Select;
using testing::Value;

constexpr const char* kLlama3 = "meta-llama/Meta-Llama-3-8B-Instruct";

TEST_CASE("vLLM V1 fixture maps onto the canonical series", "[engines][vllm]") {
  const std::string body = ReadFixture("vllm-v1.prom");
  const rules::Labels job({{"job", "llm"}, {"cluster", "eu-1"}});
  const NormalizeResult r = NormalizeText(body, "auto", &job);
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "vllm");
  CHECK(r.version == ">=0.11");  // kv_cache_usage_perc and inter_token_latency_seconds

  const testing::Matchers base{{"model", kLlama3}, {"engine_index", "0"},
                               {"engine", "vllm"}, {"target", "10.0.0.7:8000"},
                               {"job", "llm"},     {"cluster", "eu-1"}};
  CHECK(Value(r, "llm_requests_running", base) == 37);
  CHECK(Value(r, "llm_batch_size", base) == 37);
  CHECK(Value(r, "llm_requests_waiting", base) == 4);
  CHECK(Value(r, "llm_kv_cache_usage_ratio", base) == 0.4631578947368421);
  CHECK(Value(r, "llm_prefix_cache_queries_total", base) == 1.5875874e+07);
  CHECK(Value(r, "llm_prefix_cache_hits_total", base) == 5.416848e+06);
  CHECK(Value(r, "llm_preemptions_total", base) == 23);
  CHECK(Value(r, "llm_prompt_tokens_total", base) == 1.5875874e+07);
  CHECK(Value(r, "llm_generation_tokens_total", base) == 4.569275e+06);
  // finished_reason -> outcome: stop (12153) and length (683) are both successes.
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 12153 + 683);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "aborted"}}) == 37);
  CHECK(Select(r, "llm_requests_total").size() == 2);
  CHECK(Select(r, "llm_requests_total", {{"finished_reason", "stop"}}).empty());

  CHECK(Value(r, "llm_time_to_first_token_seconds_bucket", {{"le", "0.1"}}) == 4196);
  CHECK(Value(r, "llm_time_to_first_token_seconds_bucket", {{"le", "+Inf"}}) == 12914);
  CHECK(Select(r, "llm_time_to_first_token_seconds_bucket").size() == 23);
  CHECK(Value(r, "llm_time_to_first_token_seconds_count") == 12914);
  CHECK(Value(r, "llm_time_to_first_token_seconds_sum") == 2392.5602982019523);
  CHECK(Value(r, "llm_inter_token_latency_seconds_count") == 4.556361e+06);
  CHECK(Value(r, "llm_request_latency_seconds_sum") == 99150.02210495509);
  CHECK(Value(r, "llm_request_queue_time_seconds_sum") == 1635.3336796465637);

  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->value == 1);
  CHECK(info[0]->labels.Get("model") == kLlama3);
  CHECK(info[0]->labels.Get("version") == ">=0.11");
  CHECK(info[0]->labels.Get("variant") == "v1");
  CHECK(info[0]->labels.Get("block_size") == "16");
  CHECK(info[0]->labels.Get("num_gpu_blocks") == "28842");
  CHECK(info[0]->labels.Get("engine_index") == "0");
  CHECK(info[0]->labels.Get("job") == "llm");

  // Families with no canonical series, one per sample line.
  const std::size_t unmapped =
      3 /*engine_sleep_state*/ + 15 /*request_prompt_tokens*/ + 15 /*request_generation_tokens*/ +
      16 /*iteration_tokens_total*/ + 15 /*request_max_num_generation_tokens*/ +
      8 /*request_params_n*/ + 15 /*request_params_max_tokens*/ +
      22 /*request_time_per_output_token_seconds*/ +
      3 * 24 /*request_{inference,prefill,decode}_time_seconds*/ + 3 /*http_requests_total*/;
  CHECK(r.unmapped_series == unmapped);
  CHECK(r.raw_samples == 291);

  // Every output series is labelled sorted, carries target and engine.
  for (const auto& sample : r.samples) {
    CHECK(sample.labels.Get("target") == "10.0.0.7:8000");
    CHECK(sample.labels.Get("engine") == "vllm");
    CHECK(std::is_sorted(sample.labels.pairs().begin(), sample.labels.pairs().end()));
  }
}

TEST_CASE("vLLM V0 fixture: old names, no engine label", "[engines][vllm]") {
  const NormalizeResult r = NormalizeText(ReadFixture("vllm-v0.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "vllm");
  CHECK(r.version == "<0.9");  // only gpu_cache_usage_perc
  CHECK(Value(r, "llm_kv_cache_usage_ratio", {{"model", kLlama3}}) == 0.5874);
  CHECK(Select(r, "llm_kv_cache_usage_ratio", {{"engine_index", "0"}}).empty());
  CHECK(Value(r, "llm_requests_running") == 29);
  CHECK(Value(r, "llm_requests_waiting") == 2);
  CHECK(Value(r, "llm_preemptions_total") == 11);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 7981 + 431);
  CHECK(Value(r, "llm_inter_token_latency_seconds_count") == 2.703288e+06);  // TPOT name
  CHECK(Value(r, "llm_inter_token_latency_seconds_sum") == 60404.80115161309);
  CHECK(Value(r, "llm_time_to_first_token_seconds_count") == 8441);
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("variant") == "v0");
  CHECK(info[0]->labels.Get("num_cpu_blocks") == "2048");
  CHECK(info[0]->labels.Get("enable_prefix_caching") == "False");
  const std::size_t unmapped = 1 /*avg_generation_throughput*/ + 1 /*avg_prompt_throughput*/ +
                               1 /*cpu_cache_usage_perc*/ + 1 /*num_requests_swapped*/ +
                               15 /*request_generation_tokens*/ + 15 /*request_prompt_tokens*/ +
                               8 /*request_params_best_of*/ + 8 /*request_params_n*/;
  CHECK(r.unmapped_series == unmapped);
}

TEST_CASE("TGI fixture: no _total, derived KV ratio, failures by reason", "[engines][tgi]") {
  const NormalizeResult r = NormalizeText(ReadFixture("tgi.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "tgi");
  CHECK(r.version == ">=2.3.1");  // tgi_batch_max_total_tokens exists
  CHECK(Value(r, "llm_requests_running") == 31);
  CHECK(Value(r, "llm_batch_size") == 31);
  CHECK(Value(r, "llm_requests_waiting") == 3);
  CHECK(Value(r, "llm_kv_cache_usage_ratio") == Approx(41472.0 / 254112.0));
  CHECK(Value(r, "llm_prompt_tokens_total") == 10645350);
  CHECK(Value(r, "llm_generation_tokens_total") == 2905805);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 9321);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "error"}, {"reason", "validation"}}) == 52);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "error"}, {"reason", "overloaded"}}) == 6);
  CHECK(Value(r, "llm_request_latency_seconds_count") == 9321);
  CHECK(Value(r, "llm_request_latency_seconds_sum") == 66968.10814741686);
  CHECK(Select(r, "llm_request_latency_seconds_bucket").size() == 36);
  CHECK(
      Select(r, "llm_request_latency_seconds_bucket", {{"le", "0.00015000000000000001"}}).size() ==
      1);
  CHECK(Value(r, "llm_request_queue_time_seconds_sum") == 1286.1689657634633);
  CHECK(Value(r, "llm_inter_token_latency_seconds_sum") == 207.6399868352163);
  // TGI has no TTFT. queue_duration + batch_inference_duration{method="prefill"} only
  // approximates it, and two histograms cannot be added bucket by bucket, so nothing is made up.
  CHECK(Select(r, "llm_time_to_first_token_seconds_count").empty());
  CHECK(Select(r, "llm_time_to_first_token_seconds_sum").empty());
  CHECK(Select(r, "llm_time_to_first_token_seconds_bucket").empty());
  CHECK(Select(r, "llm_requests_running", {{"model", ""}}).size() == 1);  // no model label
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("max_total_tokens") == "254112");
  // 1842 sample lines; mapped: current_size, queue_size, input_length_sum,
  // generated_tokens_sum, success, 2 failures, 3 histograms of 38 lines, 2 KV-ratio inputs.
  CHECK(r.raw_samples == 1842);
  CHECK(r.unmapped_series == 1842 - (1 + 1 + 1 + 1 + 1 + 2 + 3 * 38 + 2));
}

TEST_CASE("SGLang fixture: scheduler labels kept, retractions as preemptions",
          "[engines][sglang]") {
  const NormalizeResult r = NormalizeText(ReadFixture("sglang.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "sglang");
  CHECK(r.version == "unknown");  // no version label, info series or dated rename
  const std::string model = "meta-llama/Llama-3.1-8B-Instruct";
  const testing::Matchers scheduler{{"model", model},
                                    {"engine_type", "unified"},
                                    {"tp_rank", "0"},
                                    {"pp_rank", "0"},
                                    {"moe_ep_rank", "0"}};
  CHECK(Value(r, "llm_requests_running", scheduler) == 42);
  CHECK(Value(r, "llm_requests_waiting", scheduler) == 5);
  CHECK(Value(r, "llm_kv_cache_usage_ratio", scheduler) == 0.42);
  CHECK(Value(r, "llm_preemptions_total", scheduler) == 14);
  CHECK(Value(r, "llm_prompt_tokens_total", {{"model", model}}) == 2.0860776e+07);
  CHECK(Value(r, "llm_prefix_cache_queries_total") == 2.0860776e+07);
  CHECK(Value(r, "llm_prefix_cache_hits_total") == 6.884056e+06);
  CHECK(Value(r, "llm_generation_tokens_total") == 5.936694e+06);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 15342);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "aborted"}}) == 21);
  CHECK(Value(r, "llm_time_to_first_token_seconds_count") == 15342);
  CHECK(Value(r, "llm_inter_token_latency_seconds_count") == 5.921352e+06);
  CHECK(Value(r, "llm_request_latency_seconds_sum") == 124770.62699999995);
  CHECK(Value(r, "llm_request_queue_time_seconds_sum") == 1671.5849146153403);
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("max_total_num_tokens") == "469806");
  CHECK(info[0]->labels.Get("version") == "unknown");
  CHECK(info[0]->labels.Get("model") == model);
  // Single lines with no canonical series: cache_hit_rate gen_throughput is_cuda_graph
  // new_token_ratio num_grammar_queue_reqs num_retracted_reqs num_so_requests_total
  // num_used_tokens spec_accept_length swa_token_usage utilization.
  const std::size_t unmapped = 11 + 3 /*realtime_tokens_total*/ + 22 /*num_retractions*/;
  CHECK(r.unmapped_series == unmapped);
}

TEST_CASE("Triton/TensorRT-LLM fixture: selector labels, µs counters and ms histograms",
          "[engines][triton]") {
  const NormalizeResult r = NormalizeText(ReadFixture("triton-trtllm.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "triton");
  CHECK(r.version == "unknown");  // the `version` label is the model's, not Triton's
  const testing::Matchers trt{{"model", "tensorrt_llm"}, {"model_version", "1"}};
  CHECK(Value(r, "llm_requests_running", trt) == 48);  // scheduled, not active
  CHECK(Value(r, "llm_batch_size", trt) == 48);
  CHECK(Value(r, "llm_requests_waiting", trt) == 6);  // TRT-LLM's count beats pending (0)
  CHECK(Value(r, "llm_requests_waiting", {{"model", "ensemble"}}) == 0);
  CHECK(Select(r, "llm_requests_running", {{"request_type", "scheduled"}}).empty());
  CHECK(Value(r, "llm_kv_cache_usage_ratio", trt) == 0.6131);
  CHECK(Value(r, "llm_requests_total", {{"model", "tensorrt_llm"}, {"outcome", "success"}}) ==
        11205);
  CHECK(Value(r, "llm_requests_total", {{"model", "tensorrt_llm"}, {"outcome", "error"}}) == 17);
  CHECK(Value(r, "llm_request_latency_seconds_sum", trt) == Approx(62104.573311));
  CHECK(Value(r, "llm_request_latency_seconds_count", trt) == 11205);
  CHECK(Value(r, "llm_request_queue_time_seconds_sum", trt) == Approx(771.930214));
  // ms -> s: le="100.0" becomes 0.1, the sum is divided by 1000, counts stay.
  CHECK(Value(r, "llm_time_to_first_token_seconds_bucket", {{"le", "0.1"}}) == 3367);
  CHECK(Value(r, "llm_time_to_first_token_seconds_bucket", {{"le", "2"}}) == 11197);
  CHECK(Value(r, "llm_time_to_first_token_seconds_bucket", {{"le", "+Inf"}}) == 11205);
  CHECK(Value(r, "llm_time_to_first_token_seconds_sum") == Approx(2317.8831135689574));
  CHECK(Value(r, "llm_time_to_first_token_seconds_count") == 11205);
  const std::string gpu = "GPU-8a1f3c52-6b0e-4c7d-9f21-2a7e5d4c1b90";
  CHECK(Value(r, "llm_gpu_utilization_ratio", {{"uuid", gpu}}) == 0.93);
  CHECK(Value(r, "llm_gpu_memory_used_bytes") == 77309411328.0);
  CHECK(Value(r, "llm_gpu_power_watts") == 612.337);
  const auto info = Select(r, "llm_engine_info", {{"model", "tensorrt_llm"}});
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("block_size") == "64");
  CHECK(info[0]->labels.Get("num_gpu_blocks") == "6240");
  CHECK(info[0]->labels.Get("max_batch_size") == "64");
  CHECK(info[0]->labels.Get("version") == "unknown");
  CHECK(Select(r, "llm_engine_info").size() == 4);  // one per Triton model
  const std::size_t unmapped = 1 /*request_type=context*/ + 2 /*kv blocks used, free*/ +
                               3 /*runtime_memory*/ + 4 /*inflight_batcher*/ + 2 /*general*/ +
                               2 /*disaggregated*/ + 4 /*nv_inference_count*/ + 4 /*exec_count*/ +
                               3 * 4 /*compute_*_duration_us*/ + 1 /*gpu memory total*/ +
                               1 /*power limit*/ + 1 /*energy*/ + 1 /*cpu utilization*/;
  CHECK(r.unmapped_series == unmapped);
}

TEST_CASE("llama.cpp fixture: unlabelled counters and gauges", "[engines][llamacpp]") {
  const NormalizeResult r = NormalizeText(ReadFixture("llamacpp.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "llamacpp");
  CHECK(r.version == "unknown");
  CHECK(Value(r, "llm_requests_running") == 3);
  CHECK(Value(r, "llm_requests_waiting") == 1);
  CHECK(Value(r, "llm_prompt_tokens_total") == 2.84331e+06);
  CHECK(Value(r, "llm_generation_tokens_total") == 912744);
  CHECK(Value(r, "llm_batch_size") == 3.02741);
  CHECK(Select(r, "llm_kv_cache_usage_ratio").empty());  // newer builds dropped it
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("version") == "unknown");
  CHECK(r.unmapped_series == 6);  // n_decode, n_tokens_max, 2 throughput gauges, 2 seconds
}

TEST_CASE("DCGM fixture: percent and MiB conversions, label renames", "[engines][dcgm]") {
  const NormalizeResult r = NormalizeText(ReadFixture("dcgm.prom"));
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "dcgm");
  CHECK(r.version == "550.90.07");  // DCGM_FI_DRIVER_VERSION label
  const testing::Matchers gpu0{{"gpu", "0"},
                               {"uuid", "GPU-3b6c1f0e-7a52-4d3e-8f6a-1c2d3e4f5a6b"},
                               {"gpu_model", "NVIDIA H100 80GB HBM3"},
                               {"hostname", "gpu-node-07"},
                               {"pod", "llama3-8b-vllm-6d9f7c5b8-x2lqp"}};
  CHECK(Value(r, "llm_gpu_utilization_ratio", gpu0) == 0.98);
  CHECK(Value(r, "llm_gpu_utilization_ratio", {{"gpu", "1"}}) == 0.97);
  CHECK(Value(r, "llm_gpu_sm_active_ratio", gpu0) == 0.873311);
  CHECK(Value(r, "llm_gpu_tensor_active_ratio", gpu0) == 0.214590);
  CHECK(Value(r, "llm_gpu_dram_active_ratio", gpu0) == 0.688412);
  CHECK(Value(r, "llm_gpu_memory_used_bytes", gpu0) == 78018.0 * 1024 * 1024);
  CHECK(Value(r, "llm_gpu_memory_free_bytes", gpu0) == 3061.0 * 1024 * 1024);
  CHECK(Value(r, "llm_gpu_power_watts", gpu0) == 598.221);
  for (const auto& sample : r.samples) {
    CHECK_FALSE(sample.labels.Has("pci_bus_id"));
    CHECK_FALSE(sample.labels.Has("UUID"));
  }
  CHECK(r.raw_samples == 50);
  CHECK(r.unmapped_series == 50 - 7 * 2);  // 7 fields mapped, 2 GPUs each
}

}  // namespace
}  // namespace inferwatch::exporter
