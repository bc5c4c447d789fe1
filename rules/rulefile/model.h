// The rule model every source produces: plain Prometheus groups of recording and alerting rules.
// Domain sections expand into the same types, so evaluation and compilation see one shape.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "rules/promql/ast.h"

namespace inferwatch::rules::rulefile {

struct SourcePos {
  std::string file;
  int line = 0;    // 1-based, 0 when unknown
  int column = 0;  // 1-based
};

// Labels and annotations keep the file's order so `rules compile` prints them as written.
using KeyValues = std::vector<std::pair<std::string, std::string>>;

enum class RuleKind { kRecord, kAlert };

struct Rule {
  RuleKind kind = RuleKind::kRecord;
  std::string name;  // the recorded metric name, or the alert name
  std::string expr;
  std::int64_t for_ms = 0;
  std::int64_t keep_firing_for_ms = 0;
  KeyValues labels;
  KeyValues annotations;  // alerts only
  SourcePos pos;          // the rule's first key
  // Set by the loader once `expr` parsed; rules whose expression fails to parse are dropped.
  promql::ExprPtr parsed;
};

struct RuleGroup {
  std::string name;
  std::int64_t interval_ms = 0;  // 0: the global evaluation interval
  int limit = 0;                 // 0: no limit
  std::vector<Rule> rules;
  SourcePos pos;
};

}  // namespace inferwatch::rules::rulefile
