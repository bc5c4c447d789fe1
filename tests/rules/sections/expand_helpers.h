// Runs one registered section kind over YAML text, as the rule-file loader does.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/model.h"

namespace inferwatch::rules::sections::testing {

struct Expansion {
  std::vector<rulefile::RuleGroup> groups;
  std::vector<rulefile::Diagnostic> diagnostics;
  std::string Messages() const;  // every diagnostic, formatted, one per line
  // The rules recording `name` across all groups.
  std::vector<const rulefile::Rule*> Recording(std::string_view name) const;
  const rulefile::RuleGroup* Group(std::string_view name) const;
};

// `yaml` is a whole rule file whose top-level key `key` is handed to that kind.
Expansion Expand(std::string_view key, const std::string& yaml);

// Empty when `expr` parses as PromQL, else the parser's message.
std::string ParseProblem(const std::string& expr);

std::string LabelValue(const rulefile::Rule& rule, std::string_view label);

}  // namespace inferwatch::rules::sections::testing
