#include "exporter/scrape/scrape_manager.h"

#include "exporter/scrape/scrape_target.h"

#include <xxhash.h>

#include <algorithm>
#include <optional>

namespace inferwatch::exporter::scrape {
namespace {

using Clock = std::chrono::steady_clock;

std::int64_t WallMillis() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Spreads targets over their interval so they are not all scraped at the same instant.
Clock::duration PhaseOffset(const discovery::Target& target) {
  const std::string key = target.Key();
  const std::uint64_t hash = XXH3_64bits(key.data(), key.size());
  const auto interval_ms = std::max<std::int64_t>(1, target.interval.count());
  return std::chrono::milliseconds(
      static_cast<std::int64_t>(hash % static_cast<std::uint64_t>(interval_ms)));
}

}  // namespace

ScrapeManager::ScrapeManager(store::ShortTermStore& store, ScrapeMetrics& metrics,
                             const Normalizer& normalizer, log::Logger& logger, Options options)
    : store_(store),
      metrics_(metrics),
      normalizer_(normalizer),
      logger_(logger),
      options_(options) {
  options_.workers = std::max<std::size_t>(1, options_.workers);
}

ScrapeManager::~ScrapeManager() {
  Stop();
}

void ScrapeManager::Start() {
  std::lock_guard lock(mutex_);
  if (running_) return;
  running_ = true;
  stopping_ = false;
  UpdateReadiness();
  scheduler_ = std::thread([this] { ScheduleLoop(); });
  for (std::size_t i = 0; i < options_.workers; ++i) {
    workers_.emplace_back([this] { WorkerLoop(); });
  }
}

void ScrapeManager::Stop() {
  {
    std::lock_guard lock(mutex_);
    if (!running_) return;
    stopping_ = true;
  }
  schedule_cv_.notify_all();
  work_cv_.notify_all();
  if (scheduler_.joinable()) scheduler_.join();
  for (auto& worker : workers_) worker.join();
  workers_.clear();
  std::lock_guard lock(mutex_);
  queue_.clear();
  running_ = false;
}

void ScrapeManager::SetTargets(std::vector<discovery::Target> targets) {
  std::vector<std::shared_ptr<Entry>> removed;
  {
    std::lock_guard lock(mutex_);
    std::map<std::string, std::shared_ptr<Entry>> next;
    const auto now = Clock::now();
    for (auto& target : targets) {
      const std::string key = target.Key();
      auto existing = entries_.find(key);
      if (existing != entries_.end()) {
        auto entry = existing->second;
        {
          std::lock_guard entry_lock(entry->mutex);
          if (entry->target.interval != target.interval) {
            entry->next_due = now + PhaseOffset(target);
          }
          entry->target = std::move(target);
          entry->status.target = entry->target;
        }
        next.emplace(key, std::move(entry));
        entries_.erase(existing);
        continue;
      }
      auto entry = std::make_shared<Entry>();
      entry->next_due = now + PhaseOffset(target);
      entry->status.target = target;
      entry->target = std::move(target);
      next.emplace(key, std::move(entry));
    }
    for (auto& [key, entry] : entries_) removed.push_back(entry);
    entries_ = std::move(next);
    UpdateReadiness();
  }
  const std::int64_t now_ms = WallMillis();
  for (const auto& entry : removed) {
    std::lock_guard entry_lock(entry->mutex);
    entry->removed = true;
    store_.MarkSourceStale(entry->target.Key(), now_ms);
    metrics_.Remove(entry->target);
    logger_.Info("target removed", {{"job", entry->target.job}, {"target", entry->target.address}});
  }
  schedule_cv_.notify_all();
}

void ScrapeManager::ScheduleLoop() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    // One pass per wake-up hands out every due target and finds the next due time: with
    // thousands of targets a wake-up per scrape that also rescans is what would cost the CPU.
    const auto now = Clock::now();
    std::optional<Clock::time_point> next_due;
    for (const auto& [key, entry] : entries_) {
      if (entry->in_flight) continue;
      if (entry->next_due > now) {
        if (!next_due || entry->next_due < *next_due) next_due = entry->next_due;
        continue;
      }
      // Keep the phase; a target that fell behind skips the missed slots instead of bursting.
      const auto interval =
          std::max<Clock::duration>(entry->target.interval, std::chrono::milliseconds(1));
      entry->next_due += interval;
      if (entry->next_due <= now) {
        const auto behind = (now - entry->next_due) / interval + 1;
        entry->next_due += behind * interval;
      }
      entry->in_flight = true;
      queue_.push_back(entry);
      work_cv_.notify_one();
    }
    planned_wake_ = next_due.value_or(Clock::time_point::max());
    if (next_due) {
      schedule_cv_.wait_until(lock, *next_due);
    } else {
      schedule_cv_.wait(lock);
    }
  }
}

void ScrapeManager::WorkerLoop() {
  while (true) {
    std::shared_ptr<Entry> entry;
    {
      std::unique_lock lock(mutex_);
      work_cv_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      entry = queue_.front();
      queue_.pop_front();
    }
    RunScrape(entry);
    bool wake_scheduler = false;
    {
      std::lock_guard lock(mutex_);
      entry->in_flight = false;
      entry->attempted = true;
      UpdateReadiness();
      // The scheduler skipped this target while it was in flight; it only needs waking when the
      // target is due before the time it already plans to wake up.
      wake_scheduler = entry->next_due < planned_wake_;
    }
    if (wake_scheduler) schedule_cv_.notify_all();
  }
}

void ScrapeManager::RunScrape(const std::shared_ptr<Entry>& entry) {
  discovery::Target target;
  {
    std::lock_guard entry_lock(entry->mutex);
    if (entry->removed) return;
    target = entry->target;
  }
  const std::int64_t now_ms = WallMillis();
  ScrapeReport report = ScrapeTarget(target, normalizer_, now_ms);
  const bool up = report.error == ScrapeError::kNone;

  std::lock_guard entry_lock(entry->mutex);
  if (entry->removed) return;
  const std::size_t stored = report.samples.size();
  const std::string key = target.Key();
  if (up) {
    store_.AppendBatch(key, std::move(report.samples), now_ms);
  } else {
    store_.MarkSourceStale(key, now_ms);
  }
  ScrapeMetrics::Outcome outcome;
  outcome.up = up;
  outcome.duration_seconds = report.duration_seconds;
  outcome.samples = up ? static_cast<double>(stored) : 0;
  outcome.unmapped_series = static_cast<double>(report.unmapped_series);
  outcome.error = report.error;
  metrics_.Record(target, outcome);

  TargetStatus& status = entry->status;
  const std::string previous_health = status.health;
  status.health = up ? "up" : "down";
  status.last_error =
      up ? "" : std::string(ScrapeErrorReason(report.error)) + ": " + report.message;
  status.last_scrape = std::chrono::system_clock::time_point(std::chrono::milliseconds(now_ms));
  status.last_duration_seconds = report.duration_seconds;
  status.samples = up ? stored : 0;
  status.unmapped_series = report.unmapped_series;
  if (!report.engine.empty()) status.engine = report.engine;
  if (!report.version.empty()) status.version = report.version;
  if (previous_health != status.health) {
    if (up) {
      logger_.Info("target up", {{"job", target.job},
                                 {"target", target.address},
                                 {"engine", status.engine},
                                 {"version", status.version}});
    } else {
      logger_.Warn("scrape failed",
                   {{"job", target.job}, {"target", target.address}, {"err", status.last_error}});
    }
  }
}

void ScrapeManager::UpdateReadiness() {
  if (ready_ || !running_) return;
  ready_ = std::all_of(entries_.begin(), entries_.end(),
                       [](const auto& item) { return item.second->attempted; });
}

std::vector<TargetStatus> ScrapeManager::Status() const {
  std::vector<std::shared_ptr<Entry>> entries;
  {
    std::lock_guard lock(mutex_);
    for (const auto& [key, entry] : entries_) entries.push_back(entry);
  }
  std::vector<TargetStatus> out;
  out.reserve(entries.size());
  for (const auto& entry : entries) {
    std::lock_guard entry_lock(entry->mutex);
    out.push_back(entry->status);
  }
  return out;
}

bool ScrapeManager::FirstRoundAttempted() const {
  std::lock_guard lock(mutex_);
  return ready_;
}

}  // namespace inferwatch::exporter::scrape
