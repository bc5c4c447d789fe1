// Runs the configured rule files over the short-term store and writes their outputs (record
// series and ALERTS) back into it, so /metrics serves them and later groups can read them.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "exporter/daemon/self_metrics.h"
#include "exporter/log/logger.h"
#include "exporter/store/short_term_store.h"
#include "rules/manager/retention_needs.h"

namespace inferwatch::exporter::daemon {

class RuleRunner {
 public:
  virtual ~RuleRunner() = default;
  // Evaluates the groups due at now_ms.
  virtual void EvaluateDue(std::int64_t now_ms, store::ShortTermStore& store, SelfMetrics& metrics,
                           log::Logger& logger) = 0;
  virtual std::vector<std::string> GroupNames() const = 0;
  // The runner is being replaced (reload): every output it still holds ends now.
  virtual void Retire(std::int64_t now_ms, store::ShortTermStore& store) = 0;
  // How far back the rules read each series.
  virtual std::shared_ptr<const rules::manager::RetentionNeeds> Needs() const = 0;
};

// The store's ShortTermStore::Options::keep_for for these rules: what they read of each series,
// at least the lookback (/metrics serves a series while its newest point is that recent), plus a
// minute for compaction's 10 s period and late scrapes.
std::function<std::chrono::milliseconds(const rules::Labels&)> KeepPolicy(
    std::shared_ptr<const rules::manager::RetentionNeeds> needs,
    std::chrono::milliseconds lookback);

// Loads and checks the rule files; returns the reason on failure (naming file, line and cause).
std::variant<std::unique_ptr<RuleRunner>, std::string> LoadRuleRunner(
    const std::vector<std::string>& files, std::chrono::milliseconds evaluation_interval);

}  // namespace inferwatch::exporter::daemon
