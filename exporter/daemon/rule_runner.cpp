#include "exporter/daemon/rule_runner.h"

#include <algorithm>
#include <chrono>
#include <map>

#include <fmt/format.h>

#include "rules/manager/rule_manager.h"

namespace inferwatch::exporter::daemon {
namespace {

// Collects one evaluation's outputs for the store. The rule manager knows which series are live
// (what each rule wrote last), so a retired runner asks it what to end.
class StoreSink final : public rules::manager::OutputSink {
 public:
  void Append(const rules::Labels& labels, std::int64_t t_ms, double value) override {
    samples_.push_back({labels, {t_ms, value}});
  }
  std::vector<store::Sample> Take() { return std::move(samples_); }

 private:
  std::vector<store::Sample> samples_;
};

class ManagedRules final : public RuleRunner {
 public:
  explicit ManagedRules(std::unique_ptr<rules::manager::RuleManager> manager,
                        std::int64_t lookback_ms)
      : manager_(std::move(manager)),
        needs_(std::make_shared<rules::manager::RetentionNeeds>(manager_->groups(), lookback_ms)) {}

  void EvaluateDue(std::int64_t now_ms, store::ShortTermStore& store, SelfMetrics& metrics,
                   log::Logger& logger) override {
    StoreSink sink;
    if (manager_->EvaluateDue(now_ms, store, sink) == 0) return;
    store.AppendUntracked(sink.Take());
    for (const auto& group : manager_->Status()) {
      auto& seen = last_seen_[group.name];
      if (group.last_eval_ms < 0 || group.last_eval_ms == seen.last_eval_ms) continue;
      const bool failed = group.failures > seen.failures;
      metrics.RecordRuleGroup(group.name, group.last_duration_seconds, false,
                              static_cast<double>(group.last_eval_ms) / 1000.0);
      if (failed) {
        metrics.AddRuleFailures(group.name, static_cast<double>(group.failures - seen.failures));
        for (const auto& rule : group.rules) {
          if (!rule.last_error.empty()) {
            logger.Warn("rule evaluation failed",
                        {{"group", group.name}, {"rule", rule.name}, {"err", rule.last_error}});
          }
        }
      }
      seen = {group.last_eval_ms, group.failures};
    }
  }

  std::vector<std::string> GroupNames() const override {
    std::vector<std::string> names;
    for (const auto& group : manager_->Status()) names.push_back(group.name);
    return names;
  }

  void Retire(std::int64_t now_ms, store::ShortTermStore& store) override {
    std::vector<store::Sample> ends;
    for (auto& labels : manager_->LiveSeries()) {
      ends.push_back({std::move(labels), {now_ms, rules::StaleNaN()}});
    }
    store.AppendUntracked(std::move(ends));
  }

  std::shared_ptr<const rules::manager::RetentionNeeds> Needs() const override { return needs_; }

 private:
  struct Seen {
    std::int64_t last_eval_ms = -1;
    std::uint64_t failures = 0;
  };
  std::unique_ptr<rules::manager::RuleManager> manager_;
  std::shared_ptr<const rules::manager::RetentionNeeds> needs_;
  std::map<std::string, Seen> last_seen_;
};

}  // namespace

std::variant<std::unique_ptr<RuleRunner>, std::string> LoadRuleRunner(
    const std::vector<std::string>& files, std::chrono::milliseconds evaluation_interval) {
  rules::manager::ManagerOptions options;
  options.default_interval_ms = evaluation_interval.count();
  auto manager = std::make_unique<rules::manager::RuleManager>(options);
  if (!files.empty()) {
    const auto diagnostics = manager->Load(files);
    if (rules::rulefile::HasErrors(diagnostics)) {
      std::string message;
      for (const auto& diagnostic : diagnostics) {
        if (diagnostic.severity != rules::rulefile::Severity::kError) continue;
        if (!message.empty()) message += '\n';  // one per line, as `rules check` prints them
        message += rules::rulefile::FormatDiagnostic(diagnostic);
      }
      return message;
    }
  }
  return std::unique_ptr<RuleRunner>(
      std::make_unique<ManagedRules>(std::move(manager), options.lookback_delta_ms));
}

std::function<std::chrono::milliseconds(const rules::Labels&)> KeepPolicy(
    std::shared_ptr<const rules::manager::RetentionNeeds> needs,
    std::chrono::milliseconds lookback) {
  return [needs = std::move(needs), lookback](const rules::Labels& labels) {
    const auto read = std::chrono::milliseconds(needs->For(labels));
    if (read >= std::chrono::milliseconds::max() - std::chrono::minutes(1)) return read;
    return std::max(read, lookback) + std::chrono::minutes(1);
  };
}

}  // namespace inferwatch::exporter::daemon
