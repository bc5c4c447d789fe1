#!/usr/bin/env python3
"""Generates the Grafana dashboards in dashboards/*.json (issue #6).

The committed JSON is what users import; this script keeps the five dashboards consistent
(variables, links, datasource references, units, thresholds, layout). Edit here, then run
    python3 scripts/gen_dashboards.py            # rewrite dashboards/*.json
    python3 scripts/gen_dashboards.py --check    # exit 1 if the committed JSON is out of date
Every query uses only series inferwatch produces (llm_*, inferwatch_*, ALERTS); the test in
tests/dashboards/ enforces that and the rest of the conventions.
"""
import argparse
import json
import os
import sys

RUNBOOKS = "https://inferwatch.example/docs/runbooks.md"
DATASOURCE = {"type": "prometheus", "uid": "${datasource}"}
TAG = "inferwatch"

# Label selectors: canonical series carry target/engine/model; derived ones target (+model);
# self series target only.
CANON = 'target=~"$target",engine=~"$engine",model=~"$model"'
DERIVED = 'target=~"$target",model=~"$model"'
SELF = 'target=~"$target"'
RI = "$__rate_interval"


def rate(metric, selector=CANON, by=None):
    inner = f"rate({metric}{{{selector}}}[{RI}])"
    return f"sum by ({by}) ({inner})" if by else f"sum({inner})"


def quantile(q, hist, by="le", selector=CANON):
    return f"histogram_quantile({q}, sum by ({by}) (rate({hist}_bucket{{{selector}}}[{RI}])))"


def thresholds(*steps, base="green"):
    """steps: (value, color) pairs above the base colour."""
    return {"mode": "absolute",
            "steps": [{"color": base, "value": None}] + [{"color": c, "value": v} for v, c in steps]}


OK = thresholds()  # no meaningful threshold: everything green


class Layout:
    """Places panels left to right, wrapping at Grafana's 24 columns, so nothing overlaps."""

    def __init__(self):
        self.x, self.y, self.row_height, self.next_id = 0, 0, 0, 1

    def place(self, width, height):
        if self.x + width > 24:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0
        pos = {"x": self.x, "y": self.y, "w": width, "h": height}
        self.x += width
        self.row_height = max(self.row_height, height)
        return pos

    def new_row(self):
        if self.x:
            self.x, self.y, self.row_height = 0, self.y + self.row_height, 0


def targets(queries, table=False):
    out = []
    for index, query in enumerate(queries):
        expr, legend = query if isinstance(query, tuple) else (query, "")
        target = {"refId": chr(ord("A") + index), "datasource": DATASOURCE, "expr": expr,
                  "legendFormat": legend or "__auto", "range": not table, "instant": table}
        if table:
            target["format"] = "table"
        out.append(target)
    return out


def panel(layout, kind, title, description, unit, queries, width=8, height=8, steps=OK,
          minimum=None, maximum=None, links=None, options=None, custom=None,
          transformations=None, overrides=None):
    table = kind == "table"
    defaults = {"unit": unit, "thresholds": steps, "color": {"mode": "thresholds" if kind in (
        "stat", "gauge", "bargauge", "table") else "palette-classic"}}
    if minimum is not None:
        defaults["min"] = minimum
    if maximum is not None:
        defaults["max"] = maximum
    if kind == "timeseries":
        defaults["custom"] = {"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10,
                              "showPoints": "never", "spanNulls": False,
                              "thresholdsStyle": {"mode": "off" if steps is OK else "line"}}
    if custom:
        defaults.setdefault("custom", {}).update(custom)
    result = {
        "id": layout.next_id, "type": kind, "title": title, "description": description,
        "datasource": DATASOURCE, "gridPos": layout.place(width, height),
        "fieldConfig": {"defaults": defaults, "overrides": overrides or []},
        "options": options or default_options(kind),
        "targets": targets(queries, table=table),
    }
    if links:
        result["links"] = links
    if transformations:
        result["transformations"] = transformations
    layout.next_id += 1
    return result


def default_options(kind):
    if kind == "timeseries":
        return {"legend": {"displayMode": "table", "placement": "bottom", "showLegend": True,
                           "calcs": ["lastNotNull", "max"]},
                "tooltip": {"mode": "multi", "sort": "desc"}}
    if kind in ("stat", "gauge", "bargauge"):
        return {"reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": False},
                "orientation": "horizontal", "textMode": "auto", "colorMode": "background",
                "displayMode": "gradient", "showUnfilled": True}
    if kind == "table":
        return {"showHeader": True, "cellHeight": "sm", "footer": {"show": False}}
    if kind == "state-timeline":
        return {"showValue": "never", "mergeValues": True, "rowHeight": 0.8,
                "legend": {"showLegend": True, "displayMode": "list", "placement": "bottom"}}
    return {}


def hide_columns(*extra, rename=None):
    hidden = {name: True for name in ("Time", "__name__", "job", "instance") + extra}
    return [{"id": "organize", "options": {"excludeByName": hidden,
                                           "renameByName": rename or {}}}]


def runbook_link(anchor="", title="Runbooks"):
    return {"title": title, "url": RUNBOOKS + (f"#{anchor}" if anchor else ""), "targetBlank": True}


def instance_link(field="target"):
    return {"title": "Instance dashboard for ${__field.labels.%s}" % field,
            "url": "/d/inferwatch-instance/inferwatch-instance?var-target=${__field.labels.%s}"
                   "&${datasource:queryparam}&${__url_time_range}" % field}


def instance_data_link():
    return {"title": "Instance dashboard for ${__data.fields.target}",
            "url": "/d/inferwatch-instance/inferwatch-instance?var-target=${__data.fields.target}"
                   "&${datasource:queryparam}&${__url_time_range}"}


def variables(single_target=False):
    def query_var(name, label, query, multi=True):
        return {"type": "query", "name": name, "label": label, "datasource": DATASOURCE,
                "query": {"query": query, "refId": f"{name}-variable"}, "definition": query,
                "refresh": 2, "sort": 1, "regex": "", "hide": 0,
                "includeAll": multi, "multi": multi, "allValue": ".*" if multi else None,
                "current": {}, "options": []}

    return [
        {"type": "datasource", "name": "datasource", "label": "Data source", "query": "prometheus",
         "refresh": 1, "regex": "", "hide": 0, "current": {}, "options": []},
        query_var("engine", "Engine", "label_values(llm_engine_info, engine)"),
        query_var("target", "Target", 'label_values(inferwatch_target_up, target)',
                  multi=not single_target),
        query_var("model", "Model", 'label_values(llm_engine_info{target=~"$target"}, model)'),
    ]


def dashboard(uid, title, description, panels, extra_variables=(), single_target=False,
              annotations=()):
    return {
        "uid": uid, "title": title, "description": description, "tags": [TAG],
        "schemaVersion": 39, "version": 1, "editable": True, "graphTooltip": 1,
        "time": {"from": "now-6h", "to": "now"}, "refresh": "30s", "timezone": "",
        "fiscalYearStartMonth": 0, "liveNow": False, "weekStart": "",
        "timepicker": {},
        "links": [
            {"type": "dashboards", "tags": [TAG], "asDropdown": True, "includeVars": True,
             "keepTime": True, "title": "inferwatch dashboards", "icon": "external link",
             "targetBlank": False, "tooltip": "", "url": ""},
            {"type": "link", "title": "Runbooks", "url": RUNBOOKS, "targetBlank": True,
             "icon": "doc", "tags": [], "asDropdown": False, "includeVars": False,
             "keepTime": False, "tooltip": "What each alert means and what to change"},
        ],
        "annotations": {"list": [
            {"builtIn": 1, "datasource": {"type": "grafana", "uid": "-- Grafana --"},
             "enable": True, "hide": True, "iconColor": "rgba(0, 211, 255, 1)",
             "name": "Annotations & Alerts", "type": "dashboard"},
            *annotations]},
        "templating": {"list": variables(single_target) + list(extra_variables)},
        "panels": panels,
    }


def alerts_annotation():
    return {"name": "inferwatch alerts", "datasource": DATASOURCE, "enable": True,
            "iconColor": "red", "step": "60s", "titleFormat": "{{alertname}}",
            "textFormat": "{{target}} {{severity}}", "tagKeys": "severity,target",
            "expr": 'ALERTS{alertname=~"Inferwatch.*",alertstate="firing",target=~"$target"}'}


# ---------------------------------------------------------------------------------------------
def fleet():
    lay = Layout()
    active = f"llm_bottleneck_active{{{DERIVED}}} == 1"
    panels = [
        panel(lay, "stat", "Targets up", "Inference servers inferwatch scrapes successfully.",
              "none", [f"sum(inferwatch_target_up{{{SELF}}})"], 4, 4),
        panel(lay, "stat", "Targets down",
              "Inference servers inferwatch cannot scrape (inferwatch_target_up == 0); each one "
              "raises InferwatchTargetDown.", "none",
              [f"count(inferwatch_target_up{{{SELF}}} == 0) or vector(0)"], 4, 4,
              steps=thresholds((1, "red")), links=[runbook_link("inferwatchtargetdown")]),
        panel(lay, "stat", "Active bottlenecks", "Findings currently holding across the fleet.",
              "none", [f"count({active}) or vector(0)"], 4, 4,
              steps=thresholds((1, "yellow"))),
        panel(lay, "stat", "Critical findings", "Findings with severity critical.", "none",
              [f'count(llm_bottleneck_active{{{DERIVED},severity="critical"}} == 1) or vector(0)'],
              4, 4, steps=thresholds((1, "red"))),
        panel(lay, "stat", "Standing recommendations",
              "Configuration changes inferwatch recommends (llm_recommendation_info).", "none",
              [f"count(llm_recommendation_info{{{DERIVED}}} == 1) or vector(0)"], 4, 4,
              steps=thresholds((1, "blue"))),
        panel(lay, "stat", "Firing inferwatch alerts",
              "Alerts from alerts/inferwatch-alerts.yml firing in this Prometheus.", "none",
              ['count(ALERTS{alertname=~"Inferwatch.*",alertstate="firing"}) or vector(0)'], 4, 4,
              steps=thresholds((1, "orange"))),
        panel(lay, "bargauge", "Health score per target",
              "inferwatch's 0-100 health score per target (100 = no findings). Click a bar for "
              "the Instance dashboard.", "none",
              [(f"min by (target) (llm_health_score{{{SELF}}})", "{{target}}")], 8, 10,
              steps=thresholds((50, "orange"), (80, "green"), base="red"), minimum=0, maximum=100,
              links=[instance_link()]),
        panel(lay, "table", "Active bottlenecks",
              "Every finding holding now, with its severity. Details and evidence on the "
              "Bottlenecks and recommendations dashboard.", "none",
              [active], 16, 10, steps=thresholds((1, "red")),
              links=[runbook_link()],
              transformations=hide_columns("Value"),
              overrides=[{"matcher": {"id": "byName", "options": "target"},
                          "properties": [{"id": "links", "value": [instance_data_link()]}]}]),
    ]
    lay.new_row()
    panels += [
        panel(lay, "bargauge", "SLO error budget remaining",
              "Share of each SLO's error budget left for the period; below 0 the objective is "
              "breached.", "percentunit",
              [(f"llm_slo_error_budget_remaining_ratio{{{DERIVED}}}",
                "{{slo}} {{target}} {{model}}")], 8, 9,
              steps=thresholds((0, "orange"), (0.25, "green"), base="red"), minimum=-0.5,
              maximum=1, links=[runbook_link("inferwatchsloerrorbudgetexhausted")]),
        panel(lay, "timeseries", "SLO compliance (1h SLI)",
              "Good-event ratio of each SLO over the last hour against its objective (dashed).",
              "percentunit",
              [(f'llm_slo_sli_ratio{{{DERIVED},window="1h"}}', "{{slo}} {{target}}"),
               (f"llm_slo_objective_ratio{{{DERIVED}}}", "objective {{slo}}")], 16, 9,
              steps=thresholds((0.99, "green"), base="red"), maximum=1),
        panel(lay, "timeseries", "Generated tokens/s by model",
              "Output token throughput per model, summed over its replicas.", "suffix: tok/s",
              [(rate("llm_generation_tokens_total", by="model"), "{{model}}")], 8, 8),
        panel(lay, "timeseries", "Requests/s by model and outcome",
              "Finished requests per second per model, split by outcome.", "reqps",
              [(rate("llm_requests_total", by="model, outcome"), "{{model}} {{outcome}}")], 8, 8),
        panel(lay, "timeseries", "TTFT p95 by model",
              "95th percentile time to first token per model.", "s",
              [(quantile(0.95, "llm_time_to_first_token_seconds", by="model, le"), "{{model}}")],
              8, 8, steps=thresholds((1, "yellow"), (5, "red"))),
        panel(lay, "timeseries", "End-to-end latency p95 by model",
              "95th percentile request latency per model.", "s",
              [(quantile(0.95, "llm_request_latency_seconds", by="model, le"), "{{model}}")],
              8, 8, steps=thresholds((30, "yellow"), (120, "red"))),
        panel(lay, "timeseries", "Running requests by target",
              "Requests in each target's running batch; replicas of one model should be close "
              "(see InferwatchReplicaImbalance).", "none",
              [(f"sum by (target) (llm_requests_running{{{CANON}}})", "{{target}}")], 8, 8,
              links=[runbook_link("inferwatchreplicaimbalance")]),
        panel(lay, "timeseries", "KV cache usage by target",
              "KV-cache (token pool) utilisation per target.", "percentunit",
              [(f"max by (target) (llm_kv_cache_usage_ratio{{{CANON}}})", "{{target}}")], 8, 8,
              steps=thresholds((0.9, "orange"), (0.95, "red")), minimum=0, maximum=1),
    ]
    return dashboard("inferwatch-fleet", "inferwatch / Fleet overview",
                     "Health, findings, SLOs, throughput and latency across every inference "
                     "server inferwatch watches.", panels, annotations=[alerts_annotation()])


def instance():
    lay = Layout()
    panels = [
        panel(lay, "stat", "Health score", "inferwatch's 0-100 health score for this target.",
              "none", [f"min(llm_health_score{{{SELF}}})"], 4, 5,
              steps=thresholds((50, "orange"), (80, "green"), base="red"), minimum=0,
              maximum=100),
        panel(lay, "stat", "Scrape up", "1 when inferwatch scrapes this target successfully.",
              "none", [f"min(inferwatch_target_up{{{SELF}}})"], 4, 5,
              steps=thresholds((1, "green"), base="red"),
              links=[runbook_link("inferwatchtargetdown")]),
        panel(lay, "table", "Engine and configuration",
              "Engine, version, model and the configuration the engine reports "
              "(llm_engine_info labels).", "none",
              [f"llm_engine_info{{{CANON}}}"], 16, 5, transformations=hide_columns("Value")),
        panel(lay, "timeseries", "Token throughput",
              "Prompt (prefill) and generated (decode) tokens per second.", "suffix: tok/s",
              [(rate("llm_prompt_tokens_total"), "prompt"),
               (rate("llm_generation_tokens_total"), "generated")], 12, 8),
        panel(lay, "timeseries", "Requests by outcome", "Finished requests per second by outcome.",
              "reqps", [(rate("llm_requests_total", by="outcome"), "{{outcome}}")], 12, 8,
              links=[runbook_link("inferwatchhigherrorrate")]),
    ]
    for title, hist, unit_steps, anchor in (
            ("TTFT percentiles", "llm_time_to_first_token_seconds",
             thresholds((1, "yellow"), (5, "red")), "inferwatchprefillbound"),
            ("Inter-token latency percentiles", "llm_inter_token_latency_seconds",
             thresholds((0.1, "yellow"), (0.5, "red")), "inferwatchdecodebound"),
            ("End-to-end latency percentiles", "llm_request_latency_seconds",
             thresholds((30, "yellow"), (120, "red")), "inferwatchqueuebuildup"),
            ("Queue time percentiles", "llm_request_queue_time_seconds",
             thresholds((1, "yellow"), (10, "red")), "inferwatchqueuebuildup")):
        panels.append(panel(
            lay, "timeseries", title, f"p50, p90 and p99 of {hist} (histogram).", "s",
            [(quantile(q, hist), f"p{int(q * 100)}") for q in (0.5, 0.9, 0.99)], 12, 8,
            steps=unit_steps, links=[runbook_link(anchor)]))
    panels += [
        panel(lay, "timeseries", "Queue and running",
              "Requests waiting in the queue and requests in the running batch.", "none",
              [(f"sum(llm_requests_waiting{{{CANON}}})", "waiting"),
               (f"sum(llm_requests_running{{{CANON}}})", "running")], 12, 8,
              links=[runbook_link("inferwatchqueuebuildup")]),
        panel(lay, "timeseries", "KV cache usage and forecast",
              "KV-cache utilisation now, and its linear forecast 30 minutes ahead from the last "
              "30 minutes (clamped to 0..1.5).", "percentunit",
              [(f"max(llm_kv_cache_usage_ratio{{{CANON}}})", "usage"),
               (f"clamp(max(predict_linear(llm_kv_cache_usage_ratio{{{CANON}}}[30m], 1800)), 0, 1.5)",
                "forecast +30m")], 12, 8,
              steps=thresholds((0.9, "orange"), (0.95, "red")), minimum=0,
              links=[runbook_link("inferwatchkvcachepressure")]),
        panel(lay, "timeseries", "Preemptions", "Requests preempted or retracted per second.",
              "ops", [(rate("llm_preemptions_total"), "preemptions/s")], 8, 8,
              steps=thresholds((0.1, "orange"), (1, "red")),
              links=[runbook_link("inferwatchpreemptionthrash")]),
        panel(lay, "timeseries", "Prefix-cache hit rate",
              "Share of prefix-cache lookups (tokens) that hit.", "percentunit",
              [(f"{rate('llm_prefix_cache_hits_total')} / {rate('llm_prefix_cache_queries_total')}",
                "hit rate")], 8, 8, steps=thresholds((0.3, "green"), base="orange"),
              minimum=0, maximum=1, links=[runbook_link("inferwatchprefixcacheineffective")]),
        panel(lay, "timeseries", "Batch and token budget use",
              "Current batch size, and the per-step token budget use the rule pack measures "
              "(evidence of token_budget_saturation).", "none",
              [(f"sum(llm_batch_size{{{CANON}}})", "batch size"),
               (f'llm_bottleneck_evidence{{{SELF},bottleneck="token_budget_saturation"}}',
                "{{evidence}}")], 8, 8,
              links=[runbook_link("inferwatchtokenbudgetsaturation")]),
        panel(lay, "timeseries", "GPU activity (DCGM)",
              "GPU utilisation, tensor-core and DRAM activity from a joined DCGM exporter; empty "
              "when no DCGM target is configured.", "percentunit",
              [(f"avg by (gpu) (llm_gpu_utilization_ratio{{{SELF}}})", "util gpu{{gpu}}"),
               (f"avg by (gpu) (llm_gpu_tensor_active_ratio{{{SELF}}})", "tensor gpu{{gpu}}"),
               (f"avg by (gpu) (llm_gpu_dram_active_ratio{{{SELF}}})", "dram gpu{{gpu}}")],
              12, 8, steps=thresholds((0.3, "green"), base="blue"), minimum=0, maximum=1,
              links=[runbook_link("inferwatchgpuunderutilized")]),
        panel(lay, "timeseries", "GPU memory (DCGM)",
              "Framebuffer memory used and free per GPU from a joined DCGM exporter.", "bytes",
              [(f"sum by (gpu) (llm_gpu_memory_used_bytes{{{SELF}}})", "used gpu{{gpu}}"),
               (f"sum by (gpu) (llm_gpu_memory_free_bytes{{{SELF}}})", "free gpu{{gpu}}")],
              12, 8, links=[runbook_link("inferwatchgpumemorybound")]),
        panel(lay, "table", "Active findings on this target",
              "Bottlenecks holding now on this target, with their evidence values.", "none",
              [f"llm_bottleneck_evidence{{{SELF}}} and on (target, bottleneck) "
               f"(llm_bottleneck_active{{{SELF}}} == 1)"], 12, 8,
              links=[runbook_link()], transformations=hide_columns(rename={"Value": "evidence value"})),
        panel(lay, "table", "Recommended changes for this target",
              "Configuration changes inferwatch recommends for this target.", "none",
              [f"llm_recommendation_info{{{SELF}}} == 1"], 12, 8,
              links=[runbook_link("inferwatchrecommendation")],
              transformations=hide_columns("Value")),
    ]
    return dashboard("inferwatch-instance", "inferwatch / Instance",
                     "One inference server: throughput, latency percentiles, queue, KV cache, "
                     "preemptions, prefix cache, batching, GPU and its findings.", panels,
                     single_target=True, annotations=[alerts_annotation()])


def slos():
    lay = Layout()
    sel = f'{DERIVED},slo=~"$slo"'
    slo_var = {"type": "query", "name": "slo", "label": "SLO", "datasource": DATASOURCE,
               "query": {"query": "label_values(llm_slo_objective_ratio, slo)",
                         "refId": "slo-variable"},
               "definition": "label_values(llm_slo_objective_ratio, slo)", "refresh": 2,
               "sort": 1, "regex": "", "hide": 0, "includeAll": True, "multi": True,
               "allValue": ".*", "current": {}, "options": []}
    panels = [
        panel(lay, "table", "Objectives", "Each SLO's objective (target good-event ratio).",
              "percentunit", [f"llm_slo_objective_ratio{{{sel}}}"], 8, 8,
              transformations=hide_columns(rename={"Value": "objective"})),
        panel(lay, "bargauge", "Error budget remaining",
              "Share of the period's error budget left; below 0 the SLO is breached.",
              "percentunit", [(f"llm_slo_error_budget_remaining_ratio{{{sel}}}",
                               "{{slo}} {{target}} {{model}}")], 8, 8,
              steps=thresholds((0, "orange"), (0.25, "green"), base="red"), minimum=-0.5,
              maximum=1, links=[runbook_link("inferwatchsloerrorbudgetexhausted")]),
        panel(lay, "stat", "Burn-rate alerts active",
              "Page and ticket multi-window multi-burn-rate conditions holding now.", "none",
              [(f"sum by (alert) (llm_slo_burn_alert_active{{{sel}}})", "{{alert}}")], 8, 8,
              steps=thresholds((1, "red")),
              links=[runbook_link("inferwatchsloburnratepage", "Runbook: page"),
                     runbook_link("inferwatchsloburnrateticket", "Runbook: ticket")]),
        panel(lay, "timeseries", "SLI per window",
              "Good-event ratio of each SLO over each window (5m to 3d, scaled to the period).",
              "percentunit", [(f"llm_slo_sli_ratio{{{sel}}}", "{{slo}} {{window}} {{target}}")],
              12, 9, steps=thresholds((0.99, "green"), base="red"), maximum=1),
        panel(lay, "timeseries", "Burn rate per window",
              "Error-budget burn rate per window: 1 spends the budget exactly over the period; "
              "page at 14.4 (1h and 5m) or 6 (6h and 30m), ticket at 3 (1d and 2h) or 1 (3d and "
              "6h).", "x", [(f"llm_slo_burn_rate{{{sel}}}", "{{slo}} {{window}} {{target}}")],
              12, 9, steps=thresholds((1, "yellow"), (6, "orange"), (14.4, "red"))),
        panel(lay, "timeseries", "Error budget remaining over time",
              "Trend of the remaining error budget per SLO.", "percentunit",
              [(f"llm_slo_error_budget_remaining_ratio{{{sel}}}", "{{slo}} {{target}}")], 12, 8,
              steps=thresholds((0, "orange"), (0.25, "green"), base="red")),
        panel(lay, "timeseries", "Goodput",
              "Share of requests meeting every latency SLO at once (the goodput SLI), per window.",
              "percentunit",
              [(f'llm_slo_sli_ratio{{{DERIVED},slo="goodput"}}', "{{window}} {{target}}")], 12, 8,
              steps=thresholds((0.9, "green"), base="orange"), maximum=1),
        panel(lay, "state-timeline", "Burn-rate alert history",
              "When the page and ticket conditions held.", "none",
              [(f"llm_slo_burn_alert_active{{{sel}}}", "{{slo}} {{alert}} {{target}}")], 24, 7,
              steps=thresholds((1, "red"))),
    ]
    return dashboard("inferwatch-slos", "inferwatch / SLOs",
                     "SLIs per window, error budgets, burn rates and goodput from inferwatch's "
                     "SLO rules.", panels, extra_variables=[slo_var])


def findings():
    lay = Layout()
    active = f"(llm_bottleneck_active{{{DERIVED}}} == 1)"
    standing = f"(llm_recommendation_info{{{DERIVED}}} == 1)"
    panels = [
        panel(lay, "table", "Active findings",
              "Bottlenecks holding now, by target, with the severity the rule pack gives them. "
              "Each has an alert and a runbook section.", "none",
              [f"llm_bottleneck_active{{{DERIVED}}} == 1"], 10, 9, links=[runbook_link()],
              transformations=hide_columns("Value"),
              overrides=[{"matcher": {"id": "byName", "options": "target"},
                          "properties": [{"id": "links", "value": [instance_data_link()]}]}]),
        panel(lay, "table", "Evidence",
              "The evidence values behind each active finding (llm_bottleneck_evidence).", "none",
              [f"llm_bottleneck_evidence{{{SELF}}} and on (target, bottleneck) {active}"], 14, 9,
              transformations=hide_columns(rename={"Value": "value"})),
        panel(lay, "table", "Recommended parameter changes",
              "Standing recommendations: which engine parameter to change, from what to what, "
              "and how urgent.", "none", [f"llm_recommendation_info{{{DERIVED}}} == 1"], 14, 9,
              links=[runbook_link("inferwatchrecommendation")],
              transformations=hide_columns("Value")),
        panel(lay, "table", "Expected effect",
              "Estimated relative change of each metric if the recommendation is applied "
              "(0.25 = +25%).", "percentunit",
              [f"llm_recommendation_expected_improvement_ratio{{{SELF}}} and on (target, "
               f"recommendation) {standing}"], 10, 9,
              transformations=hide_columns(rename={"Value": "expected change"})),
        panel(lay, "state-timeline", "Findings history",
              "When each finding held on each target over the selected time range.", "none",
              [(f"max by (target, bottleneck) (llm_bottleneck_active{{{DERIVED}}})",
                "{{target}} {{bottleneck}}")], 24, 9, steps=thresholds((1, "red"))),
        panel(lay, "timeseries", "Recommendations over time",
              "Number of standing recommendations per target.", "none",
              [(f"count by (target) {standing}", "{{target}}")], 12, 8),
        panel(lay, "timeseries", "Health score",
              "inferwatch's 0-100 health score per target.", "none",
              [(f"min by (target) (llm_health_score{{{SELF}}})", "{{target}}")], 12, 8,
              steps=thresholds((50, "orange"), (80, "green"), base="red"), minimum=0,
              maximum=100),
        panel(lay, "table", "Firing finding alerts",
              "inferwatch alerts firing in this Prometheus for the selected targets.", "none",
              ['ALERTS{alertname=~"Inferwatch.*",alertstate="firing",target=~"$target"}'], 24, 7,
              links=[runbook_link()], transformations=hide_columns("Value", "alertstate")),
    ]
    return dashboard("inferwatch-findings", "inferwatch / Bottlenecks and recommendations",
                     "Active findings with their evidence, the recommended parameter changes with "
                     "their expected effect, and their history.", panels,
                     annotations=[alerts_annotation()])


def self_monitoring():
    lay = Layout()
    panels = [
        panel(lay, "state-timeline", "Target scrape state",
              "1 when inferwatch scraped the target successfully, 0 when it failed.", "none",
              [(f"inferwatch_target_up{{{SELF}}}", "{{target}}")], 24, 7,
              steps=thresholds((1, "green"), base="red"),
              links=[runbook_link("inferwatchtargetdown")]),
        panel(lay, "timeseries", "Scrape duration", "How long each target's scrape takes.", "s",
              [(f"inferwatch_target_scrape_duration_seconds{{{SELF}}}", "{{target}}")], 8, 8,
              steps=thresholds((5, "orange"), (10, "red"))),
        panel(lay, "timeseries", "Samples per scrape", "Samples in each target's last scrape.",
              "none", [(f"inferwatch_target_scrape_samples{{{SELF}}}", "{{target}}")], 8, 8),
        panel(lay, "timeseries", "Scrape errors by reason", "Failed scrapes per second by reason.",
              "ops", [(rate("inferwatch_scrape_errors_total", SELF, by="target, reason"),
                       "{{target}} {{reason}}")], 8, 8, steps=thresholds((0.001, "red")),
              links=[runbook_link("inferwatchscrapeerrors")]),
        panel(lay, "timeseries", "Unmapped series",
              "Series from each target that match no canonical mapping; growth usually means the "
              "engine renamed metrics.", "none",
              [(f"inferwatch_unmapped_series{{{SELF}}}", "{{target}}")], 8, 8,
              links=[runbook_link("inferwatchunmappedseriesgrowing")]),
        panel(lay, "timeseries", "Rule group evaluation time",
              "Time each rule group's evaluation takes; it must stay well below the evaluation "
              "interval.", "s",
              [("max by (group) (inferwatch_rule_group_evaluation_duration_seconds)", "{{group}}")],
              8, 8, steps=thresholds((1, "orange"), (5, "red"))),
        panel(lay, "timeseries", "Rule evaluation failures",
              "Failed rule evaluations per second per group.", "ops",
              [("sum by (group) (rate(inferwatch_rule_evaluation_failures_total[$__rate_interval]))",
                "{{group}}")], 8, 8, steps=thresholds((0.001, "red")),
              links=[runbook_link("inferwatchruleevaluationfailures")]),
        panel(lay, "timeseries", "Time since last rule evaluation",
              "Age of each rule group's last evaluation; a rising line means the group stalled.",
              "s", [("max by (group) (time() - "
                     "inferwatch_rule_group_last_evaluation_timestamp_seconds)", "{{group}}")],
              12, 8, steps=thresholds((300, "red")),
              links=[runbook_link("inferwatchruleevaluationstalled")]),
        panel(lay, "stat", "Last reload successful",
              "1 when the last configuration and rule reload succeeded.", "none",
              [("min(inferwatch_config_last_reload_successful)", "")], 6, 8,
              steps=thresholds((1, "green"), base="red"),
              links=[runbook_link("inferwatchconfigreloadfailed")]),
        panel(lay, "table", "inferwatch build", "Version of each running inferwatch.", "none",
              ["inferwatch_build_info"], 6, 8, transformations=hide_columns("Value")),
        panel(lay, "timeseries", "Short-term store",
              "Series and points each inferwatch held at its last compaction. Each series keeps "
              "what the loaded rules read of it (at most storage.retention), so points follow the "
              "rules' longest ranges, not only the number of targets.", "short",
              [("max by (instance) (inferwatch_store_series)", "series {{instance}}"),
               ("max by (instance) (inferwatch_store_points)", "points {{instance}}")], 24, 8),
    ]
    return dashboard("inferwatch-self", "inferwatch / inferwatch itself",
                     "Scrape health, unmapped series, rule evaluation, reloads and the store of "
                     "inferwatch.",
                     panels)


DASHBOARDS = {
    "inferwatch-fleet.json": fleet,
    "inferwatch-instance.json": instance,
    "inferwatch-slos.json": slos,
    "inferwatch-findings.json": findings,
    "inferwatch-self.json": self_monitoring,
}


def render(build):
    return json.dumps(build(), indent=2, sort_keys=False) + "\n"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true",
                        help="fail if dashboards/*.json differ from what this script generates")
    parser.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..",
                                                      "dashboards"))
    args = parser.parse_args()
    stale = []
    for name, build in DASHBOARDS.items():
        path = os.path.join(args.out, name)
        text = render(build)
        if args.check:
            try:
                current = open(path).read()
            except OSError:
                current = None
            if current != text:
                stale.append(path)
        else:
            with open(path, "w") as handle:
                handle.write(text)
    if stale:
        print("out of date (run python3 scripts/gen_dashboards.py):", *stale, sep="\n  ")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
