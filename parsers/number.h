// Number grammars of the two exposition formats: sample values, timestamps, `le`/`quantile`.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

// A sample value: decimal or exponent form with an optional sign, or Inf/Infinity/NaN (any case,
// Inf with an optional sign). OpenMetrics and 0.0.4 accept the same set here; hex floats and
// underscores are rejected in both.
std::optional<double> ParseValue(std::string_view text);

// An OpenMetrics timestamp: float seconds, finite.
std::optional<double> ParseOpenMetricsTimestamp(std::string_view text);

// The same, also as milliseconds (SecondsToMilliseconds of the seconds); false when invalid.
bool ParseOpenMetricsTimestamp(std::string_view text, double& seconds, int64_t& milliseconds);

// A 0.0.4 timestamp: integer milliseconds with an optional sign.
std::optional<int64_t> ParsePrometheusTimestamp(std::string_view text);

// Seconds to milliseconds, rounded to nearest and saturated to the int64 range.
int64_t SecondsToMilliseconds(double seconds);

}  // namespace inferwatch::parsers
