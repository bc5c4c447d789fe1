#include "rules/sections/promql_text.h"

#include <fmt/format.h>

#include "rules/text/quote.h"

namespace inferwatch::rules::sections {

std::string FormatNumber(double value) {
  if (value == 0) return "0";
  return fmt::format("{:.12g}", value);
}

std::string QuoteString(std::string_view text) {
  return QuoteLabelValue(text);
}

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (const std::string& label : labels) {
    if (!out.empty()) out += ", ";
    out += label;
  }
  return out;
}

std::string RegexQuote(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (std::string_view("\\.+*?()|[]{}^$").find(c) != std::string_view::npos) out += '\\';
    out += c;
  }
  return out;
}

std::string LeRegex(double bound) {
  const std::string text = FormatNumber(bound);
  if (text.find_first_of("eE") != std::string::npos) return RegexQuote(text);
  if (text.find('.') == std::string::npos) return text + "(\\.0*)?";
  return RegexQuote(text) + "0*";
}

std::string ReplaceAll(std::string text, std::string_view from, std::string_view to) {
  if (from.empty()) return text;
  std::size_t pos = 0;
  while ((pos = text.find(from, pos)) != std::string::npos) {
    text.replace(pos, from.size(), to);
    pos += to.size();
  }
  return text;
}

}  // namespace inferwatch::rules::sections
