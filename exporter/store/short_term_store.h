// The daemon's short-term store: the recent points of every canonical and derived series, as much
// as rule evaluation needs. Scrapes and rule groups write; rule evaluation and /metrics read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/storage.h"

namespace inferwatch::exporter::store {

struct Sample {
  rules::Labels labels;
  rules::SamplePoint point;
};

class ShortTermStore final : public rules::Storage {
 public:
  struct Options {
    std::chrono::milliseconds retention{std::chrono::hours(1)};
    std::size_t max_points_per_series = 1024;
    // A series with no new point for this long is no longer current (Prometheus's lookback).
    std::chrono::milliseconds lookback{std::chrono::minutes(5)};
  };

  ShortTermStore() : ShortTermStore(Options{}) {}
  explicit ShortTermStore(Options options) : options_(options) {}

  void SetOptions(Options options);

  // Records one complete result of `source` (a scrape target or a rule group): appends every
  // sample, and a staleness marker at `now_ms` for each series the source reported last time but
  // not this time. Out-of-order points for a series are dropped.
  void AppendBatch(const std::string& source, std::vector<Sample> samples, std::int64_t now_ms);
  // Appends points whose staleness the writer tracks itself (rule outputs: the rule manager
  // writes its own staleness markers).
  void AppendUntracked(std::vector<Sample> samples);
  // The source failed or went away: every series it reported gets a staleness marker.
  void MarkSourceStale(const std::string& source, std::int64_t now_ms);
  // Forgets points older than the retention and series left without points.
  void Compact(std::int64_t now_ms);

  // Series of one metric name come in label order; a selection across names does not promise it.
  VisitOrder Select(std::span<const rules::LabelMatcher> matchers, std::int64_t mint_ms,
                    std::int64_t maxt_ms, const SeriesVisitor& visit) const override;

  // Visits the newest point of every series that is current at now_ms: not ended by a staleness
  // marker and updated within the lookback. Ordered by metric name, then labels.
  using CurrentVisitor = std::function<void(const rules::Labels&, const rules::SamplePoint&)>;
  void ForEachCurrent(std::int64_t now_ms, const CurrentVisitor& visit) const;

  std::size_t SeriesCount() const;

 private:
  struct Series {
    rules::Labels labels;
    std::uint64_t hash = 0;
    std::vector<rules::SamplePoint> points;  // time order
    std::uint64_t batch_stamp = 0;           // the last AppendBatch that reported this series
  };
  // Series of one metric name in label order, as Prometheus's storage returns them (topk ties and
  // the evaluator's output order depend on it). New series wait in arrival order past
  // sorted_prefix until the write that created them ends.
  struct NameEntry {
    std::vector<Series*> series;
    std::size_t sorted_prefix = 0;
    // Postings built on first use, per label name: value -> positions in `series`, ascending.
    // Selections like llm_slo_burn_rate{slo="ttft",window="1h"} then touch their own series
    // instead of every series of the name. Any change of `series` drops them; they are built
    // under a shared lock, hence their own mutex.
    using Postings = std::unordered_map<std::string, std::vector<std::uint32_t>>;
    mutable std::mutex postings_mutex;
    mutable std::unordered_map<std::string, Postings> postings;
    const std::vector<std::uint32_t>* PostingsFor(const std::string& label,
                                                  const std::string& value) const;
  };
  void SortNewSeries();
  void AppendPoint(Series& series, rules::SamplePoint point) const;
  Series* Find(const rules::Labels& labels, std::uint64_t hash) const;
  // Takes the labels only when it creates the series.
  Series& FindOrCreate(rules::Labels& labels, std::uint64_t hash);

  mutable std::shared_mutex mutex_;
  Options options_;
  // Owns every series.
  std::vector<std::unique_ptr<Series>> owned_;
  // Every series by label-set hash, open-addressed: a look-up compares one label set, not log(n),
  // and each probe reads one flat slot, not a node of its own. Rule outputs look up their series
  // every round, hundreds of thousands of them in a large fleet.
  struct Slot {
    std::uint64_t hash = 0;
    Series* series = nullptr;  // null: free
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  void Index(Series* series);
  void Reindex(std::size_t capacity);
  std::map<std::string, NameEntry, std::less<>> by_name_;
  // The series each source reported in its last batch, in that batch's order: the next batch
  // usually repeats it, so a sample is matched to its series without hashing.
  std::unordered_map<std::string, std::vector<Series*>> by_source_;
  std::uint64_t batch_counter_ = 0;
  // The series of the last AppendUntracked call in its order, with the address of each one's
  // label set: rule outputs come in the same order every round with the same label sets, so a
  // sample finds its series by one address comparison instead of a probe of slots_. A series
  // holds its label set, so an address cannot be reused while the series lives; Compact, which
  // frees series, clears these.
  std::vector<Series*> untracked_order_;
  std::vector<const void*> untracked_addresses_;
  std::vector<NameEntry*> unsorted_;  // entries with new series in this write
};

}  // namespace inferwatch::exporter::store
