// The daemon's short-term store: the recent points of every canonical and derived series, as much
// as rule evaluation needs. Scrapes and rule groups write; rule evaluation and /metrics read.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <utility>
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
    // How long each series must keep its points, at most `retention`; unset: `retention`. Asked
    // once per new series, and for every series when the options change.
    std::function<std::chrono::milliseconds(const rules::Labels&)> keep_for;
  };

  ShortTermStore() : ShortTermStore(Options{}) {}
  explicit ShortTermStore(Options options) : options_(std::move(options)) {}
  ShortTermStore(const ShortTermStore&) = delete;
  ShortTermStore& operator=(const ShortTermStore&) = delete;
  ~ShortTermStore() override;

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
  // What a compaction left: the store's size for its self series.
  struct Held {
    std::size_t series = 0;
    std::size_t points = 0;  // that selections can still return
  };
  // Forgets points older than each series keeps and series left without points.
  Held Compact(std::int64_t now_ms);

  // Series of one metric name come in label order; a selection across names does not promise it.
  VisitOrder Select(std::span<const rules::LabelMatcher> matchers, std::int64_t mint_ms,
                    std::int64_t maxt_ms, const SeriesVisitor& visit) const override;

  // Visits the newest point of every series that is current at now_ms: not ended by a staleness
  // marker and updated within the lookback. Ordered by metric name, then labels.
  using CurrentVisitor = std::function<void(const rules::Labels&, const rules::SamplePoint&)>;
  void ForEachCurrent(std::int64_t now_ms, const CurrentVisitor& visit) const;

  std::size_t SeriesCount() const;

 private:
  struct NameEntry;
  // A series' header, followed in the same memory by room for `capacity` points in time order.
  // Memory order is the point: a selection reads, for each series in label order, its header and
  // its newest points, and when those lie one after another the hardware fetches them ahead,
  // where separate allocations all over the heap cost a cache miss each (measured: a 5,000-target
  // round took 1.7x as long).
  struct Series {
    rules::Labels labels;
    std::uint64_t hash = 0;
    std::uint64_t batch_stamp = 0;  // the last AppendBatch that reported this series
    std::int64_t keep_ms = 0;       // Options::keep_for, capped by the retention
    // Points older than this are gone as far as readers can tell: the last compaction's cut-off.
    // Compaction moves a series' kept points only once a quarter of them expired or the series
    // is full, not every time (an hour of points is 4 KiB a series), and selections skip the
    // rest.
    std::int64_t horizon_ms = std::numeric_limits<std::int64_t>::min();
    NameEntry* entry = nullptr;
    std::uint32_t id = 0;  // this series' slot in directory_
    std::uint32_t size = 0;
    std::uint32_t capacity = 0;
    bool in_arena = false;  // else a heap record of its own
    bool live = true;       // false: an arena record whose series moved out or was removed

    rules::SamplePoint* points() { return reinterpret_cast<rules::SamplePoint*>(this + 1); }
    const rules::SamplePoint* points() const {
      return reinterpret_cast<const rules::SamplePoint*>(this + 1);
    }
  };
  static constexpr std::size_t RecordBytes(std::uint32_t capacity) {
    return sizeof(Series) + std::size_t{capacity} * sizeof(rules::SamplePoint);
  }

  // Series of one metric name in label order, as Prometheus's storage returns them (topk ties and
  // the evaluator's output order depend on it). New series wait in arrival order past
  // sorted_prefix until the write that created them ends.
  struct NameEntry {
    std::vector<std::uint32_t> ids;
    std::size_t sorted_prefix = 0;
    // The records of the entry's series in label order as of the last relayout. New series and
    // series that outgrow their room get heap records; while any live series is outside, a
    // selection goes by `ids` instead of walking the arena.
    std::unique_ptr<std::byte[]> arena;
    // Where each arena record starts: a walk that read each record's size to find the next would
    // wait for one cache miss after another; with the starts known it asks for records ahead.
    std::vector<std::size_t> record_starts;
    std::size_t outside = 0;  // live series with heap records
    std::size_t dead = 0;     // arena records no longer live
    std::size_t full = 0;     // arena records that had no room left (at most)
    bool touched = false;     // in touched_: checked for relayout when the write ends
    // Postings built on first use, per label name: value -> positions in `ids`, ascending.
    // Selections like llm_slo_burn_rate{slo="ttft",window="1h"} then touch their own series
    // instead of every series of the name. Any change of `ids` drops them; they are built under
    // a shared lock, hence their own mutex.
    using Postings = std::unordered_map<std::string, std::vector<std::uint32_t>>;
    mutable std::mutex postings_mutex;
    mutable std::unordered_map<std::string, Postings> postings;
    const std::vector<std::uint32_t>* PostingsFor(const std::vector<Series*>& directory,
                                                  const std::string& label,
                                                  const std::string& value) const;
  };

  // Appends to the series in place, or moves it to a larger heap record; returns where it is now.
  Series* AppendPoint(Series* series, rules::SamplePoint point);
  // Moves out the points older than the series' horizon that compaction left in place.
  void DropExpired(Series* series);
  Series* NewHeapRecord(std::uint32_t capacity);
  // Moves the series from its record into `to`, a record with room for `capacity` points, and
  // points the directory there; `from` is destroyed (an arena record only marked dead).
  Series* MoveRecord(Series* from, void* to, std::uint32_t capacity, bool in_arena);
  static void DestroyRecord(Series* series);  // releases a live series' memory or labels
  std::uint32_t NextCapacity(const Series& series) const;
  // Copies every series of the entry into a new arena in label order.
  void Relayout(NameEntry& entry);
  void Touch(NameEntry& entry);
  // Sorts the entry's new series (past sorted_prefix) into label order.
  void SortNewIds(NameEntry& entry);
  // Ends a write: sorts new series into their entries and relays out entries gone out of order.
  void FinishWrite();
  Series* Find(const rules::Labels& labels, std::uint64_t hash) const;
  // Takes the labels only when it creates the series.
  Series* FindOrCreate(rules::Labels& labels, std::uint64_t hash);

  std::int64_t KeepMs(const rules::Labels& labels) const;

  mutable std::shared_mutex mutex_;
  Options options_;
  // Series by id. Records move (growth, relayout), ids do not: everything outside an entry refers
  // to a series by id. Null: a free id, listed in free_ids_.
  std::vector<Series*> directory_;
  std::vector<std::uint32_t> free_ids_;
  std::size_t series_count_ = 0;
  // Every series by label-set hash, open-addressed: a look-up compares one label set, not log(n),
  // and each probe reads one flat slot, not a node of its own. Rule outputs look up their series
  // every round, hundreds of thousands of them in a large fleet.
  static constexpr std::uint32_t kFreeSlot = ~std::uint32_t{0};
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t id = kFreeSlot;
  };
  std::vector<Slot> slots_;
  std::size_t mask_ = 0;
  void Index(const Series& series);
  void Reindex(std::size_t capacity);
  std::map<std::string, NameEntry, std::less<>> by_name_;
  // The series each source reported in its last batch, in that batch's order: the next batch
  // usually repeats it, so a sample is matched to its series without hashing.
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_source_;
  std::uint64_t batch_counter_ = 0;
  // The series of the last AppendUntracked call in its order, with the address of each one's
  // label set: rule outputs come in much the same order every round with the same label sets, so
  // a sample finds its series by one address comparison instead of a probe of slots_. A series
  // holds its label set, so an address cannot be reused while the series lives: the set goes
  // only when the series adopts a writer's equal set, and the samples of that call were all
  // made before it went. Compact, which removes series, clears these.
  std::vector<std::uint32_t> untracked_order_;
  std::vector<const void*> untracked_addresses_;
  // The next call's, built beside the last call's and swapped in: no new vectors per call.
  std::vector<std::uint32_t> next_untracked_order_;
  std::vector<const void*> next_untracked_addresses_;
  std::vector<NameEntry*> unsorted_;  // entries with new series in this write
  std::vector<NameEntry*> touched_;   // entries whose layout changed in this write
};

}  // namespace inferwatch::exporter::store
