// Runs every loaded rule group on its own interval for the daemon, and exposes per-group health
// (last duration, failures) and alert state. Thread-compatible: callers serialise access.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "rules/manager/group_evaluator.h"
#include "rules/manager/output_sink.h"
#include "rules/promql/engine.h"
#include "rules/promql/subexpression_cache.h"
#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/model.h"

namespace inferwatch::rules::manager {

struct ManagerOptions {
  std::int64_t default_interval_ms = 60000;  // for groups without `interval`
  templating::LabelMap external_labels;
  std::string external_url;
  std::int64_t lookback_delta_ms = 300000;
};

struct GroupStatus {
  std::string name;
  std::string file;
  std::int64_t interval_ms = 0;
  std::int64_t last_eval_ms = -1;  // -1 before the first evaluation
  double last_duration_seconds = 0;
  std::uint64_t failures = 0;  // evaluation failures since load, all rules together
  std::vector<RuleStatus> rules;
};

class RuleManager {
 public:
  explicit RuleManager(ManagerOptions options = {});

  // Loads the files and replaces the groups when none has an error; otherwise keeps the current
  // groups. Returns every diagnostic (warnings too). Groups keep file order, then group order.
  std::vector<rulefile::Diagnostic> Load(const std::vector<std::string>& files);
  // Replaces the groups with already-loaded ones (tests, the unit-test runner).
  void SetGroups(std::vector<rulefile::RuleGroup> groups);

  // Evaluates each group whose interval boundary (a multiple of its interval) has passed since
  // its last evaluation, at that boundary's timestamp. Returns how many groups ran.
  int EvaluateDue(std::int64_t now_ms, const Storage& storage, OutputSink& sink);
  // Evaluates every group at t_ms, in order (the unit-test runner's step).
  void EvaluateAll(std::int64_t t_ms, const Storage& storage, OutputSink& sink);

  std::vector<GroupStatus> Status() const;
  // Every series the rules wrote in their last evaluation and have not ended with a staleness
  // marker: what a retired manager must end.
  std::vector<Labels> LiveSeries() const;
  const std::vector<std::unique_ptr<GroupEvaluator>>& groups() const { return groups_; }
  const promql::SubexpressionCache& shared_subexpressions() const { return *shared_; }

 private:
  ManagerOptions options_;
  std::vector<std::unique_ptr<GroupEvaluator>> groups_;
  std::unique_ptr<promql::SubexpressionCache> shared_;  // over groups_' expressions
};

}  // namespace inferwatch::rules::manager
