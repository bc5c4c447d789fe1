// Evaluates one rule group at one timestamp, in rule order, the way Prometheus's Group.Eval
// does: each rule sees what earlier rules wrote this round; a failing rule is counted and
// skipped without stopping the rest; series a rule stopped producing get staleness markers.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "rules/manager/alert_state.h"
#include "rules/manager/output_sink.h"
#include "rules/promql/engine.h"
#include "rules/promql/eval_memory.h"
#include "rules/rulefile/model.h"

namespace inferwatch::rules::manager {

struct RuleStatus {
  std::string name;
  rulefile::RuleKind kind = rulefile::RuleKind::kRecord;
  std::string last_error;  // empty when the last evaluation succeeded
  std::int64_t last_eval_ms = -1;
  std::uint64_t failures = 0;
  double last_duration_seconds = 0;  // query, labels and output writes of the last evaluation
};

// A recording rule's expression label sets of the last round and the series the rule made of
// each, to reuse while the expression yields the same sets.
struct RememberedOutputs {
  std::vector<Labels> inputs;
  std::vector<Labels> outputs;
};

class GroupEvaluator {
 public:
  GroupEvaluator(rulefile::RuleGroup group, std::int64_t interval_ms, TemplateContext context);

  void Evaluate(std::int64_t t_ms, const Storage& storage, OutputSink& sink,
                const promql::EvalOptions& options);

  const rulefile::RuleGroup& group() const { return group_; }
  std::int64_t interval_ms() const { return interval_ms_; }
  std::int64_t last_eval_ms() const { return last_eval_ms_; }
  double last_duration_seconds() const { return last_duration_seconds_; }
  std::uint64_t failures() const { return failures_; }
  const std::vector<RuleStatus>& rule_status() const { return status_; }
  // The alert state of rule `index` (nullptr for recording rules).
  const AlertingRuleState* alert_state(std::size_t index) const;
  // Appends the series each rule wrote in its last successful evaluation.
  void AppendLiveSeries(std::vector<Labels>& out) const;

 private:
  rulefile::RuleGroup group_;
  std::int64_t interval_ms_;
  TemplateContext context_;
  std::vector<RuleStatus> status_;
  std::map<std::size_t, AlertingRuleState> alerts_;
  struct WrittenSeries {
    std::vector<Labels> labels;
    std::vector<std::uint64_t> hashes;  // of labels, sorted
  };
  std::vector<WrittenSeries> previous_series_;  // per rule, what the last success wrote
  std::vector<RememberedOutputs> remembered_;   // per recording rule
  std::size_t last_overlay_series_ = 0;         // series the last round recorded
  promql::EvalMemory memory_;                   // what the group's expressions reuse per round
  std::int64_t last_eval_ms_ = -1;
  double last_duration_seconds_ = 0;
  std::uint64_t failures_ = 0;
};

}  // namespace inferwatch::rules::manager
