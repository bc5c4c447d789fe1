#include "exporter/scrape/scrape_metrics.h"

namespace inferwatch::exporter::scrape {

ScrapeMetrics::ScrapeMetrics(prometheus::Registry& registry)
    : up_(prometheus::BuildGauge()
              .Name("inferwatch_target_up")
              .Help("1 when the last scrape of the target succeeded, else 0.")
              .Register(registry)),
      duration_(prometheus::BuildGauge()
                    .Name("inferwatch_target_scrape_duration_seconds")
                    .Help("Duration of the last scrape of the target.")
                    .Register(registry)),
      samples_(prometheus::BuildGauge()
                   .Name("inferwatch_target_scrape_samples")
                   .Help("Canonical samples the last successful scrape of the target produced.")
                   .Register(registry)),
      unmapped_(prometheus::BuildGauge()
                    .Name("inferwatch_unmapped_series")
                    .Help("Engine series in the last scrape that no mapping table matched.")
                    .Register(registry)),
      errors_(prometheus::BuildCounter()
                  .Name("inferwatch_scrape_errors_total")
                  .Help("Failed scrapes of the target, by reason.")
                  .Register(registry)) {}

ScrapeMetrics::PerTarget& ScrapeMetrics::Get(const discovery::Target& target) {
  auto it = targets_.find(target.Key());
  if (it != targets_.end()) return it->second;
  const std::map<std::string, std::string> labels = {{"target", target.address},
                                                     {"job", target.job}};
  PerTarget series{
      &up_.Add(labels), &duration_.Add(labels), &samples_.Add(labels), &unmapped_.Add(labels), {}};
  // Every reason exists from the start so rate() sees the first failure.
  for (ScrapeError error : kAllScrapeErrors) {
    auto with_reason = labels;
    with_reason["reason"] = std::string(ScrapeErrorReason(error));
    series.errors[error] = &errors_.Add(with_reason);
  }
  return targets_.emplace(target.Key(), series).first->second;
}

void ScrapeMetrics::Record(const discovery::Target& target, const Outcome& outcome) {
  std::lock_guard lock(mutex_);
  PerTarget& series = Get(target);
  series.up->Set(outcome.up ? 1 : 0);
  series.duration->Set(outcome.duration_seconds);
  series.samples->Set(outcome.samples);
  series.unmapped->Set(outcome.unmapped_series);
  if (outcome.error != ScrapeError::kNone) series.errors[outcome.error]->Increment();
}

void ScrapeMetrics::Remove(const discovery::Target& target) {
  std::lock_guard lock(mutex_);
  auto it = targets_.find(target.Key());
  if (it == targets_.end()) return;
  up_.Remove(it->second.up);
  duration_.Remove(it->second.duration);
  samples_.Remove(it->second.samples);
  unmapped_.Remove(it->second.unmapped);
  for (auto& [error, counter] : it->second.errors) errors_.Remove(counter);
  targets_.erase(it);
}

}  // namespace inferwatch::exporter::scrape
