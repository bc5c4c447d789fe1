#include "rules/template/humanize.h"

#include <array>
#include <cmath>
#include <cstdint>

#include <fmt/format.h>

#include "rules/template/go_format.h"

namespace inferwatch::rules::templating {

namespace {

constexpr std::array<const char*, 8> kSmallPrefixes = {"m", "u", "n", "p", "f", "a", "z", "y"};

// Scales |value| < 1 up by thousands, as Prometheus does for both humanize and humanizeDuration.
std::string ScaleSmall(double value, const char* suffix) {
  const char* prefix = "";
  for (const char* candidate : kSmallPrefixes) {
    if (std::fabs(value) >= 1) break;
    prefix = candidate;
    value *= 1000;
  }
  return GoFormatG(value, 4) + prefix + suffix;
}

}  // namespace

std::string Humanize(double value) {
  if (value == 0 || !std::isfinite(value)) return GoFormatG(value, 4);
  if (std::fabs(value) >= 1) {
    const char* prefix = "";
    for (const char* candidate : {"k", "M", "G", "T", "P", "E", "Z", "Y"}) {
      if (std::fabs(value) < 1000) break;
      prefix = candidate;
      value /= 1000;
    }
    return GoFormatG(value, 4) + prefix;
  }
  return ScaleSmall(value, "");
}

std::string Humanize1024(double value) {
  if (std::fabs(value) <= 1 || !std::isfinite(value)) return GoFormatG(value, 4);
  const char* prefix = "";
  for (const char* candidate : {"ki", "Mi", "Gi", "Ti", "Pi", "Ei", "Zi", "Yi"}) {
    if (std::fabs(value) < 1024) break;
    prefix = candidate;
    value /= 1024;
  }
  return GoFormatG(value, 4) + prefix;
}

std::string HumanizeDuration(double seconds) {
  if (!std::isfinite(seconds)) return GoFormatG(seconds, 4);
  if (seconds == 0) return GoFormatG(seconds, 4) + "s";
  if (std::fabs(seconds) >= 1) {
    const char* sign = "";
    if (seconds < 0) {
      sign = "-";
      seconds = -seconds;
    }
    // Go converts with int64(v); values beyond int64 are out of any useful range anyway.
    const auto whole = seconds >= 9.2e18 ? INT64_MAX : static_cast<std::int64_t>(seconds);
    const std::int64_t secs = whole % 60;
    const std::int64_t minutes = (whole / 60) % 60;
    const std::int64_t hours = (whole / 60 / 60) % 24;
    const std::int64_t days = whole / 60 / 60 / 24;
    if (days != 0) return fmt::format("{}{}d {}h {}m {}s", sign, days, hours, minutes, secs);
    if (hours != 0) return fmt::format("{}{}h {}m {}s", sign, hours, minutes, secs);
    if (minutes != 0) return fmt::format("{}{}m {}s", sign, minutes, secs);
    return fmt::format("{}{}s", sign, GoFormatG(seconds, 4));
  }
  return ScaleSmall(seconds, "s");
}

std::string HumanizePercentage(double ratio) {
  return GoFormatG(ratio * 100, 4) + "%";
}

}  // namespace inferwatch::rules::templating
