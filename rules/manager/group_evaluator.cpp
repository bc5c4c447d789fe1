#include "rules/manager/group_evaluator.h"

#include <algorithm>
#include <chrono>
#include <span>

#include <fmt/format.h>

#include "rules/manager/overlay_storage.h"
#include "rules/stable_sort_small.h"

namespace inferwatch::rules::manager {

namespace {

// A rule's query result as an instant vector (a scalar becomes one label-less sample), as
// Prometheus's EngineQueryFunc converts it.
std::variant<promql::Vector, std::string> EvalToVector(const rulefile::Rule& rule,
                                                       const Storage& storage, std::int64_t t_ms,
                                                       const promql::EvalOptions& options) {
  auto evaluated = promql::EvalInstant(*rule.parsed, storage, t_ms, options);
  if (auto* error = std::get_if<promql::EvalError>(&evaluated)) return error->message;
  promql::Value& value = std::get<promql::Value>(evaluated);
  if (auto* vector = std::get_if<promql::Vector>(&value.data)) return std::move(*vector);
  if (auto* scalar = std::get_if<promql::Scalar>(&value.data)) {
    return promql::Vector{promql::VectorSample{Labels(), scalar->value, t_ms}};
  }
  return std::string("rule result is not a vector or scalar");
}

std::variant<promql::Vector, std::string> RecordOutputs(const rulefile::Rule& rule,
                                                        promql::Vector vector, std::int64_t t_ms,
                                                        int limit, RememberedOutputs& remembered) {
  // The record name, then the rule's labels, win over the expression's labels, as setting them
  // in that order would.
  std::vector<Labels::View> overrides;
  overrides.emplace_back("__name__", rule.name);
  for (const auto& [name, value] : rule.labels) overrides.emplace_back(name, value);
  StableSortSmall(std::span<Labels::View>(overrides),
                  [](const Labels::View& a, const Labels::View& b) { return a.first < b.first; });
  // Of equal names the last is what setting them in turn would leave.
  std::vector<Labels::View> sorted_overrides;
  for (std::size_t i = 0; i < overrides.size(); ++i) {
    if (i + 1 < overrides.size() && overrides[i + 1].first == overrides[i].first) continue;
    sorted_overrides.push_back(overrides[i]);
  }
  // The expression usually yields the very label sets of the last round, in the same order (an
  // aggregation keeps its groups'), and then so does the rule: no new set per output and round,
  // and the store finds each series by the set it already holds.
  bool replayed = true;
  for (std::size_t i = 0; i < vector.size(); ++i) {
    promql::VectorSample& sample = vector[i];
    sample.t_ms = t_ms;
    if (i < remembered.inputs.size() && remembered.inputs[i].address() == sample.labels.address()) {
      sample.labels = remembered.outputs[i];
      continue;
    }
    replayed = false;
    Labels output = sample.labels.WithOverrides(sorted_overrides);
    if (i < remembered.inputs.size()) {
      remembered.inputs[i] = std::move(sample.labels);
      remembered.outputs[i] = output;
    } else {
      remembered.inputs.push_back(std::move(sample.labels));
      remembered.outputs.push_back(output);
    }
    sample.labels = std::move(output);
  }
  remembered.inputs.resize(vector.size());
  remembered.outputs.resize(vector.size());
  // Replayed outputs are a prefix of a set that passed this check.
  if (!replayed && promql::ContainsSameLabelSet(vector)) {
    remembered = {};
    return std::string("vector contains metrics with the same labelset after applying rule labels");
  }
  if (limit > 0 && static_cast<int>(vector.size()) > limit) {
    return fmt::format("exceeded limit of {} with {} series", limit, vector.size());
  }
  return vector;
}

}  // namespace

GroupEvaluator::GroupEvaluator(rulefile::RuleGroup group, std::int64_t interval_ms,
                               TemplateContext context)
    : group_(std::move(group)), interval_ms_(interval_ms), context_(std::move(context)) {
  previous_series_.resize(group_.rules.size());
  remembered_.resize(group_.rules.size());
  for (std::size_t i = 0; i < group_.rules.size(); ++i) {
    status_.push_back(RuleStatus{group_.rules[i].name, group_.rules[i].kind, {}, -1, 0, 0});
    if (group_.rules[i].kind == rulefile::RuleKind::kAlert) alerts_[i];
  }
}

const AlertingRuleState* GroupEvaluator::alert_state(std::size_t index) const {
  auto it = alerts_.find(index);
  return it == alerts_.end() ? nullptr : &it->second;
}

void GroupEvaluator::AppendLiveSeries(std::vector<Labels>& out) const {
  for (const WrittenSeries& written : previous_series_) {
    out.insert(out.end(), written.labels.begin(), written.labels.end());
  }
}

void GroupEvaluator::Evaluate(std::int64_t t_ms, const Storage& storage, OutputSink& sink,
                              const promql::EvalOptions& options) {
  const auto started = std::chrono::steady_clock::now();
  promql::EvalOptions with_memory = options;
  with_memory.memory = &memory_;
  OverlayStorage overlay(storage);
  overlay.Reserve(last_overlay_series_);
  // A recording rule writes series of one name, each once (current outputs are unique, stale
  // ones are last round's not among them). When no earlier rule of the round wrote that name,
  // none of them can be in the overlay yet.
  bool outputs_are_new = false;
  auto write = [&](const Labels& labels, double value) {
    if (outputs_are_new) {
      overlay.AppendNew(labels, t_ms, value);
    } else {
      overlay.Append(labels, t_ms, value);
    }
    sink.Append(labels, t_ms, value);
  };
  for (std::size_t i = 0; i < group_.rules.size(); ++i) {
    const rulefile::Rule& rule = group_.rules[i];
    RuleStatus& status = status_[i];
    status.last_eval_ms = t_ms;
    const auto rule_started = std::chrono::steady_clock::now();
    auto record_duration = [&] {
      status.last_duration_seconds =
          std::chrono::duration<double>(std::chrono::steady_clock::now() - rule_started).count();
    };
    std::variant<promql::Vector, std::string> outputs =
        std::string("rule has no parsed expression");
    if (rule.parsed) outputs = EvalToVector(rule, overlay, t_ms, with_memory);
    if (auto* vector = std::get_if<promql::Vector>(&outputs)) {
      if (rule.kind == rulefile::RuleKind::kRecord) {
        outputs = RecordOutputs(rule, std::move(*vector), t_ms, group_.limit, remembered_[i]);
      } else {
        outputs = alerts_[i].Update(rule, *vector, t_ms, group_.limit, context_);
      }
    }
    if (auto* error = std::get_if<std::string>(&outputs)) {
      status.last_error = *error;
      ++status.failures;
      ++failures_;
      record_duration();
      continue;
    }
    status.last_error.clear();
    const auto& output = std::get<promql::Vector>(outputs);
    outputs_are_new = false;
    if (rule.kind == rulefile::RuleKind::kRecord) {
      // The rule's labels may set the name too, so take it from what the rule writes.
      const std::vector<Labels>& last_written = previous_series_[i].labels;
      const std::string_view name = !output.empty()         ? output.front().labels.MetricName()
                                    : !last_written.empty() ? last_written.front().MetricName()
                                                            : std::string_view();
      outputs_are_new = !overlay.HasSeriesNamed(name);
    }
    if (promql::SameLabelSetObjects(previous_series_[i].labels, output)) {
      // The series of the last round, none gone stale.
      for (const promql::VectorSample& sample : output) write(sample.labels, sample.value);
      record_duration();
      continue;
    }
    // Series are told apart by their 64-bit label hash (cached in the label set): comparing
    // hashes is what keeps a round linear in the number of outputs.
    WrittenSeries written;
    written.labels.reserve(output.size());
    written.hashes.reserve(output.size());
    for (const promql::VectorSample& sample : output) {
      write(sample.labels, sample.value);
      written.labels.push_back(sample.labels);
      written.hashes.push_back(sample.labels.Hash());
    }
    std::sort(written.hashes.begin(), written.hashes.end());
    const WrittenSeries& previous = previous_series_[i];
    for (std::size_t k = 0; k < previous.labels.size(); ++k) {
      const std::uint64_t hash = previous.labels[k].Hash();
      if (!std::binary_search(written.hashes.begin(), written.hashes.end(), hash)) {
        write(previous.labels[k], StaleNaN());
      }
    }
    previous_series_[i] = std::move(written);
    record_duration();
  }
  last_overlay_series_ = overlay.SeriesCount();
  last_eval_ms_ = t_ms;
  last_duration_seconds_ =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace inferwatch::rules::manager
