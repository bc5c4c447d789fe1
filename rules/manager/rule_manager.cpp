#include "rules/manager/rule_manager.h"

#include <unordered_set>

#include "rules/rulefile/loader.h"

namespace inferwatch::rules::manager {

RuleManager::RuleManager(ManagerOptions options) : options_(std::move(options)) {
  SetGroups({});
}

std::vector<rulefile::Diagnostic> RuleManager::Load(const std::vector<std::string>& files) {
  std::vector<rulefile::Diagnostic> diagnostics;
  std::vector<rulefile::RuleGroup> groups;
  bool failed = false;
  rulefile::LoadOptions load_options;
  load_options.default_interval_ms = options_.default_interval_ms;
  for (const std::string& file : files) {
    rulefile::LoadResult result = rulefile::LoadRuleFile(file, load_options);
    failed |= !result.ok();
    diagnostics.insert(diagnostics.end(), result.diagnostics.begin(), result.diagnostics.end());
    for (auto& group : result.groups) groups.push_back(std::move(group));
  }
  if (!failed) SetGroups(std::move(groups));
  return diagnostics;
}

void RuleManager::SetGroups(std::vector<rulefile::RuleGroup> groups) {
  groups_.clear();
  TemplateContext context{options_.external_labels, options_.external_url};
  for (auto& group : groups) {
    const std::int64_t interval =
        group.interval_ms > 0 ? group.interval_ms : options_.default_interval_ms;
    groups_.push_back(std::make_unique<GroupEvaluator>(std::move(group), interval, context));
  }
  std::vector<const promql::Expr*> expressions;
  std::unordered_set<std::string> written = {"ALERTS", "ALERTS_FOR_STATE"};
  for (const auto& group : groups_) {
    for (const rulefile::Rule& rule : group->group().rules) {
      if (rule.parsed) expressions.push_back(rule.parsed.get());
      if (rule.kind == rulefile::RuleKind::kRecord) written.insert(rule.name);
    }
  }
  shared_ = std::make_unique<promql::SubexpressionCache>(expressions, written);
}

int RuleManager::EvaluateDue(std::int64_t now_ms, const Storage& storage, OutputSink& sink) {
  int evaluated = 0;
  for (auto& group : groups_) {
    const std::int64_t interval = group->interval_ms() > 0 ? group->interval_ms() : 60000;
    const std::int64_t boundary = now_ms - ((now_ms % interval) + interval) % interval;
    if (group->last_eval_ms() >= 0 && boundary <= group->last_eval_ms()) continue;
    promql::EvalOptions options;
    options.lookback_delta_ms = options_.lookback_delta_ms;
    options.default_subquery_step_ms = interval;
    options.shared = shared_.get();
    group->Evaluate(boundary, storage, sink, options);
    ++evaluated;
  }
  return evaluated;
}

void RuleManager::EvaluateAll(std::int64_t t_ms, const Storage& storage, OutputSink& sink) {
  for (auto& group : groups_) {
    promql::EvalOptions options;
    options.lookback_delta_ms = options_.lookback_delta_ms;
    options.default_subquery_step_ms = group->interval_ms();
    options.shared = shared_.get();
    group->Evaluate(t_ms, storage, sink, options);
  }
}

std::vector<Labels> RuleManager::LiveSeries() const {
  std::vector<Labels> live;
  for (const auto& group : groups_) group->AppendLiveSeries(live);
  return live;
}

std::vector<GroupStatus> RuleManager::Status() const {
  std::vector<GroupStatus> status;
  for (const auto& group : groups_) {
    status.push_back(GroupStatus{group->group().name, group->group().pos.file, group->interval_ms(),
                                 group->last_eval_ms(), group->last_duration_seconds(),
                                 group->failures(), group->rule_status()});
  }
  return status;
}

}  // namespace inferwatch::rules::manager
