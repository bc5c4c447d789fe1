// Runs Prometheus's PromQL test-language files (load / clear / eval instant / eval_ordered /
// eval_fail).
#pragma once

#include <ostream>
#include <string>
#include <vector>

namespace inferwatch::rules::promqltest {

struct RunSummary {
  int passed = 0;
  int failed = 0;
  std::vector<std::string> failures;  // "FILE:LINE: expr" of each failing case
};

// Runs every case of every file, printing each failure (FILE:LINE: expr, expected, got) and a final
// "N passed, M failed" line to out.
RunSummary RunFilesSummary(const std::vector<std::string>& files, std::ostream& out);

// As above; returns the process exit status: 0 only when nothing failed.
int RunFiles(const std::vector<std::string>& files, std::ostream& out);

}  // namespace inferwatch::rules::promqltest
