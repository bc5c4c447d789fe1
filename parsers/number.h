// Number grammars of the two exposition formats: sample values, timestamps, `le`/`quantile`.
#pragma once

#include <cstdint>
#include <cstring>
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

// ParseOpenMetricsTimestamp (below, inline) without its path for the usual shape.
bool ParseOpenMetricsTimestampSlow(std::string_view text, double& seconds, int64_t& milliseconds);

// A 0.0.4 timestamp: integer milliseconds with an optional sign.
std::optional<int64_t> ParsePrometheusTimestamp(std::string_view text);

// Seconds to milliseconds, rounded to nearest and saturated to the int64 range.
int64_t SecondsToMilliseconds(double seconds);

namespace number_detail {

// Eight ASCII digits, first digit in the lowest byte, as a number: adjacent lanes are merged
// pairwise (digits into 2-digit, then 4-digit, then 8-digit values), three multiplies in all.
[[gnu::always_inline]] inline uint64_t EightDigits(uint64_t word) {
  word -= 0x3030303030303030ULL;
  word = (word * 10 + (word >> 8)) & 0x00FF00FF00FF00FFULL;
  word = (word * 100 + (word >> 16)) & 0x0000FFFF0000FFFFULL;
  return (word * 10000 + (word >> 32)) & 0xFFFFFFFFULL;
}

[[gnu::always_inline]] inline bool AllDigits(uint64_t word) {
  return (word & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL &&
         ((word + 0x0606060606060606ULL) & 0xF0F0F0F0F0F0F0F0ULL) == 0x3030303030303030ULL;
}

}  // namespace number_detail

// "DDDDDDDDDD.DDD" (14 bytes at `p`), the usual OpenMetrics timestamp, as integer milliseconds,
// in two overlapping loads: the first eight digits, then the remaining five with the point
// squeezed out and three zero digits in front. False for any other bytes. The milliseconds are
// those the digit loop of the general path computes, and its seconds are their quotient by
// 1000.0 (correctly rounded; distinct milliseconds give distinct seconds).
[[gnu::always_inline]] inline bool ParseUsualOpenMetricsMilliseconds(const char* p,
                                                                     int64_t& milliseconds) {
  uint64_t head;
  uint64_t tail;
  std::memcpy(&head, p, 8);
  std::memcpy(&tail, p + 6, 8);  // "40.891" preceded by digits 6 and 7
  tail = ((tail << 8) & 0x000000FFFF000000ULL) | (tail & 0xFFFFFF0000000000ULL) |
         0x0000000000303030ULL;
  if (p[10] != '.' || !number_detail::AllDigits(head) || !number_detail::AllDigits(tail)) {
    return false;
  }
  milliseconds = static_cast<int64_t>(number_detail::EightDigits(head) * 100000 +
                                      number_detail::EightDigits(tail));
  return true;
}

// Thirteen digits at `p`, the usual 0.0.4 timestamp (milliseconds since 1970 until 2286), in two
// overlapping loads: the first eight digits, then the last five with three zero digits in front.
// False for any other bytes; otherwise the value ParsePrometheusTimestamp gives.
[[gnu::always_inline]] inline bool ParseThirteenDigitTimestamp(const char* p,
                                                               int64_t& milliseconds) {
  uint64_t head;
  uint64_t tail;
  std::memcpy(&head, p, 8);
  std::memcpy(&tail, p + 5, 8);
  tail = (tail & 0xFFFFFFFFFF000000ULL) | 0x0000000000303030ULL;
  if (!number_detail::AllDigits(head) || !number_detail::AllDigits(tail)) return false;
  milliseconds = static_cast<int64_t>(number_detail::EightDigits(head) * 100000 +
                                      number_detail::EightDigits(tail));
  return true;
}

// An OpenMetrics timestamp also as milliseconds (SecondsToMilliseconds of the seconds); false
// when invalid. Inline, since it is on every OpenMetrics sample line with a timestamp.
inline bool ParseOpenMetricsTimestamp(std::string_view text, double& seconds,
                                      int64_t& milliseconds) {
  if (text.size() == 14 && ParseUsualOpenMetricsMilliseconds(text.data(), milliseconds)) {
    seconds = static_cast<double>(milliseconds) / 1000.0;
    return true;
  }
  return ParseOpenMetricsTimestampSlow(text, seconds, milliseconds);
}

}  // namespace inferwatch::parsers
