#include "parsers/number.h"

#include <cmath>
#include <cstring>
#include <limits>

#include <fast_float/fast_float.h>

namespace inferwatch::parsers {
namespace {

using number_detail::AllDigits;
using number_detail::EightDigits;

bool EqualsIgnoreCase(std::string_view text, std::string_view lower) {
  if (text.size() != lower.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((text[i] | 0x20) != lower[i]) return false;
  }
  return true;
}

// Most exposition values and timestamps are short decimals ("31", "0.25", "1732284140.891").
// With at most 15 significant digits the digits and the power of ten are exact doubles, so one
// division gives the correctly rounded result (Clinger's fast path) without the general parser.
constexpr double kPowersOfTen[] = {1e0, 1e1, 1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                   1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15};

// Appends the run of digits at `p` to `number`, eight at a time while eight bytes remain; returns
// how many there were. Runs here are at most 16 digits, so `number` does not overflow.
[[gnu::always_inline]] inline std::size_t ReadDigits(const char*& p, const char* end,
                                                     uint64_t& number) {
  const char* const start = p;
  while (end - p >= 8) {
    uint64_t word;
    std::memcpy(&word, p, 8);
    if (!AllDigits(word)) break;
    number = number * 100000000 + EightDigits(word);
    p += 8;
  }
  while (p < end && static_cast<unsigned char>(*p - '0') <= 9) {
    number = number * 10 + static_cast<unsigned char>(*p - '0');
    ++p;
  }
  return static_cast<std::size_t>(p - start);
}

std::optional<double> ParseShortDecimal(std::string_view digits, bool negative) {
  if (digits.empty() || digits.size() > 16) return std::nullopt;
  const char* p = digits.data();
  const char* const end = p + digits.size();
  uint64_t mantissa = 0;
  const std::size_t integer_digits = ReadDigits(p, end, mantissa);
  std::size_t fraction_digits = 0;
  if (p < end) {
    if (*p != '.') return std::nullopt;
    ++p;
    fraction_digits = ReadDigits(p, end, mantissa);
    if (p < end) return std::nullopt;
  }
  const std::size_t digit_count = integer_digits + fraction_digits;
  if (digit_count == 0 || digit_count > 15) return std::nullopt;
  const double value = static_cast<double>(mantissa) / kPowersOfTen[fraction_digits];
  return negative ? -value : value;
}

}  // namespace

std::optional<double> ParseValue(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  std::string_view unsigned_text = text;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    unsigned_text.remove_prefix(1);
  }
  if (auto decimal = ParseShortDecimal(unsigned_text, negative)) return decimal;
  if (unsigned_text.empty()) return std::nullopt;
  const char first = unsigned_text[0];
  if (first == 'i' || first == 'I') {
    if (EqualsIgnoreCase(unsigned_text, "inf") || EqualsIgnoreCase(unsigned_text, "infinity")) {
      return negative ? -std::numeric_limits<double>::infinity()
                      : std::numeric_limits<double>::infinity();
    }
    return std::nullopt;
  }
  if (first == 'n' || first == 'N') {
    if (EqualsIgnoreCase(unsigned_text, "nan")) return std::numeric_limits<double>::quiet_NaN();
    return std::nullopt;
  }
  // fast_float takes no sign of its own here, and would accept "nan(...)"; both were handled above.
  if (!(first == '.' || (first >= '0' && first <= '9'))) return std::nullopt;
  double value = 0;
  const char* end = unsigned_text.data() + unsigned_text.size();
  const auto result = fast_float::from_chars(unsigned_text.data(), end, value);
  if (result.ec != std::errc() || result.ptr != end) return std::nullopt;
  return negative ? -value : value;
}

std::optional<double> ParseOpenMetricsTimestamp(std::string_view text) {
  const auto value = ParseValue(text);
  if (!value || !std::isfinite(*value)) return std::nullopt;
  return value;
}

std::optional<int64_t> ParsePrometheusTimestamp(std::string_view text) {
  if (text.empty()) return std::nullopt;
  bool negative = false;
  if (text[0] == '+' || text[0] == '-') {
    negative = text[0] == '-';
    text.remove_prefix(1);
  }
  if (text.empty()) return std::nullopt;
  uint64_t magnitude = 0;
  constexpr uint64_t kLimit = static_cast<uint64_t>(std::numeric_limits<int64_t>::max()) + 1;
  if (text.size() <= 18) {  // cannot overflow: the common case, 13-digit milliseconds
    for (const char c : text) {
      const auto digit = static_cast<unsigned char>(c - '0');
      if (digit > 9) return std::nullopt;
      magnitude = magnitude * 10 + digit;
    }
  } else {
    for (const char c : text) {
      const auto digit = static_cast<unsigned char>(c - '0');
      if (digit > 9) return std::nullopt;
      if (__builtin_mul_overflow(magnitude, 10u, &magnitude) ||
          __builtin_add_overflow(magnitude, digit, &magnitude) || magnitude > kLimit) {
        return std::nullopt;
      }
    }
  }
  if (!negative && magnitude == kLimit) return std::nullopt;
  return negative ? static_cast<int64_t>(0 - magnitude) : static_cast<int64_t>(magnitude);
}

bool ParseOpenMetricsTimestampSlow(std::string_view text, double& seconds, int64_t& milliseconds) {
  // Timestamps are almost always "1732284140.891": at most 3 decimals and 12 integer digits give
  // integer milliseconds N < 10^15. Then N / 1000.0 is the same correctly rounded double as the
  // general path's, and rounding it back times 1000 gives N again (the error is under 2^-52 * N,
  // far below one half), so both results come without the general path.
  if (!text.empty() && text.size() <= 16) {
    const char* p = text.data();
    const char* const end = p + text.size();
    uint64_t integer = 0;
    const std::size_t integer_digits = ReadDigits(p, end, integer);
    uint64_t fraction = 0;
    std::size_t fraction_digits = 0;
    bool ok = integer_digits > 0 && integer_digits <= 12;
    if (ok && p < end) {
      ok = *p == '.';
      ++p;
      fraction_digits = ReadDigits(p, end, fraction);
      ok = ok && p == end && fraction_digits <= 3;
    }
    if (ok) {
      constexpr uint64_t kScale[] = {1000, 100, 10, 1};
      const uint64_t total = integer * 1000 + fraction * kScale[fraction_digits];
      seconds = static_cast<double>(total) / 1000.0;
      milliseconds = static_cast<int64_t>(total);
      return true;
    }
  }
  const auto value = ParseOpenMetricsTimestamp(text);
  if (!value) return false;
  seconds = *value;
  milliseconds = SecondsToMilliseconds(*value);
  return true;
}

int64_t SecondsToMilliseconds(double seconds) {
  const double milliseconds = std::round(seconds * 1000.0);
  constexpr double kMax = 9.2233720368547748e18;  // largest double below 2^63
  if (milliseconds >= kMax) return std::numeric_limits<int64_t>::max();
  if (milliseconds <= -kMax) return std::numeric_limits<int64_t>::min();
  return static_cast<int64_t>(milliseconds);
}

}  // namespace inferwatch::parsers
