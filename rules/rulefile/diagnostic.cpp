#include "rules/rulefile/diagnostic.h"

#include <algorithm>

#include <fmt/format.h>

namespace inferwatch::rules::rulefile {

std::string FormatDiagnostic(const Diagnostic& diagnostic) {
  const char* prefix = diagnostic.severity == Severity::kWarning ? "warning: " : "";
  if (diagnostic.line <= 0)
    return fmt::format("{}: {}{}", diagnostic.file, prefix, diagnostic.message);
  return fmt::format("{}:{}:{}: {}{}", diagnostic.file, diagnostic.line,
                     std::max(diagnostic.column, 1), prefix, diagnostic.message);
}

bool HasErrors(const std::vector<Diagnostic>& diagnostics) {
  return std::any_of(diagnostics.begin(), diagnostics.end(),
                     [](const Diagnostic& d) { return d.severity == Severity::kError; });
}

}  // namespace inferwatch::rules::rulefile
