#include <cctype>
#include <string_view>

#include "parsers/exposition.h"

namespace inferwatch::parsers {
namespace {

bool ContainsIgnoreCase(std::string_view haystack, std::string_view needle) {
  if (needle.size() > haystack.size()) return false;
  for (std::size_t start = 0; start + needle.size() <= haystack.size(); ++start) {
    std::size_t i = 0;
    while (i < needle.size() &&
           std::tolower(static_cast<unsigned char>(haystack[start + i])) == needle[i]) {
      ++i;
    }
    if (i == needle.size()) return true;
  }
  return false;
}

}  // namespace

Format DetectFormat(std::string_view content_type, std::string_view body) {
  if (ContainsIgnoreCase(content_type, "application/openmetrics-text")) return Format::kOpenMetrics;
  if (ContainsIgnoreCase(content_type, "text/plain")) return Format::kPrometheusText;
  // An OpenMetrics payload must end with "# EOF" and an optional newline; 0.0.4 has no such line.
  std::string_view tail = body;
  if (!tail.empty() && tail.back() == '\n') tail.remove_suffix(1);
  constexpr std::string_view kEof = "# EOF";
  if (tail.size() >= kEof.size() && tail.substr(tail.size() - kEof.size()) == kEof) {
    const std::size_t before = tail.size() - kEof.size();
    if (before == 0 || tail[before - 1] == '\n') return Format::kOpenMetrics;
  }
  return Format::kPrometheusText;
}

}  // namespace inferwatch::parsers
