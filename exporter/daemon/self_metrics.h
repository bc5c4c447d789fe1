// Process-level self series: build info, configuration reloads, store size, rule group health.
#pragma once

#include <cstddef>
#include <map>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

namespace inferwatch::exporter::daemon {

class SelfMetrics {
 public:
  explicit SelfMetrics(prometheus::Registry& registry);

  void RecordReload(bool success, double unix_seconds);
  void RecordRuleGroup(const std::string& group, double duration_seconds, bool failed,
                       double unix_seconds);
  void AddRuleFailures(const std::string& group, double failures);
  // What the short-term store held after its last compaction.
  void RecordStore(std::size_t series, std::size_t points);
  // Groups no longer loaded leave /metrics.
  void RetainRuleGroups(const std::map<std::string, bool>& groups);

 private:
  struct Group;
  Group& GroupSeries(const std::string& group);  // requires mutex_

  struct Group {
    prometheus::Gauge* duration;
    prometheus::Counter* failures;
    prometheus::Gauge* last_evaluation;
  };

  std::mutex mutex_;
  prometheus::Gauge& reload_successful_;
  prometheus::Gauge& reload_timestamp_;
  prometheus::Gauge& store_series_;
  prometheus::Gauge& store_points_;
  prometheus::Family<prometheus::Gauge>& group_duration_;
  prometheus::Family<prometheus::Counter>& group_failures_;
  prometheus::Family<prometheus::Gauge>& group_last_evaluation_;
  std::map<std::string, Group> groups_;
};

}  // namespace inferwatch::exporter::daemon
