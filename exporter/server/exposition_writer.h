// Writes the daemon's /metrics body: the self series (prometheus-cpp registry) and the current
// value of every series in the short-term store (canonical, facts, rule outputs), in Prometheus
// text 0.0.4 or OpenMetrics 1.0.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <prometheus/metric_family.h>

#include "exporter/store/short_term_store.h"

namespace inferwatch::exporter::server {

inline constexpr std::string_view kTextContentType = "text/plain; version=0.0.4; charset=utf-8";
inline constexpr std::string_view kOpenMetricsContentType =
    "application/openmetrics-text; version=1.0.0; charset=utf-8";

// True when the Accept header prefers OpenMetrics (names it with a q no lower than text/plain's).
bool WantsOpenMetrics(std::string_view accept);

std::string FormatValue(double value);

// Appends the registry's families. OpenMetrics names counter families without "_total".
void WriteRegistry(const std::vector<prometheus::MetricFamily>& families, bool openmetrics,
                   std::string& out);

// Appends every series current at now_ms, grouped into families: "X_total" as a counter,
// X_bucket/X_sum/X_count with `le` as a histogram, anything else as a gauge.
void WriteStore(const store::ShortTermStore& store, std::int64_t now_ms, bool openmetrics,
                std::string& out);

}  // namespace inferwatch::exporter::server
