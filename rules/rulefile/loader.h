// Loads Prometheus rule files (plus registered domain sections) into the rule model, validating
// everything `promtool check rules` does and reporting each problem with FILE:LINE:COL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/model.h"

namespace inferwatch::rules::rulefile {

struct LoadOptions {
  std::int64_t default_interval_ms = 60000;  // Prometheus's default evaluation_interval
};

struct LoadResult {
  std::vector<RuleGroup> groups;  // only rules that validated; groups keep file order
  std::vector<Diagnostic> diagnostics;
  bool io_error = false;  // the file could not be read
  bool ok() const { return !io_error && !HasErrors(diagnostics); }
};

LoadResult LoadRuleFile(const std::string& path, const LoadOptions& options = {});
// As LoadRuleFile for text already in memory; file_name only labels the diagnostics.
LoadResult LoadRuleText(std::string_view text, const std::string& file_name,
                        const LoadOptions& options = {});

bool IsValidMetricName(std::string_view name);
bool IsValidLabelName(std::string_view name);

}  // namespace inferwatch::rules::rulefile
