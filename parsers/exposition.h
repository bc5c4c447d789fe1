// Public interface of the exposition parsers (Prometheus text 0.0.4 and OpenMetrics 1.0 text).
//
// The parser is a streaming, zero-copy pass over a caller-owned buffer: every string_view handed
// to the handler points into that buffer (or, for label values and HELP text with escapes, into a
// parser-owned scratch buffer) and is valid only for the duration of the callback.
// Consumers copy what they keep.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace inferwatch::parsers {

enum class Format { kPrometheusText, kOpenMetrics };

enum class MetricType {
  kUnknown,  // "untyped" in 0.0.4, "unknown" in OpenMetrics, or no TYPE line
  kCounter,
  kGauge,
  kHistogram,
  kGaugeHistogram,
  kSummary,
  kInfo,
  kStateSet,
};

std::string_view MetricTypeName(MetricType type);

struct Label {
  std::string_view name;
  std::string_view value;  // unescaped
};

struct Exemplar {
  std::span<const Label> labels;
  double value = 0;
  std::optional<double> timestamp_seconds;
};

// One metric family, announced before its first sample (also for samples with no TYPE/HELP).
struct Family {
  std::string_view name;  // OpenMetrics: the family name (no _total/_info); 0.0.4: the TYPE name
  MetricType type = MetricType::kUnknown;
  std::string_view help;  // unescaped; empty when absent
  std::string_view unit;  // OpenMetrics UNIT; empty when absent
  std::size_t line = 0;   // 1-based line where the family starts (its first metadata or sample)
};

struct Sample {
  std::string_view family;  // the family this sample was grouped into
  MetricType type = MetricType::kUnknown;
  std::string_view name;  // the full sample name, e.g. foo_bucket, foo_total, foo_created
  std::span<const Label> labels;
  double value = 0;
  std::optional<int64_t> timestamp_ms;  // OpenMetrics float seconds are converted to ms
  const Exemplar* exemplar = nullptr;   // OpenMetrics only; nullptr when absent
  std::size_t line = 0;                 // 1-based line of the sample in the payload
};

// Resource limits; a payload that exceeds one fails with a clear error. 0 means unlimited.
struct Limits {
  std::size_t max_body_bytes = 64u << 20;
  std::size_t max_line_bytes = 1u << 20;
  std::size_t max_labels_per_sample = 128;
  std::size_t max_label_value_bytes = 64u << 10;
  std::size_t max_samples = 5'000'000;
};

struct ParseError {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based, in bytes
  std::string reason;
  std::string ToString() const;  // "LINE:COL: reason"
};

// Receives the parse as it happens. Returning false from a callback stops the parse early.
class SampleHandler {
 public:
  virtual ~SampleHandler() = default;
  virtual bool OnFamily(const Family& /*family*/) { return true; }
  virtual bool OnSample(const Sample& sample) = 0;
};

// Picks the grammar from a Content-Type header when it names one, else from the body
// (OpenMetrics when it ends with "# EOF").
Format DetectFormat(std::string_view content_type, std::string_view body);

// Parses the whole payload; returns the first error, as Prometheus fails a scrape on it. The
// handler has by then seen the samples before the error's line, and in OpenMetrics possibly a few
// series groups' samples after it (a repeated group is found some groups later), so a consumer
// that must not act on a failed payload keeps what it receives until Parse returns.
std::optional<ParseError> Parse(std::string_view body, Format format, SampleHandler& handler,
                                const Limits& limits = {});

}  // namespace inferwatch::parsers
