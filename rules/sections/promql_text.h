// Small builders for the PromQL text the section kinds generate. The text must read the same to
// the in-process evaluator and to Prometheus, so every number is printed as an exact-looking
// decimal (never 0.0009999999999999432) and every label value is quoted as PromQL expects.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace inferwatch::rules::sections {

// Shortest decimal with at most 12 significant digits: 0.001, 14.4, 0.95, 2048.
std::string FormatNumber(double value);
// A PromQL double-quoted string literal with \ and " escaped.
std::string QuoteString(std::string_view text);
// "a, b, c".
std::string JoinLabels(const std::vector<std::string>& labels);
// A regex matching every usual spelling of a bucket bound in `le`: 1 -> 1(\.0*)? so that "1",
// "1.0" (prometheus_client) and "1.00" all match; 0.25 -> 0\.250*.
std::string LeRegex(double bound);
// Escapes RE2 metacharacters so that `text` matches itself.
std::string RegexQuote(std::string_view text);
// Replaces every occurrence of `from` in `text`.
std::string ReplaceAll(std::string text, std::string_view from, std::string_view to);

}  // namespace inferwatch::rules::sections
