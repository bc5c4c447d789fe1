// Normalizer behaviour on small hand-written payloads: spellings, deduplication, sentinels,
// label collisions, forced engines and errors.
#include <catch2/catch.hpp>

#include "tests/exporter/engines/normalize_helpers.h"

namespace inferwatch::exporter {
namespace {

using testing::NormalizeText;
using testing::Select;
using testing::Value;

TEST_CASE("vLLM 0.9-0.10 reports the KV gauge twice; it is counted once, new name first",
          "[engines][vllm]") {
  const NormalizeResult r = NormalizeText(
      "vllm:gpu_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.25\n"
      "vllm:kv_cache_usage_perc{engine=\"0\",model_name=\"m\"} 0.5\n"
      "vllm:gpu_prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 7.0\n"
      "vllm:prefix_cache_hits_total{engine=\"0\",model_name=\"m\"} 9.0\n"
      "vllm:time_per_output_token_seconds_bucket{engine=\"0\",le=\"0.1\",model_name=\"m\"} 3.0\n"
      "vllm:time_per_output_token_seconds_count{engine=\"0\",model_name=\"m\"} 3.0\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.version == "0.9-0.10");
  CHECK(Value(r, "llm_kv_cache_usage_ratio") == 0.5);
  CHECK(Value(r, "llm_prefix_cache_hits_total") == 9);
  // Only the old ITL name is there, so it is used.
  CHECK(Value(r, "llm_inter_token_latency_seconds_bucket", {{"le", "0.1"}}) == 3);
  CHECK(r.unmapped_series == 0);
}

TEST_CASE("counters match with and without _total, and _created is neither mapped nor unmapped",
          "[engines]") {
  const NormalizeResult r = NormalizeText(
      "vllm:prompt_tokens{model_name=\"m\"} 10\n"
      "vllm:prompt_tokens_created{model_name=\"m\"} 1.7e9\n"
      "vllm:generation_tokens_total{model_name=\"m\"} 4\n"
      "vllm:e2e_request_latency_seconds_created{model_name=\"m\"} 1.7e9\n");
  REQUIRE_FALSE(r.error);
  CHECK(Value(r, "llm_prompt_tokens_total", {{"model", "m"}}) == 10);
  CHECK(Value(r, "llm_generation_tokens_total", {{"model", "m"}}) == 4);
  CHECK(r.unmapped_series == 0);
  CHECK(r.raw_samples == 4);
}

TEST_CASE("SGLang's sglang_ prefix spelling maps like sglang:", "[engines][sglang]") {
  const NormalizeResult r = NormalizeText(
      "sglang_num_running_reqs{model_name=\"m\"} 3\n"
      "sglang_token_usage{model_name=\"m\"} 0.97\n"
      "sglang_time_per_output_token_seconds_sum{model_name=\"m\"} 1.5\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "sglang");
  CHECK(Value(r, "llm_requests_running", {{"model", "m"}}) == 3);
  CHECK(Value(r, "llm_kv_cache_usage_ratio", {{"model", "m"}}) == 0.97);
  CHECK(Value(r, "llm_inter_token_latency_seconds_sum", {{"model", "m"}}) == 1.5);
}

TEST_CASE("trtllm-serve's trtllm_* names map as the Triton engine, variant trtllm-serve",
          "[engines][triton]") {
  // Names from the catalog's trtllm-serve list (/prometheus/metrics); values made up.
  const NormalizeResult r = NormalizeText(
      "# TYPE trtllm_num_requests_waiting gauge\n"
      "trtllm_num_requests_waiting 7\n"
      "# TYPE trtllm_num_requests_running gauge\n"
      "trtllm_num_requests_running 24\n"
      "# TYPE trtllm_kv_cache_utilization gauge\n"
      "trtllm_kv_cache_utilization 0.375\n"
      "trtllm_kv_cache_tokens_per_block 32\n"
      "trtllm_kv_cache_max_blocks 8192\n"
      "trtllm_kv_cache_free_blocks 5120\n"
      "trtllm_kv_cache_used_blocks 3072\n"
      "trtllm_kv_cache_hit_rate 0.42\n"
      "# TYPE trtllm_request_success_total counter\n"
      "trtllm_request_success_total 1234\n"
      "trtllm_gpu_memory_usage_bytes 6.4e+10\n"
      "trtllm_cpu_memory_usage_bytes 1.2e+09\n"
      "trtllm_pinned_memory_usage_bytes 5.0e+08\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "triton");
  CHECK(r.version == "unknown");
  CHECK(Value(r, "llm_requests_waiting") == 7);
  CHECK(Value(r, "llm_requests_running") == 24);
  CHECK(Value(r, "llm_batch_size") == 24);
  CHECK(Value(r, "llm_kv_cache_usage_ratio") == 0.375);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 1234);
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("variant") == "trtllm-serve");
  CHECK(info[0]->labels.Get("block_size") == "32");
  CHECK(info[0]->labels.Get("num_gpu_blocks") == "8192");
  // free/used blocks, the hit-rate gauge and three memory gauges have no canonical series.
  CHECK(r.unmapped_series == 6);
  CHECK(r.raw_samples == 12);

  // Forced to triton, a trtllm-serve payload is still understood.
  const NormalizeResult forced = NormalizeText("trtllm_num_requests_running 2\n", "triton");
  REQUIRE_FALSE(forced.error);
  CHECK(Value(forced, "llm_requests_running") == 2);
  CHECK(Value(forced, "llm_engine_info", {{"variant", "trtllm-serve"}}) == 1);
}

TEST_CASE("vllm:lora_requests_info stays unmapped: no canonical LoRA series, no info churn",
          "[engines][vllm]") {
  // Shape per the catalog (F9): value = unix time, comma-separated adapter lists in labels, no
  // model_name or engine label.
  const NormalizeResult r = NormalizeText(
      "vllm:num_requests_running{engine=\"0\",model_name=\"m\"} 2.0\n"
      "# TYPE vllm:lora_requests_info gauge\n"
      "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"sql,chat\","
      "waiting_lora_adapters=\"\"} 1.7489605120e+09\n"
      "vllm:lora_requests_info{max_lora=\"4\",running_lora_adapters=\"sql\","
      "waiting_lora_adapters=\"chat\"} 1.7489605110e+09\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "vllm");
  CHECK(r.unmapped_series == 2);
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK_FALSE(info[0]->labels.Has("max_lora"));
  CHECK_FALSE(info[0]->labels.Has("running_lora_adapters"));
  for (const auto& sample : r.samples) {
    CHECK_FALSE(sample.labels.Has("running_lora_adapters"));
    CHECK(sample.value != 1.7489605120e+09);
  }
}

TEST_CASE("an old spelling without a dated rename reports version unknown, not a guess",
          "[engines][sglang][llamacpp]") {
  const NormalizeResult old_sglang = NormalizeText(
      "sglang_num_running_reqs{model_name=\"m\"} 3\n"
      "sglang_time_per_output_token_seconds_sum{model_name=\"m\"} 1.5\n");
  REQUIRE_FALSE(old_sglang.error);
  CHECK(old_sglang.version == "unknown");
  CHECK(Value(old_sglang, "llm_engine_info", {{"version", "unknown"}}) == 1);

  // An old llama.cpp build still exposing the KV gauges has no build number in its payload.
  const NormalizeResult old_llamacpp = NormalizeText(
      "llamacpp:kv_cache_usage_ratio 0.5\n"
      "llamacpp:kv_cache_tokens 1024\n");
  REQUIRE_FALSE(old_llamacpp.error);
  CHECK(old_llamacpp.engine == "llamacpp");
  CHECK(old_llamacpp.version == "unknown");

  // Without a detected engine there is no version to speak of.
  const NormalizeResult none = NormalizeText("some_other_metric 1\n");
  CHECK(none.engine.empty());
  CHECK(none.version.empty());
}

TEST_CASE("SGLang's cache_config_info labels land on llm_engine_info", "[engines][sglang]") {
  const NormalizeResult r = NormalizeText(
      "sglang:cache_config_info{num_pages=\"29362\",page_size=\"16\"} 1.0\n"
      "sglang:max_total_num_tokens{model_name=\"m\",tp_rank=\"0\"} 469806.0\n"
      "sglang:num_running_reqs{model_name=\"m\",tp_rank=\"0\"} 4.0\n");
  REQUIRE_FALSE(r.error);
  const auto info = Select(r, "llm_engine_info");
  REQUIRE(info.size() == 1);
  CHECK(info[0]->labels.Get("model") == "m");
  CHECK(info[0]->labels.Get("page_size") == "16");
  CHECK(info[0]->labels.Get("num_pages") == "29362");
  CHECK(info[0]->labels.Get("max_total_num_tokens") == "469806");
  CHECK(r.unmapped_series == 0);
}

TEST_CASE("DCGM blank sentinels are dropped, not mapped and not unmapped", "[engines][dcgm]") {
  const NormalizeResult r = NormalizeText(
      "DCGM_FI_PROF_SM_ACTIVE{gpu=\"0\", UUID=\"GPU-a\"} 9223372036854775794\n"
      "DCGM_FI_PROF_DRAM_ACTIVE{gpu=\"0\", UUID=\"GPU-a\"} 0.5\n"
      "DCGM_FI_DEV_POWER_USAGE{gpu=\"0\", UUID=\"GPU-a\"} 9223372036854775795\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "dcgm");
  CHECK(Select(r, "llm_gpu_sm_active_ratio").empty());
  CHECK(Select(r, "llm_gpu_power_watts").empty());
  CHECK(Value(r, "llm_gpu_dram_active_ratio", {{"uuid", "GPU-a"}}) == 0.5);
  CHECK(r.unmapped_series == 0);
}

TEST_CASE("runtime series are ignored; engine series without a mapping are counted", "[engines]") {
  const NormalizeResult r = NormalizeText(
      "process_cpu_seconds_total 12.5\n"
      "python_gc_objects_collected_total{generation=\"0\"} 4\n"
      "go_goroutines 7\n"
      "vllm:num_requests_swapped{model_name=\"m\"} 0\n"
      "vllm:num_requests_running{model_name=\"m\"} 2\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.raw_samples == 5);
  CHECK(r.unmapped_series == 1);
  CHECK(Value(r, "llm_requests_running") == 2);
}

TEST_CASE("colliding labels are renamed, never dropped or overwritten", "[engines]") {
  const rules::Labels target_labels(
      {{"job", "pool"}, {"cluster", "eu-1"}, {"__address__", "10.0.0.7:8000"}});
  const NormalizeResult r = NormalizeText(
      "vllm:num_requests_waiting{engine=\"1\",model_name=\"m\",target=\"x\",job=\"inner\"} 5\n",
      "auto", &target_labels);
  REQUIRE_FALSE(r.error);
  const auto found = Select(r, "llm_requests_waiting");
  REQUIRE(found.size() == 1);
  const rules::Labels& labels = found[0]->labels;
  CHECK(labels.Get("engine") == "vllm");
  CHECK(labels.Get("engine_index") == "1");
  CHECK(labels.Get("target") == "10.0.0.7:8000");
  CHECK(labels.Get("exported_target") == "x");
  CHECK(labels.Get("job") == "pool");
  CHECK(labels.Get("exported_job") == "inner");
  CHECK(labels.Get("cluster") == "eu-1");
  CHECK_FALSE(labels.Has("__address__"));  // "__" labels end with relabelling
}

TEST_CASE("a configured engine ignores other engines' names", "[engines]") {
  const NormalizeResult r = NormalizeText(
      "vllm:num_requests_running{model_name=\"m\"} 2\n"
      "tgi_queue_size 4\n",
      "tgi");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "tgi");
  CHECK(Value(r, "llm_requests_waiting") == 4);
  CHECK(Select(r, "llm_requests_running").empty());
  CHECK(r.unmapped_series == 1);
}

TEST_CASE("auto detection picks the engine with the most series", "[engines]") {
  const NormalizeResult r = NormalizeText(
      "tgi_queue_size 4\n"
      "llamacpp:requests_processing 1\n"
      "llamacpp:requests_deferred 2\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "llamacpp");
  CHECK(Value(r, "llm_requests_waiting") == 2);
  CHECK(r.unmapped_series == 1);  // the TGI series under a llama.cpp verdict
}

TEST_CASE("an unknown payload yields no canonical series and counts everything unmapped",
          "[engines]") {
  const NormalizeResult r = NormalizeText("foo_requests 3\nbar 1\nprocess_open_fds 5\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine.empty());
  CHECK(r.samples.empty());
  CHECK(r.unmapped_series == 2);
}

TEST_CASE("parse errors fail the scrape with no samples", "[engines]") {
  const NormalizeResult r = NormalizeText("vllm:num_requests_running{model_name=\"m\" 2\n");
  REQUIRE(r.error);
  CHECK(r.error->line == 1);
  CHECK(r.samples.empty());
}

TEST_CASE("an unknown configured engine is an error", "[engines]") {
  const NormalizeResult r = NormalizeText("tgi_queue_size 4\n", "lmdeploy");
  REQUIRE(r.error);
  CHECK(r.error->reason.find("lmdeploy") != std::string::npos);
  CHECK_FALSE(IsKnownEngine("lmdeploy"));
  CHECK(IsKnownEngine("auto"));
  CHECK(IsKnownEngine("triton"));
}

TEST_CASE("sample timestamps are kept", "[engines]") {
  const NormalizeResult r = NormalizeText("tgi_queue_size 4 1700000000123\n");
  REQUIRE_FALSE(r.error);
  const auto found = Select(r, "llm_requests_waiting");
  REQUIRE(found.size() == 1);
  REQUIRE(found[0]->timestamp_ms);
  CHECK(*found[0]->timestamp_ms == 1700000000123);
}

TEST_CASE("OpenMetrics payloads map the same way", "[engines]") {
  const std::string body =
      "# TYPE vllm:prompt_tokens counter\n"
      "vllm:prompt_tokens_total{engine=\"0\",model_name=\"m\"} 12.0\n"
      "vllm:prompt_tokens_created{engine=\"0\",model_name=\"m\"} 1.7e+09\n"
      "# TYPE vllm:e2e_request_latency_seconds histogram\n"
      "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"1.0\",model_name=\"m\"} 2.0\n"
      "vllm:e2e_request_latency_seconds_bucket{engine=\"0\",le=\"+Inf\",model_name=\"m\"} 3.0\n"
      "vllm:e2e_request_latency_seconds_count{engine=\"0\",model_name=\"m\"} 3.0\n"
      "vllm:e2e_request_latency_seconds_sum{engine=\"0\",model_name=\"m\"} 4.5\n"
      "# EOF\n";
  NormalizeInput in;
  in.body = body;
  in.content_type = "application/openmetrics-text; version=1.0.0; charset=utf-8";
  in.target = "h:1";
  in.configured_engine = "vllm";
  const NormalizeResult r = Normalizer::Builtin().Normalize(in);
  REQUIRE_FALSE(r.error);
  const auto prompt = Select(r, "llm_prompt_tokens_total");
  REQUIRE(prompt.size() == 1);
  CHECK(prompt[0]->value == 12);
  CHECK(Value(r, "llm_request_latency_seconds_bucket", {{"le", "1.0"}}) == 2);
  CHECK(Value(r, "llm_request_latency_seconds_count") == 3);
  CHECK(Value(r, "llm_request_latency_seconds_sum") == 4.5);
  CHECK(r.unmapped_series == 0);
}

}  // namespace
}  // namespace inferwatch::exporter
