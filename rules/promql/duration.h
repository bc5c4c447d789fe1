// Prometheus duration strings ("1h30m", "5m", "1d", "1w", "1y", "250ms").
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace inferwatch::rules::promql {

// As Prometheus's model.ParseDuration: units y w d h m s ms, each at most once, in that order.
std::optional<std::int64_t> ParseDurationMs(std::string_view text);
// As model.Duration.String: "0s", "1h30m", "1d", "1w", "500ms".
std::string FormatDurationMs(std::int64_t ms);

}  // namespace inferwatch::rules::promql
