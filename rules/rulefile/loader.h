// Loads Prometheus rule files (plus registered domain sections) into the rule model, validating
// everything `promtool check rules` does and reporting each problem with FILE:LINE:COL.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/model.h"
#include "rules/text/names.h"

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
using rules::IsValidLabelName;  // one label-name alphabet for PromQL, rule files and sections

}  // namespace inferwatch::rules::rulefile
