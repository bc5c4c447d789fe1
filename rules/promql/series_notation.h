// The expanding value notation shared by promqltest `load` and promtool `input_series`:
// "1+2x3 _ stale 4-1x2 1x5 _x3".
#pragma once

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace inferwatch::rules::promql {

struct SeriesNotationError {
  std::size_t column = 0;  // 0-based byte offset in the values text
  std::string message;
};

// One entry per step: nullopt for '_' (no sample), StaleNaN() for 'stale'.
using SeriesValues = std::vector<std::optional<double>>;

std::variant<SeriesValues, SeriesNotationError> ExpandSeriesValues(std::string_view text);

// Parses a single value as the notation does: decimal numbers (no hex, as Prometheus),
// Inf/+Inf/-Inf, NaN, "stale".
std::optional<double> ParseSeriesNumber(std::string_view text);

}  // namespace inferwatch::rules::promql
