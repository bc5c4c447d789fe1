#include "exporter/store/short_term_store.h"

#include <algorithm>
#include <cmath>
#include <mutex>
#include <unordered_set>

namespace inferwatch::exporter::store {

const std::vector<std::uint32_t>* ShortTermStore::NameEntry::PostingsFor(
    const std::string& label, const std::string& value) const {
  std::lock_guard lock(postings_mutex);
  auto [it, inserted] = postings.try_emplace(label);
  if (inserted) {
    for (std::size_t i = 0; i < series.size(); ++i) {
      const std::string_view found = series[i]->labels.Get(label);
      if (!found.empty()) it->second[std::string(found)].push_back(static_cast<std::uint32_t>(i));
    }
  }
  // Readers hold the store's shared lock, so nothing rebuilds or drops these while they iterate;
  // unordered_map keeps element addresses when other labels are added.
  auto values = it->second.find(value);
  return values == it->second.end() ? nullptr : &values->second;
}

void ShortTermStore::SetOptions(Options options) {
  std::unique_lock lock(mutex_);
  options_ = options;
}

void ShortTermStore::AppendPoint(Series& series, rules::SamplePoint point) const {
  if (!series.points.empty() && point.t_ms <= series.points.back().t_ms) {
    // Same timestamp: the newer value wins (a staleness marker never overrides a real value).
    if (point.t_ms == series.points.back().t_ms && !rules::IsStaleNaN(point.v)) {
      series.points.back().v = point.v;
    }
    return;
  }
  // Bounded memory: drop the oldest quarter at once so the erase cost is amortised.
  if (series.points.size() >= options_.max_points_per_series) {
    const std::size_t drop = std::max<std::size_t>(1, options_.max_points_per_series / 4);
    series.points.erase(series.points.begin(),
                        series.points.begin() + static_cast<std::ptrdiff_t>(drop));
  }
  series.points.push_back(point);
}

ShortTermStore::Series* ShortTermStore::Find(const rules::Labels& labels,
                                             std::uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  for (std::size_t slot = hash & mask_; slots_[slot].series != nullptr; slot = (slot + 1) & mask_) {
    if (slots_[slot].hash == hash && slots_[slot].series->labels == labels) {
      return slots_[slot].series;
    }
  }
  return nullptr;
}

void ShortTermStore::Index(Series* series) {
  std::size_t slot = series->hash & mask_;
  while (slots_[slot].series != nullptr) slot = (slot + 1) & mask_;
  slots_[slot] = Slot{series->hash, series};
}

void ShortTermStore::Reindex(std::size_t capacity) {
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const auto& series : owned_) Index(series.get());
}

ShortTermStore::Series& ShortTermStore::FindOrCreate(rules::Labels& labels, std::uint64_t hash) {
  if (Series* found = Find(labels, hash)) return *found;
  auto owned = std::make_unique<Series>();
  owned->labels = std::move(labels);
  owned->hash = hash;
  Series& series = *owned;
  owned_.push_back(std::move(owned));
  // Kept at most half full, so probe runs stay short.
  if (owned_.size() * 2 > slots_.size()) {
    Reindex(std::max<std::size_t>(1024, slots_.size() * 2));
  } else {
    Index(&series);
  }
  const std::string_view name = series.labels.MetricName();
  auto by_name = by_name_.find(name);
  if (by_name == by_name_.end()) by_name = by_name_.try_emplace(std::string(name)).first;
  NameEntry& entry = by_name->second;
  entry.postings.clear();
  if (entry.sorted_prefix == entry.series.size()) unsorted_.push_back(&entry);
  entry.series.push_back(&series);
  return series;
}

void ShortTermStore::SortNewSeries() {
  const auto by_labels = [](const Series* a, const Series* b) { return a->labels < b->labels; };
  for (NameEntry* entry : unsorted_) {
    auto& series = entry->series;
    const auto middle = series.begin() + static_cast<std::ptrdiff_t>(entry->sorted_prefix);
    const std::size_t added = series.size() - entry->sorted_prefix;
    if (added * 16 < entry->sorted_prefix) {
      // A few new series among many: insert each where it belongs (a pointer move, log n
      // comparisons) rather than comparing every series in a merge.
      std::vector<Series*> fresh(middle, series.end());
      series.erase(middle, series.end());
      for (Series* one : fresh) {
        series.insert(std::upper_bound(series.begin(), series.end(), one, by_labels), one);
      }
    } else {
      std::sort(middle, series.end(), by_labels);
      std::inplace_merge(series.begin(), middle, series.end(), by_labels);
    }
    entry->sorted_prefix = series.size();
  }
  unsorted_.clear();
}

void ShortTermStore::AppendBatch(const std::string& source, std::vector<Sample> samples,
                                 std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  const std::uint64_t stamp = ++batch_counter_;
  auto& previous = by_source_[source];
  std::vector<Series*> reported;
  reported.reserve(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& sample = samples[i];
    Series* series = i < previous.size() && previous[i]->labels == sample.labels
                         ? previous[i]
                         : &FindOrCreate(sample.labels, sample.labels.Hash());
    AppendPoint(*series, sample.point);
    if (series->batch_stamp != stamp) {
      series->batch_stamp = stamp;
      reported.push_back(series);
    }
  }
  for (Series* series : previous) {
    if (series->batch_stamp != stamp) AppendPoint(*series, {now_ms, rules::StaleNaN()});
  }
  previous = std::move(reported);
  SortNewSeries();
}

void ShortTermStore::AppendUntracked(std::vector<Sample> samples) {
  std::unique_lock lock(mutex_);
  // Rewritten in place, each entry read before it is replaced: no new vectors per call.
  if (untracked_order_.size() < samples.size()) {
    untracked_order_.resize(samples.size(), nullptr);
    untracked_addresses_.resize(samples.size(), nullptr);
  }
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& sample = samples[i];
    const void* address = sample.labels.address();
    Series* series = nullptr;
    if (address != nullptr && untracked_addresses_[i] == address) {
      series = untracked_order_[i];
    } else {
      const std::uint64_t hash = sample.labels.Hash();
      series = Find(sample.labels, hash);
      if (series == nullptr && rules::IsStaleNaN(sample.point.v)) {
        // Never start a series with its end; the entry stays, keeping later samples in place.
        untracked_order_[i] = nullptr;
        untracked_addresses_[i] = nullptr;
        continue;
      }
      if (series == nullptr) series = &FindOrCreate(sample.labels, hash);
    }
    AppendPoint(*series, sample.point);
    untracked_order_[i] = series;
    untracked_addresses_[i] = series->labels.address();
  }
  untracked_order_.resize(samples.size());
  untracked_addresses_.resize(samples.size());
  SortNewSeries();
}

void ShortTermStore::MarkSourceStale(const std::string& source, std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  for (Series* series : it->second) AppendPoint(*series, {now_ms, rules::StaleNaN()});
  by_source_.erase(it);
}

void ShortTermStore::Compact(std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  const std::int64_t oldest = now_ms - options_.retention.count();
  std::unordered_set<const Series*> removed;
  for (auto& series : owned_) {
    auto& points = series->points;
    auto keep =
        std::lower_bound(points.begin(), points.end(), oldest,
                         [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
    points.erase(points.begin(), keep);
    const bool ended = !points.empty() && rules::IsStaleNaN(points.back().v) &&
                       points.back().t_ms < now_ms - options_.lookback.count();
    if (points.empty() || ended) removed.insert(series.get());
  }
  auto is_removed = [&](const Series* series) { return removed.contains(series); };
  if (!removed.empty()) {
    for (auto& [source, reported] : by_source_) std::erase_if(reported, is_removed);
  }
  for (auto it = by_name_.begin(); it != by_name_.end();) {
    NameEntry& entry = it->second;
    if (!removed.empty()) {
      std::erase_if(entry.series, is_removed);  // keeps the label order
      entry.sorted_prefix = entry.series.size();
      entry.postings.clear();
    }
    it = entry.series.empty() ? by_name_.erase(it) : std::next(it);
  }
  if (!removed.empty()) {
    untracked_order_.clear();
    untracked_addresses_.clear();
    std::erase_if(owned_, [&](const auto& series) { return is_removed(series.get()); });
    Reindex(slots_.size());
  }
}

rules::Storage::VisitOrder ShortTermStore::Select(std::span<const rules::LabelMatcher> matchers,
                                                  std::int64_t mint_ms, std::int64_t maxt_ms,
                                                  const SeriesVisitor& visit) const {
  std::shared_lock lock(mutex_);
  // Name matchers are decided once per metric name, the rest once per series.
  const rules::LabelMatcher* name_equal = rules::FindNameEquality(matchers);
  std::vector<const rules::LabelMatcher*> name_matchers;
  std::vector<const rules::LabelMatcher*> label_matchers;
  for (const auto& matcher : matchers) {
    if (&matcher == name_equal) continue;
    (matcher.name == "__name__" ? name_matchers : label_matchers).push_back(&matcher);
  }
  // The first equality matcher on a label other than the name picks the series through postings.
  const rules::LabelMatcher* indexed = nullptr;
  for (const auto* matcher : label_matchers) {
    if (matcher->type == rules::MatchType::kEqual && !matcher->value.empty()) {
      indexed = matcher;
      break;
    }
  }
  // Series found through the postings need not test the matcher that found them.
  std::vector<const rules::LabelMatcher*> checked;
  for (const auto* matcher : label_matchers) {
    if (matcher != indexed) checked.push_back(matcher);
  }
  auto visit_series = [&](const Series* series, bool by_postings) {
    const auto& to_check = by_postings ? checked : label_matchers;
    const bool matches = std::all_of(to_check.begin(), to_check.end(), [&](const auto* matcher) {
      return matcher->Matches(series->labels.Get(matcher->name));
    });
    if (!matches) return;
    const auto& points = series->points;
    // Rules select the newest minutes of each series, so the window is found from the end:
    // a backward walk over the points the caller reads next anyway, where a binary search over
    // an hour of points would touch lines nobody reads. Long walks give way to the search.
    auto last = points.end();
    while (last != points.begin() && std::prev(last)->t_ms > maxt_ms) {
      if (points.end() - last > 8) {
        last = std::upper_bound(
            points.begin(), last, maxt_ms,
            [](std::int64_t t, const rules::SamplePoint& p) { return t < p.t_ms; });
        break;
      }
      --last;
    }
    // Back eight points at a time while the window goes on, then one at a time.
    auto first = last;
    while (first - points.begin() >= 8 && (first - 8)->t_ms >= mint_ms) {
      if (last - first > 128) {
        first = std::lower_bound(
            points.begin(), first, mint_ms,
            [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
        break;
      }
      first -= 8;
    }
    while (first != points.begin() && std::prev(first)->t_ms >= mint_ms) --first;
    if (first == last) return;
    visit(series->labels,
          std::span<const rules::SamplePoint>(&*first, static_cast<std::size_t>(last - first)));
  };
  auto visit_entry = [&](std::string_view name, const NameEntry& entry) {
    for (const auto* matcher : name_matchers) {
      if (!matcher->Matches(name)) return;
    }
    if (indexed != nullptr) {
      if (const auto* positions = entry.PostingsFor(indexed->name, indexed->value)) {
        for (const std::uint32_t position : *positions) {
          visit_series(entry.series[position], /*by_postings=*/true);
        }
      }
      return;
    }
    // The series and their points are separate allocations all over the heap: ask for the
    // next ones early, so the misses overlap instead of following each other.
    const std::vector<Series*>& all = entry.series;
    for (std::size_t i = 0; i < all.size(); ++i) {
      if (i + 4 < all.size()) __builtin_prefetch(all[i + 4]);
      if (i + 2 < all.size() && !all[i + 2]->points.empty()) {
        __builtin_prefetch(&all[i + 2]->points.back());
        __builtin_prefetch(all[i + 2]->labels.address());
      }
      visit_series(all[i], /*by_postings=*/false);
    }
  };
  if (name_equal != nullptr) {
    auto it = by_name_.find(name_equal->value);
    if (it != by_name_.end()) visit_entry(it->first, it->second);
    return VisitOrder::kLabelOrder;
  }
  for (const auto& [name, entry] : by_name_) visit_entry(name, entry);
  return VisitOrder::kUnordered;
}

void ShortTermStore::ForEachCurrent(std::int64_t now_ms, const CurrentVisitor& visit) const {
  std::shared_lock lock(mutex_);
  const std::int64_t since = now_ms - options_.lookback.count();
  for (const auto& [name, entry] : by_name_) {
    for (const Series* one : entry.series) {
      if (one->points.empty()) continue;
      const auto& newest = one->points.back();
      if (rules::IsStaleNaN(newest.v) || newest.t_ms < since) continue;
      visit(one->labels, newest);
    }
  }
}

std::size_t ShortTermStore::SeriesCount() const {
  std::shared_lock lock(mutex_);
  return owned_.size();
}

}  // namespace inferwatch::exporter::store
