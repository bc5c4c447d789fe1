#include "rules/promql/series_notation.h"

#include <cctype>
#include <cstdlib>
#include <limits>

#include "rules/storage.h"

namespace inferwatch::rules::promql {

std::optional<double> ParseSeriesNumber(std::string_view text) {
  if (text.empty()) return std::nullopt;
  if (text == "stale") return StaleNaN();
  std::string_view body = text;
  double sign = 1;
  if (body[0] == '+' || body[0] == '-') {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  std::string lower(body);
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (lower == "inf") return sign * std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower.empty()) return std::nullopt;
  char* end = nullptr;
  // No hex here: "0x10" means 0 repeated, as in Prometheus's series notation.
  if (!std::isdigit(static_cast<unsigned char>(lower[0])) && lower[0] != '.') return std::nullopt;
  const double value = std::strtod(lower.c_str(), &end);
  if (lower.find_first_of("xp") != std::string::npos) return std::nullopt;
  if (end != lower.c_str() + lower.size()) return std::nullopt;
  return sign * value;
}

namespace {

// Splits "a+bxN" / "a-bxN" / "axN" into parts; the sign of a may lead.
bool SplitItem(std::string_view item, std::string_view* base, std::string_view* delta,
               char* delta_sign, std::string_view* times) {
  const std::size_t x = item.rfind('x');
  if (x == std::string_view::npos || x + 1 >= item.size()) return false;
  for (std::size_t i = x + 1; i < item.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(item[i]))) return false;
  }
  // Hex numbers contain an 'x' too ("0x10"): only a count after 'x' following a value counts.
  *times = item.substr(x + 1);
  std::string_view head = item.substr(0, x);
  if (head.empty()) return false;
  // Find a +/- that is not the leading sign and not part of an exponent.
  for (std::size_t i = head.size(); i-- > 1;) {
    const char c = head[i];
    if ((c == '+' || c == '-') && head[i - 1] != 'e' && head[i - 1] != 'E') {
      *base = head.substr(0, i);
      *delta = head.substr(i + 1);
      *delta_sign = c;
      return true;
    }
  }
  *base = head;
  *delta = {};
  *delta_sign = 0;
  return true;
}

}  // namespace

std::variant<SeriesValues, SeriesNotationError> ExpandSeriesValues(std::string_view text) {
  SeriesValues values;
  std::size_t pos = 0;
  while (pos < text.size()) {
    while (pos < text.size() && std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    if (pos >= text.size()) break;
    const std::size_t start = pos;
    while (pos < text.size() && !std::isspace(static_cast<unsigned char>(text[pos]))) ++pos;
    const std::string_view item = text.substr(start, pos - start);
    auto error = [&](std::string message) {
      return SeriesNotationError{start, std::move(message) + ": \"" + std::string(item) + "\""};
    };
    if (item == "_") {
      values.push_back(std::nullopt);
      continue;
    }
    if (item.size() > 2 && item.substr(0, 2) == "_x") {
      const std::string_view count_text = item.substr(2);
      char* end = nullptr;
      const std::string count_string(count_text);
      const unsigned long long count = std::strtoull(count_string.c_str(), &end, 10);
      if (end != count_string.c_str() + count_string.size() || count > 1000000) {
        return error("invalid repetition count");
      }
      for (unsigned long long i = 0; i < count; ++i) values.push_back(std::nullopt);
      continue;
    }
    if (std::optional<double> single = ParseSeriesNumber(item)) {
      values.push_back(*single);
      continue;
    }
    std::string_view base_text, delta_text, times_text;
    char delta_sign = 0;
    if (!SplitItem(item, &base_text, &delta_text, &delta_sign, &times_text)) {
      return error("invalid value");
    }
    std::optional<double> base = ParseSeriesNumber(base_text);
    if (!base || base_text == "stale") return error("invalid value");
    const unsigned long long times = std::strtoull(std::string(times_text).c_str(), nullptr, 10);
    if (times > 1000000) return error("repetition count too large");
    if (delta_sign == 0) {
      for (unsigned long long i = 0; i <= times; ++i) values.push_back(*base);
      continue;
    }
    std::optional<double> delta = ParseSeriesNumber(delta_text);
    if (!delta || delta_text == "stale") return error("invalid increment");
    const double step = delta_sign == '-' ? -*delta : *delta;
    double current = *base;
    values.push_back(current);
    for (unsigned long long i = 0; i < times; ++i) {
      current += step;
      values.push_back(current);
    }
  }
  return values;
}

}  // namespace inferwatch::rules::promql
