// A problem found in a rule file, located by file, line and column so editors can jump to it.
#pragma once

#include <string>
#include <vector>

namespace inferwatch::rules::rulefile {

enum class Severity { kError, kWarning };

struct Diagnostic {
  std::string file;
  int line = 0;    // 1-based; 0 when the problem has no position (an unreadable file)
  int column = 0;  // 1-based byte column; 0 when unknown
  std::string message;
  Severity severity = Severity::kError;
};

// "FILE:LINE:COL: message" ("FILE: message" without a position); warnings say "warning: ".
std::string FormatDiagnostic(const Diagnostic& diagnostic);

bool HasErrors(const std::vector<Diagnostic>& diagnostics);

}  // namespace inferwatch::rules::rulefile
