// The scrape loop: every target on its own schedule (phase spread over the interval by a hash of
// the target), run on a bounded pool of workers so a slow or hanging target only ever occupies
// one worker, for at most its timeout.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "exporter/discovery/target.h"
#include "exporter/engines/normalizer.h"
#include "exporter/log/logger.h"
#include "exporter/scrape/scrape_metrics.h"
#include "exporter/store/short_term_store.h"

namespace inferwatch::exporter::scrape {

struct TargetStatus {
  discovery::Target target;
  std::string engine, version;     // detected
  std::string health = "unknown";  // up | down | unknown (not scraped yet)
  std::string last_error;
  std::optional<std::chrono::system_clock::time_point> last_scrape;
  double last_duration_seconds = 0;
  std::size_t samples = 0;
  std::size_t unmapped_series = 0;
};

class ScrapeManager {
 public:
  struct Options {
    std::size_t workers = 16;
  };
  ScrapeManager(store::ShortTermStore& store, ScrapeMetrics& metrics, const Normalizer& normalizer,
                log::Logger& logger, Options options);
  ~ScrapeManager();
  ScrapeManager(const ScrapeManager&) = delete;
  ScrapeManager& operator=(const ScrapeManager&) = delete;

  void Start();
  void Stop();

  // Replaces the target set: new targets start, removed ones stop (their series go stale and
  // their self series leave), changed ones keep their schedule and use the new settings.
  void SetTargets(std::vector<discovery::Target> targets);

  std::vector<TargetStatus> Status() const;
  // True once every target known at the time has been scraped at least once (sticky).
  bool FirstRoundAttempted() const;

 private:
  struct Entry {
    std::mutex mutex;  // guards target, status and removed against a scrape in flight
    discovery::Target target;
    TargetStatus status;
    bool removed = false;
    // Scheduler state, guarded by ScrapeManager::mutex_.
    std::chrono::steady_clock::time_point next_due;
    bool in_flight = false;
    bool attempted = false;
  };

  void ScheduleLoop();
  void WorkerLoop();
  void RunScrape(const std::shared_ptr<Entry>& entry);
  void UpdateReadiness();  // requires mutex_

  store::ShortTermStore& store_;
  ScrapeMetrics& metrics_;
  const Normalizer& normalizer_;
  log::Logger& logger_;
  Options options_;

  mutable std::mutex mutex_;
  std::condition_variable schedule_cv_;
  std::condition_variable work_cv_;
  std::map<std::string, std::shared_ptr<Entry>> entries_;
  std::deque<std::shared_ptr<Entry>> queue_;
  // When the scheduler plans to wake up next (guarded by mutex_).
  std::chrono::steady_clock::time_point planned_wake_ =
      std::chrono::steady_clock::time_point::min();
  bool running_ = false;
  bool stopping_ = false;
  bool ready_ = false;
  std::thread scheduler_;
  std::vector<std::thread> workers_;
};

}  // namespace inferwatch::exporter::scrape
