#include "exporter/daemon/self_metrics.h"

namespace inferwatch::exporter::daemon {

SelfMetrics::SelfMetrics(prometheus::Registry& registry)
    : reload_successful_(prometheus::BuildGauge()
                             .Name("inferwatch_config_last_reload_successful")
                             .Help("Whether the last configuration reload attempt succeeded.")
                             .Register(registry)
                             .Add({})),
      reload_timestamp_(prometheus::BuildGauge()
                            .Name("inferwatch_config_last_reload_success_timestamp_seconds")
                            .Help("Timestamp of the last successful configuration reload.")
                            .Register(registry)
                            .Add({})),
      store_series_(prometheus::BuildGauge()
                        .Name("inferwatch_store_series")
                        .Help("Series in the short-term store after its last compaction.")
                        .Register(registry)
                        .Add({})),
      store_points_(prometheus::BuildGauge()
                        .Name("inferwatch_store_points")
                        .Help("Points the short-term store kept at its last compaction.")
                        .Register(registry)
                        .Add({})),
      group_duration_(prometheus::BuildGauge()
                          .Name("inferwatch_rule_group_evaluation_duration_seconds")
                          .Help("Duration of the last evaluation of the rule group.")
                          .Register(registry)),
      group_failures_(prometheus::BuildCounter()
                          .Name("inferwatch_rule_evaluation_failures_total")
                          .Help("Rule evaluations of the group that failed.")
                          .Register(registry)),
      group_last_evaluation_(prometheus::BuildGauge()
                                 .Name("inferwatch_rule_group_last_evaluation_timestamp_seconds")
                                 .Help("Timestamp of the last evaluation of the rule group.")
                                 .Register(registry)) {
  prometheus::BuildGauge()
      .Name("inferwatch_build_info")
      .Help("A metric with a constant '1' value labeled by the inferwatch version.")
      .Register(registry)
      .Add({{"version", INFERWATCH_VERSION}})
      .Set(1);
}

void SelfMetrics::RecordReload(bool success, double unix_seconds) {
  reload_successful_.Set(success ? 1 : 0);
  if (success) reload_timestamp_.Set(unix_seconds);
}

void SelfMetrics::RecordStore(std::size_t series, std::size_t points) {
  store_series_.Set(static_cast<double>(series));
  store_points_.Set(static_cast<double>(points));
}

SelfMetrics::Group& SelfMetrics::GroupSeries(const std::string& group) {
  auto it = groups_.find(group);
  if (it == groups_.end()) {
    const std::map<std::string, std::string> labels = {{"group", group}};
    it = groups_
             .emplace(group, Group{&group_duration_.Add(labels), &group_failures_.Add(labels),
                                   &group_last_evaluation_.Add(labels)})
             .first;
  }
  return it->second;
}

void SelfMetrics::RecordRuleGroup(const std::string& group, double duration_seconds, bool failed,
                                  double unix_seconds) {
  std::lock_guard lock(mutex_);
  Group& series = GroupSeries(group);
  series.duration->Set(duration_seconds);
  if (failed) series.failures->Increment();
  series.last_evaluation->Set(unix_seconds);
}

void SelfMetrics::AddRuleFailures(const std::string& group, double failures) {
  std::lock_guard lock(mutex_);
  GroupSeries(group).failures->Increment(failures);
}

void SelfMetrics::RetainRuleGroups(const std::map<std::string, bool>& groups) {
  std::lock_guard lock(mutex_);
  for (auto it = groups_.begin(); it != groups_.end();) {
    if (groups.contains(it->first)) {
      ++it;
      continue;
    }
    group_duration_.Remove(it->second.duration);
    group_failures_.Remove(it->second.failures);
    group_last_evaluation_.Remove(it->second.last_evaluation);
    it = groups_.erase(it);
  }
}

}  // namespace inferwatch::exporter::daemon
