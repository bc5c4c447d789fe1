#include "rules/promql/duration.h"

#include <array>
#include <cctype>
#include <limits>

namespace inferwatch::rules::promql {

namespace {

struct Unit {
  std::string_view suffix;
  std::int64_t ms;
};

// In the only order model.ParseDuration accepts them.
constexpr std::array<Unit, 7> kUnits = {{{"y", 365LL * 24 * 3600 * 1000},
                                         {"w", 7LL * 24 * 3600 * 1000},
                                         {"d", 24LL * 3600 * 1000},
                                         {"h", 3600LL * 1000},
                                         {"m", 60LL * 1000},
                                         {"s", 1000},
                                         {"ms", 1}}};

}  // namespace

std::optional<std::int64_t> ParseDurationMs(std::string_view text) {
  if (text == "0") return 0;
  if (text.empty()) return std::nullopt;
  std::size_t pos = 0;
  std::size_t next_unit = 0;
  std::int64_t total = 0;
  while (pos < text.size()) {
    if (!std::isdigit(static_cast<unsigned char>(text[pos]))) return std::nullopt;
    std::int64_t number = 0;
    while (pos < text.size() && std::isdigit(static_cast<unsigned char>(text[pos]))) {
      if (number > (std::numeric_limits<std::int64_t>::max() - 9) / 10) return std::nullopt;
      number = number * 10 + (text[pos] - '0');
      ++pos;
    }
    std::size_t end = pos;
    while (end < text.size() && std::isalpha(static_cast<unsigned char>(text[end]))) ++end;
    const std::string_view suffix = text.substr(pos, end - pos);
    bool found = false;
    for (std::size_t u = next_unit; u < kUnits.size(); ++u) {
      if (kUnits[u].suffix == suffix) {
        if (number > std::numeric_limits<std::int64_t>::max() / kUnits[u].ms) return std::nullopt;
        const std::int64_t add = number * kUnits[u].ms;
        if (total > std::numeric_limits<std::int64_t>::max() - add) return std::nullopt;
        total += add;
        next_unit = u + 1;
        found = true;
        break;
      }
    }
    if (!found) return std::nullopt;
    pos = end;
  }
  return total;
}

std::string FormatDurationMs(std::int64_t ms) {
  if (ms == 0) return "0s";
  std::string out;
  if (ms < 0) {
    out = "-";
    ms = -ms;
  }
  for (std::size_t u = 0; u < kUnits.size(); ++u) {
    const bool exact_only = u < 2;  // years and weeks only when nothing smaller remains
    if (exact_only && ms % kUnits[u].ms != 0) continue;
    const std::int64_t count = ms / kUnits[u].ms;
    if (count > 0) {
      out += std::to_string(count);
      out += kUnits[u].suffix;
      ms -= count * kUnits[u].ms;
    }
  }
  return out;
}

}  // namespace inferwatch::rules::promql
