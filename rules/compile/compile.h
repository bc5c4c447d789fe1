// Prints rule groups as a Prometheus rule file, so what inferwatch evaluates in-process (domain
// sections included) also runs unchanged in Prometheus, Thanos or Mimir rulers.
#pragma once

#include <ostream>
#include <string>
#include <vector>

#include "rules/rulefile/model.h"

namespace inferwatch::rules::compile {

// One YAML document with a top-level `groups:` list.
void WriteRuleGroups(const std::vector<rulefile::RuleGroup>& groups, std::ostream& out);

// Loads every file and prints all their groups as one document on out. Problems go to err as
// FILE:LINE:COL: message. Returns 0, 1 when a file has errors or two files share a group name,
// 2 when a file cannot be read.
int CompileFiles(const std::vector<std::string>& files, std::ostream& out, std::ostream& err);

}  // namespace inferwatch::rules::compile
