// The per-target self series of the scrape loop, in the process's prometheus-cpp registry.
#pragma once

#include <map>
#include <mutex>
#include <string>

#include <prometheus/counter.h>
#include <prometheus/family.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include "exporter/discovery/target.h"
#include "exporter/scrape/http_fetch.h"

namespace inferwatch::exporter::scrape {

class ScrapeMetrics {
 public:
  explicit ScrapeMetrics(prometheus::Registry& registry);

  struct Outcome {
    bool up = false;
    double duration_seconds = 0;
    double samples = 0;  // canonical samples stored
    double unmapped_series = 0;
    ScrapeError error = ScrapeError::kNone;
  };
  void Record(const discovery::Target& target, const Outcome& outcome);
  // The target is gone: its self series leave /metrics.
  void Remove(const discovery::Target& target);

 private:
  struct PerTarget {
    prometheus::Gauge* up;
    prometheus::Gauge* duration;
    prometheus::Gauge* samples;
    prometheus::Gauge* unmapped;
    std::map<ScrapeError, prometheus::Counter*> errors;
  };
  PerTarget& Get(const discovery::Target& target);

  std::mutex mutex_;
  prometheus::Family<prometheus::Gauge>& up_;
  prometheus::Family<prometheus::Gauge>& duration_;
  prometheus::Family<prometheus::Gauge>& samples_;
  prometheus::Family<prometheus::Gauge>& unmapped_;
  prometheus::Family<prometheus::Counter>& errors_;
  std::map<std::string, PerTarget> targets_;
};

}  // namespace inferwatch::exporter::scrape
