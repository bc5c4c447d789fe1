// Prometheus's template number formatters, with Go's exact output (they feed alert annotations
// people compare against Prometheus).
#pragma once

#include <string>

namespace inferwatch::rules::templating {

std::string Humanize(double value);            // 1234567 -> "1.235M", 0.00123 -> "1.23m"
std::string Humanize1024(double value);        // 1048576 -> "1Mi"
std::string HumanizeDuration(double seconds);  // 90 -> "1m 30s", 0.25 -> "250ms"
std::string HumanizePercentage(double ratio);  // 0.1234 -> "12.34%"

}  // namespace inferwatch::rules::templating
