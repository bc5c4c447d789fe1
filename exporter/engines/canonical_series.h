// The canonical llm_* vocabulary (DESIGN.md, "Canonical vocabulary" and "Derived and self
// series") with the HELP text /metrics gives each family. One table, so a new canonical series
// gets its description in the same place it is named; the engine tables map onto these names.
#pragma once

#include <array>
#include <string>
#include <string_view>

namespace inferwatch::exporter {

enum class CanonicalType { kGauge, kCounter, kHistogram };

struct CanonicalSeries {
  std::string_view name;  // the family as written in text format (counters with _total)
  CanonicalType type;
  std::string_view help;  // one line; no backslash or newline, so it needs no escaping
};

inline constexpr std::array<CanonicalSeries, 42> kCanonicalSeries{{
    // Scraped from inference servers and normalised by the engine tables.
    {"llm_requests_running", CanonicalType::kGauge, "Requests in the engine's running batch."},
    {"llm_requests_waiting", CanonicalType::kGauge,
     "Requests queued in the engine, waiting to be scheduled."},
    {"llm_kv_cache_usage_ratio", CanonicalType::kGauge,
     "Used fraction of the KV cache (or token pool), 0 to 1."},
    {"llm_preemptions_total", CanonicalType::kCounter,
     "Requests preempted or evicted from the running batch (SGLang: retracted)."},
    {"llm_prompt_tokens_total", CanonicalType::kCounter, "Prompt (prefill) tokens processed."},
    {"llm_generation_tokens_total", CanonicalType::kCounter, "Output tokens generated."},
    {"llm_requests_total", CanonicalType::kCounter,
     "Finished requests by outcome (success, error, aborted)."},
    {"llm_time_to_first_token_seconds", CanonicalType::kHistogram,
     "Time from request arrival to the first output token, in seconds."},
    {"llm_inter_token_latency_seconds", CanonicalType::kHistogram,
     "Time between successive output tokens, in seconds (TGI: per-request mean)."},
    {"llm_request_latency_seconds", CanonicalType::kHistogram,
     "End-to-end request latency, in seconds."},
    {"llm_request_queue_time_seconds", CanonicalType::kHistogram,
     "Time a request waited before being scheduled, in seconds."},
    {"llm_batch_size", CanonicalType::kGauge,
     "Current batch size, where the engine reports one (llama.cpp: average busy slots)."},
    {"llm_prefix_cache_queries_total", CanonicalType::kCounter,
     "Tokens looked up in the prefix cache."},
    {"llm_prefix_cache_hits_total", CanonicalType::kCounter, "Tokens found in the prefix cache."},
    {"llm_engine_info", CanonicalType::kGauge,
     "Always 1; labels give the engine, its version, the model and the reported configuration."},
    {"llm_gpu_utilization_ratio", CanonicalType::kGauge,
     "Fraction of time a GPU kernel was running, 0 to 1."},
    {"llm_gpu_sm_active_ratio", CanonicalType::kGauge,
     "Fraction of time the streaming multiprocessors were busy, 0 to 1."},
    {"llm_gpu_tensor_active_ratio", CanonicalType::kGauge,
     "Fraction of time the tensor cores were busy, 0 to 1."},
    {"llm_gpu_dram_active_ratio", CanonicalType::kGauge,
     "Fraction of time GPU memory bandwidth was in use, 0 to 1."},
    {"llm_gpu_memory_used_bytes", CanonicalType::kGauge, "GPU memory in use, in bytes."},
    {"llm_gpu_memory_free_bytes", CanonicalType::kGauge, "GPU memory free, in bytes."},
    {"llm_gpu_power_watts", CanonicalType::kGauge, "GPU power draw, in watts."},
    // Written by the rules engine.
    {"llm_bottleneck_active", CanonicalType::kGauge,
     "1 while a bottleneck holds for a target, 0 when evaluated and not holding."},
    {"llm_slo_objective_ratio", CanonicalType::kGauge, "The SLO's objective, 0 to 1."},
    {"llm_slo_sli_ratio", CanonicalType::kGauge,
     "The SLO's service level indicator over a window, 0 to 1."},
    {"llm_slo_error_budget_remaining_ratio", CanonicalType::kGauge,
     "Fraction of the SLO's error budget left."},
    {"llm_slo_burn_rate", CanonicalType::kGauge,
     "Rate at which the SLO's error budget is spent over a window (1 = exactly on budget)."},
    {"llm_recommendation_info", CanonicalType::kGauge,
     "1 while a recommendation stands; labels give the parameter and suggested value."},
    {"llm_recommendation_expected_improvement_ratio", CanonicalType::kGauge,
     "Estimated relative effect of a standing recommendation on a metric."},
    {"llm_health_score", CanonicalType::kGauge, "Overall health of a target, 0 to 100."},
    {"llm_bottleneck_condition", CanonicalType::kGauge,
     "1 while a bottleneck's condition holds now (before its for: duration), 0 when it does not."},
    {"llm_bottleneck_evidence", CanonicalType::kGauge,
     "A number behind a bottleneck finding, named by the evidence label."},
    {"llm_bottleneck_info", CanonicalType::kGauge,
     "Always 1; labels describe a bottleneck rule (severity, for, description)."},
    {"llm_slo_good_event_rate", CanonicalType::kGauge,
     "Good events per second for an SLO over its base window."},
    {"llm_slo_total_event_rate", CanonicalType::kGauge,
     "All events per second for an SLO over its base window."},
    {"llm_slo_burn_alert_active", CanonicalType::kGauge,
     "1 while an SLO's multi-window burn-rate condition holds, 0 otherwise."},
    {"llm_recommendation_suggested_value", CanonicalType::kGauge,
     "The numeric value a standing recommendation suggests for its parameter."},
    // Written by the exporter from the facts stated in its configuration.
    {"llm_target_facts_info", CanonicalType::kGauge,
     "Always 1; labels give a target's hardware facts from the configuration."},
    {"llm_target_gpus", CanonicalType::kGauge, "GPUs serving a target, from the configuration."},
    {"llm_target_gpu_memory_bytes", CanonicalType::kGauge,
     "Memory of each GPU serving a target, in bytes, from the configuration."},
    {"llm_target_tensor_parallel_size", CanonicalType::kGauge,
     "Tensor-parallel degree of a target, from the configuration."},
    {"llm_target_model_params", CanonicalType::kGauge,
     "Parameters of the model a target serves, from the configuration."},
}};

inline const CanonicalSeries* FindCanonicalSeries(std::string_view name) {
  for (const auto& series : kCanonicalSeries) {
    if (series.name == name) return &series;
  }
  return nullptr;
}

// HELP text for a family as written in text format; empty for a family that is not canonical.
// A lone _sum or _count of a canonical histogram (Triton reports only the cumulative sum) gets the
// histogram's text with what the part holds.
inline std::string CanonicalHelp(std::string_view family) {
  if (const CanonicalSeries* series = FindCanonicalSeries(family)) return std::string(series->help);
  for (std::string_view part : {std::string_view("_sum"), std::string_view("_count")}) {
    if (!family.ends_with(part)) continue;
    const CanonicalSeries* base =
        FindCanonicalSeries(family.substr(0, family.size() - part.size()));
    if (base == nullptr || base->type != CanonicalType::kHistogram) continue;
    std::string help(base->help);
    help += part == "_sum" ? " Sum of the observed values." : " Number of observations.";
    return help;
  }
  return {};
}

}  // namespace inferwatch::exporter
