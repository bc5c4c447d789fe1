"""The one list of series inferwatch produces, and a PromQL metric-name extractor.

Dashboards and alerts may query only these (plus Prometheus's own ALERTS/ALERTS_FOR_STATE),
never an engine's raw metric names. Shared by tests/dashboards and tests/alerts.
"""
import re

CANONICAL_GAUGES_AND_COUNTERS = {
    "llm_requests_running", "llm_requests_waiting", "llm_kv_cache_usage_ratio",
    "llm_preemptions_total", "llm_prompt_tokens_total", "llm_generation_tokens_total",
    "llm_requests_total", "llm_batch_size", "llm_prefix_cache_queries_total",
    "llm_prefix_cache_hits_total", "llm_engine_info",
    "llm_gpu_utilization_ratio", "llm_gpu_sm_active_ratio", "llm_gpu_tensor_active_ratio",
    "llm_gpu_dram_active_ratio", "llm_gpu_memory_used_bytes", "llm_gpu_memory_free_bytes",
    "llm_gpu_power_watts",
    "llm_target_gpus", "llm_target_gpu_memory_bytes", "llm_target_tensor_parallel_size",
    "llm_target_model_params", "llm_target_facts_info",
}
CANONICAL_HISTOGRAMS = {
    "llm_time_to_first_token_seconds", "llm_inter_token_latency_seconds",
    "llm_request_latency_seconds", "llm_request_queue_time_seconds",
}
DERIVED = {
    "llm_bottleneck_active", "llm_bottleneck_evidence",
    "llm_slo_objective_ratio", "llm_slo_sli_ratio", "llm_slo_error_budget_remaining_ratio",
    "llm_slo_burn_rate", "llm_slo_burn_alert_active",
    "llm_recommendation_info", "llm_recommendation_expected_improvement_ratio",
    "llm_health_score",
    # intermediate series the rule pack's sections also record
    "llm_bottleneck_condition", "llm_bottleneck_info", "llm_slo_good_event_rate",
    "llm_slo_total_event_rate", "llm_recommendation_suggested_value",
}
SELF = {
    "inferwatch_target_up", "inferwatch_target_scrape_duration_seconds",
    "inferwatch_target_scrape_samples", "inferwatch_scrape_errors_total",
    "inferwatch_unmapped_series", "inferwatch_rule_group_evaluation_duration_seconds",
    "inferwatch_rule_evaluation_failures_total",
    "inferwatch_rule_group_last_evaluation_timestamp_seconds",
    "inferwatch_config_last_reload_successful",
    "inferwatch_config_last_reload_success_timestamp_seconds", "inferwatch_build_info",
    "inferwatch_store_series", "inferwatch_store_points",
}
PROMETHEUS_OWN = {"ALERTS", "ALERTS_FOR_STATE"}

BOTTLENECKS = [
    "kv_cache_pressure", "kv_cache_exhaustion_forecast", "queue_buildup", "preemption_thrash",
    "prefill_bound", "decode_bound", "token_budget_saturation", "concurrency_cap",
    "low_batch_utilization", "prefix_cache_ineffective", "error_rate", "up_not_serving",
    "replica_imbalance", "gpu_underutilized", "gpu_memory_bound",
]


def known_series():
    names = set(CANONICAL_GAUGES_AND_COUNTERS) | DERIVED | SELF | PROMETHEUS_OWN
    for hist in CANONICAL_HISTOGRAMS:
        names |= {hist + "_bucket", hist + "_sum", hist + "_count"}
    return names


_KEYWORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan", "atan2", "topk", "bottomk", "quantile", "count_values",
}
_STRING = re.compile(r'"(?:\\.|[^"\\])*"|\'(?:\\.|[^\'\\])*\'|`[^`]*`')
_GROUPING = re.compile(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)")
_IDENT = re.compile(r"(?<![\w:$.])([a-zA-Z_:][a-zA-Z0-9_:]*)(\s*\()?")


def metric_names(expr):
    """Metric names a PromQL expression selects (functions, keywords, labels removed)."""
    text = _STRING.sub('""', expr)
    text = re.sub(r"\{[^}]*\}", " ", text)        # label matchers
    text = re.sub(r"\[[^\]]*\]", " ", text)       # range and subquery selectors
    text = _GROUPING.sub(" ", text)
    text = re.sub(r"\$\{?\w+\}?", " ", text)      # Grafana variables outside strings
    names = set()
    for match in _IDENT.finditer(text):
        ident, call = match.group(1), match.group(2)
        if call or ident.lower() in _KEYWORDS:
            continue
        if re.fullmatch(r"\d.*", ident):
            continue
        names.add(ident)
    return names
