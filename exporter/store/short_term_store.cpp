#include "exporter/store/short_term_store.h"

#include <algorithm>
#include <cstring>
#include <mutex>
#include <new>

namespace inferwatch::exporter::store {

const std::vector<std::uint32_t>* ShortTermStore::NameEntry::PostingsFor(
    const std::vector<Series*>& directory, const std::string& label,
    const std::string& value) const {
  std::lock_guard lock(postings_mutex);
  auto [it, inserted] = postings.try_emplace(label);
  if (inserted) {
    for (std::size_t i = 0; i < ids.size(); ++i) {
      const std::string_view found = directory[ids[i]]->labels.Get(label);
      if (!found.empty()) it->second[std::string(found)].push_back(static_cast<std::uint32_t>(i));
    }
  }
  // Readers hold the store's shared lock, so nothing rebuilds or drops these while they iterate;
  // unordered_map keeps element addresses when other labels are added.
  auto values = it->second.find(value);
  return values == it->second.end() ? nullptr : &values->second;
}

ShortTermStore::~ShortTermStore() {
  for (Series* series : directory_) {
    if (series != nullptr) DestroyRecord(series);
  }
}

void ShortTermStore::SetOptions(Options options) {
  std::unique_lock lock(mutex_);
  options_ = std::move(options);
  for (Series* series : directory_) {
    if (series != nullptr) series->keep_ms = KeepMs(series->labels);
  }
}

std::int64_t ShortTermStore::KeepMs(const rules::Labels& labels) const {
  const std::chrono::milliseconds most = options_.retention;
  return options_.keep_for ? std::min(most, options_.keep_for(labels)).count() : most.count();
}

ShortTermStore::Series* ShortTermStore::NewHeapRecord(std::uint32_t capacity) {
  static_assert(sizeof(Series) % alignof(rules::SamplePoint) == 0);
  void* memory = ::operator new(RecordBytes(capacity));
  auto* series = new (memory) Series;
  series->capacity = capacity;
  return series;
}

ShortTermStore::Series* ShortTermStore::MoveRecord(Series* from, void* to, std::uint32_t capacity,
                                                   bool in_arena) {
  auto* moved = new (to) Series;
  moved->labels = std::move(from->labels);
  moved->hash = from->hash;
  moved->batch_stamp = from->batch_stamp;
  moved->keep_ms = from->keep_ms;
  moved->horizon_ms = from->horizon_ms;
  moved->entry = from->entry;
  moved->id = from->id;
  moved->size = from->size;
  moved->capacity = capacity;
  moved->in_arena = in_arena;
  std::memcpy(moved->points(), from->points(), from->size * sizeof(rules::SamplePoint));
  DestroyRecord(from);
  directory_[moved->id] = moved;
  return moved;
}

void ShortTermStore::DestroyRecord(Series* series) {
  if (series->in_arena) {
    // The arena owns the memory; only the label set is the series' own.
    series->labels = rules::Labels();
    series->live = false;
    return;
  }
  series->~Series();
  ::operator delete(series);
}

std::uint32_t ShortTermStore::NextCapacity(const Series& series) const {
  const auto most = static_cast<std::uint32_t>(
      std::min<std::size_t>(options_.max_points_per_series, std::uint32_t{1} << 30));
  if (series.size < series.capacity) {
    // Room left: keep it, unless the series shrank far below it.
    if (series.capacity > 8 && series.capacity / 4 > series.size) return series.size * 2;
    return series.capacity;
  }
  return std::max(series.size, std::min(most, std::max<std::uint32_t>(4, series.capacity * 2)));
}

ShortTermStore::Series* ShortTermStore::AppendPoint(Series* series, rules::SamplePoint point) {
  if (series->size > 0) {
    rules::SamplePoint& newest = series->points()[series->size - 1];
    if (point.t_ms <= newest.t_ms) {
      // Same timestamp: the newer value wins (a staleness marker never overrides a real value).
      if (point.t_ms == newest.t_ms && !rules::IsStaleNaN(point.v)) newest.v = point.v;
      return series;
    }
  }
  if ((series->size == series->capacity || series->size >= options_.max_points_per_series) &&
      series->size > 0 && series->points()[0].t_ms < series->horizon_ms) {
    DropExpired(series);  // room from points compaction left, before growing or bounding
  }
  if (series->size >= options_.max_points_per_series && series->size > 0) {
    // Bounded memory: drop the oldest quarter at once so the move cost is amortised.
    const std::size_t drop = std::max<std::size_t>(1, options_.max_points_per_series / 4);
    const std::size_t kept = series->size - std::min<std::size_t>(drop, series->size);
    std::memmove(series->points(), series->points() + (series->size - kept),
                 kept * sizeof(rules::SamplePoint));
    if (series->in_arena && series->size == series->capacity && series->entry->full > 0) {
      --series->entry->full;
    }
    series->size = static_cast<std::uint32_t>(kept);
  }
  if (series->size == series->capacity && series->in_arena &&
      series->entry->full * 4 >= series->entry->ids.size()) {
    // Series of one metric fill up together (one point per scrape each): rather than move them
    // one by one to the heap and then all back, lay the metric out now with room for all.
    NameEntry& entry = *series->entry;
    const std::uint32_t id = series->id;
    SortNewIds(entry);
    Relayout(entry);
    series = directory_[id];
  }
  if (series->size == series->capacity) {
    NameEntry& entry = *series->entry;
    if (series->in_arena) {
      ++entry.dead;
      ++entry.outside;
    }
    const std::uint32_t capacity = NextCapacity(*series);
    series = MoveRecord(series, ::operator new(RecordBytes(capacity)), capacity, false);
    Touch(entry);
  }
  series->points()[series->size++] = point;
  if (series->size == series->capacity && series->in_arena) ++series->entry->full;
  return series;
}

void ShortTermStore::DropExpired(Series* series) {
  rules::SamplePoint* points = series->points();
  const rules::SamplePoint* keep =
      std::lower_bound(points, points + series->size, series->horizon_ms,
                       [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
  const auto dropped = static_cast<std::uint32_t>(keep - points);
  if (dropped == 0) return;
  if (series->in_arena && series->size == series->capacity && series->entry->full > 0) {
    --series->entry->full;
  }
  std::memmove(points, keep, (series->size - dropped) * sizeof(rules::SamplePoint));
  series->size -= dropped;
}

void ShortTermStore::Touch(NameEntry& entry) {
  if (entry.touched) return;
  entry.touched = true;
  touched_.push_back(&entry);
}

void ShortTermStore::Relayout(NameEntry& entry) {
  std::size_t full = 0;
  std::size_t bytes = 0;
  for (const std::uint32_t id : entry.ids) bytes += RecordBytes(NextCapacity(*directory_[id]));
  auto arena = std::make_unique_for_overwrite<std::byte[]>(bytes);
  std::byte* at = arena.get();
  entry.record_starts.clear();
  entry.record_starts.reserve(entry.ids.size());
  for (const std::uint32_t id : entry.ids) {
    entry.record_starts.push_back(static_cast<std::size_t>(at - arena.get()));
    const std::uint32_t capacity = NextCapacity(*directory_[id]);
    const Series* moved = MoveRecord(directory_[id], at, capacity, true);
    at += RecordBytes(capacity);
    if (moved->size == capacity) ++full;
  }
  // Every record of the old arena is dead now (labels released), so it goes without a walk.
  entry.arena = std::move(arena);
  entry.outside = 0;
  entry.dead = 0;
  entry.full = full;
}

ShortTermStore::Series* ShortTermStore::Find(const rules::Labels& labels,
                                             std::uint64_t hash) const {
  if (slots_.empty()) return nullptr;
  for (std::size_t slot = hash & mask_; slots_[slot].id != kFreeSlot; slot = (slot + 1) & mask_) {
    if (slots_[slot].hash == hash && directory_[slots_[slot].id]->labels == labels) {
      return directory_[slots_[slot].id];
    }
  }
  return nullptr;
}

void ShortTermStore::Index(const Series& series) {
  std::size_t slot = series.hash & mask_;
  while (slots_[slot].id != kFreeSlot) slot = (slot + 1) & mask_;
  slots_[slot] = Slot{series.hash, series.id};
}

void ShortTermStore::Reindex(std::size_t capacity) {
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const Series* series : directory_) {
    if (series != nullptr) Index(*series);
  }
}

ShortTermStore::Series* ShortTermStore::FindOrCreate(rules::Labels& labels, std::uint64_t hash) {
  if (Series* found = Find(labels, hash)) return found;
  Series* series = NewHeapRecord(4);
  series->labels = std::move(labels);
  series->hash = hash;
  series->keep_ms = KeepMs(series->labels);
  if (free_ids_.empty()) {
    series->id = static_cast<std::uint32_t>(directory_.size());
    directory_.push_back(series);
  } else {
    series->id = free_ids_.back();
    free_ids_.pop_back();
    directory_[series->id] = series;
  }
  ++series_count_;
  // Kept at most half full, so probe runs stay short.
  if (series_count_ * 2 > slots_.size()) {
    Reindex(std::max<std::size_t>(1024, slots_.size() * 2));
  } else {
    Index(*series);
  }
  const std::string_view name = series->labels.MetricName();
  auto by_name = by_name_.find(name);
  if (by_name == by_name_.end()) by_name = by_name_.try_emplace(std::string(name)).first;
  NameEntry& entry = by_name->second;
  series->entry = &entry;
  entry.postings.clear();
  if (entry.sorted_prefix == entry.ids.size()) unsorted_.push_back(&entry);
  entry.ids.push_back(series->id);
  ++entry.outside;
  Touch(entry);
  return series;
}

void ShortTermStore::SortNewIds(NameEntry& entry) {
  auto& ids = entry.ids;
  if (entry.sorted_prefix == ids.size()) return;
  const auto by_labels = [&](std::uint32_t a, std::uint32_t b) {
    return directory_[a]->labels < directory_[b]->labels;
  };
  const auto middle = ids.begin() + static_cast<std::ptrdiff_t>(entry.sorted_prefix);
  const std::size_t added = ids.size() - entry.sorted_prefix;
  if (added * 16 < entry.sorted_prefix) {
    // A few new series among many: insert each where it belongs (an id move, log n
    // comparisons) rather than comparing every series in a merge.
    std::vector<std::uint32_t> fresh(middle, ids.end());
    ids.erase(middle, ids.end());
    for (const std::uint32_t one : fresh) {
      ids.insert(std::upper_bound(ids.begin(), ids.end(), one, by_labels), one);
    }
  } else {
    std::sort(middle, ids.end(), by_labels);
    std::inplace_merge(ids.begin(), middle, ids.end(), by_labels);
  }
  entry.sorted_prefix = ids.size();
}

void ShortTermStore::FinishWrite() {
  for (NameEntry* entry : unsorted_) SortNewIds(*entry);
  unsorted_.clear();
  // Out-of-arena series cost a selection its memory order; relaying out once a quarter of the
  // entry has moved keeps the copying to a few passes over each series as an entry grows.
  for (NameEntry* entry : touched_) {
    entry->touched = false;
    if (entry->outside * 4 >= entry->ids.size() || entry->dead * 4 > entry->ids.size()) {
      Relayout(*entry);
    }
  }
  touched_.clear();
}

void ShortTermStore::AppendBatch(const std::string& source, std::vector<Sample> samples,
                                 std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  const std::uint64_t stamp = ++batch_counter_;
  auto& previous = by_source_[source];
  std::vector<std::uint32_t> reported;
  reported.reserve(samples.size());
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& sample = samples[i];
    Series* series = nullptr;
    if (i < previous.size() && directory_[previous[i]]->labels == sample.labels) {
      series = directory_[previous[i]];
    } else {
      series = FindOrCreate(sample.labels, sample.labels.Hash());
    }
    series = AppendPoint(series, sample.point);
    if (series->batch_stamp != stamp) {
      series->batch_stamp = stamp;
      reported.push_back(series->id);
    }
  }
  for (const std::uint32_t id : previous) {
    if (directory_[id]->batch_stamp != stamp) {
      AppendPoint(directory_[id], {now_ms, rules::StaleNaN()});
    }
  }
  previous = std::move(reported);
  FinishWrite();
}

void ShortTermStore::AppendUntracked(std::vector<Sample> samples) {
  std::unique_lock lock(mutex_);
  const std::vector<std::uint32_t>& last_order = untracked_order_;
  const std::vector<const void*>& last_addresses = untracked_addresses_;
  std::vector<std::uint32_t>& order = next_untracked_order_;
  std::vector<const void*>& addresses = next_untracked_addresses_;
  order.assign(samples.size(), kFreeSlot);
  addresses.assign(samples.size(), nullptr);
  // Where this call's samples stand against the last call's: a rule that writes a few more or
  // fewer series than last round (a stale marker, a series come or gone) shifts every later
  // sample, and the hints must follow the shift, not fail for the rest of the call.
  std::ptrdiff_t shift = 0;
  for (std::size_t i = 0; i < samples.size(); ++i) {
    auto& sample = samples[i];
    const void* address = sample.labels.address();
    const std::ptrdiff_t hinted = static_cast<std::ptrdiff_t>(i) + shift;
    Series* series = nullptr;
    if (address != nullptr && hinted >= 0 && hinted < std::ssize(last_addresses) &&
        last_addresses[static_cast<std::size_t>(hinted)] == address) {
      series = directory_[last_order[static_cast<std::size_t>(hinted)]];
    } else {
      const std::uint64_t hash = sample.labels.Hash();
      series = Find(sample.labels, hash);
      if (series == nullptr && rules::IsStaleNaN(sample.point.v)) continue;  // never start ended
      if (series == nullptr) {
        series = FindOrCreate(sample.labels, hash);
      } else {
        // Near the hint, where was this series last time? From there on the hints line up.
        const void* held = series->labels.address();
        const std::ptrdiff_t from = std::max<std::ptrdiff_t>(0, hinted - 32);
        const std::ptrdiff_t to = std::min<std::ptrdiff_t>(std::ssize(last_addresses), hinted + 33);
        for (std::ptrdiff_t k = from; k < to; ++k) {
          if (last_addresses[static_cast<std::size_t>(k)] == held) {
            shift = k - static_cast<std::ptrdiff_t>(i);
            break;
          }
        }
        if (held != address) {
          // An equal set, another object: the writer remembered a new one (a rule that rebuilt
          // its outputs). Holding the writer's own set lets the next round's sample match by
          // address here, and selections over this round's outputs match the store's by address.
          series->labels = sample.labels;
        }
      }
    }
    series = AppendPoint(series, sample.point);
    order[i] = series->id;
    addresses[i] = series->labels.address();
  }
  untracked_order_.swap(next_untracked_order_);
  untracked_addresses_.swap(next_untracked_addresses_);
  FinishWrite();
}

void ShortTermStore::MarkSourceStale(const std::string& source, std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  for (const std::uint32_t id : it->second) {
    AppendPoint(directory_[id], {now_ms, rules::StaleNaN()});
  }
  by_source_.erase(it);
  FinishWrite();
}

ShortTermStore::Held ShortTermStore::Compact(std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  std::vector<bool> removed(directory_.size(), false);
  bool any_removed = false;
  Held held;
  for (auto& [name, entry] : by_name_) entry.full = 0;  // recounted below
  for (Series* series : directory_) {
    if (series == nullptr) continue;
    series->horizon_ms = std::max(series->horizon_ms, now_ms - series->keep_ms);
    rules::SamplePoint* points = series->points();
    const rules::SamplePoint* keep =
        std::lower_bound(points, points + series->size, series->horizon_ms,
                         [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
    auto expired = static_cast<std::uint32_t>(keep - points);  // left in place, unless moved
    // Readers skip expired points (horizon_ms), so moving the rest can wait until it frees a
    // quarter of the series or the series has no room left.
    if (expired > 0 && (expired * 4 >= series->size || series->size == series->capacity)) {
      std::memmove(points, keep, (series->size - expired) * sizeof(rules::SamplePoint));
      series->size -= expired;
      expired = 0;
    }
    const bool ended = series->size > 0 && rules::IsStaleNaN(points[series->size - 1].v) &&
                       points[series->size - 1].t_ms < now_ms - options_.lookback.count();
    if (series->size == 0 || ended) {
      removed[series->id] = true;
      any_removed = true;
      continue;
    }
    if (series->in_arena && series->size == series->capacity) ++series->entry->full;
    ++held.series;
    held.points += series->size - expired;
  }
  if (!any_removed) return held;
  const auto is_removed = [&](std::uint32_t id) { return static_cast<bool>(removed[id]); };
  for (auto& [source, reported] : by_source_) std::erase_if(reported, is_removed);
  untracked_order_.clear();
  untracked_addresses_.clear();
  for (std::uint32_t id = 0; id < directory_.size(); ++id) {
    if (!removed[id]) continue;
    Series* series = directory_[id];
    NameEntry& entry = *series->entry;
    if (series->in_arena) {
      ++entry.dead;
    } else {
      --entry.outside;
    }
    DestroyRecord(series);
    directory_[id] = nullptr;
    free_ids_.push_back(id);
    --series_count_;
  }
  for (auto it = by_name_.begin(); it != by_name_.end();) {
    NameEntry& entry = it->second;
    if (std::erase_if(entry.ids, is_removed) > 0) {  // keeps the label order
      entry.sorted_prefix = entry.ids.size();
      entry.postings.clear();
      Touch(entry);
    }
    if (entry.ids.empty()) {
      std::erase(touched_, &entry);
      it = by_name_.erase(it);
    } else {
      ++it;
    }
  }
  Reindex(slots_.size());
  FinishWrite();
  return held;
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
    const std::int64_t from_ms = std::max(mint_ms, series->horizon_ms);  // see horizon_ms
    const rules::SamplePoint* begin = series->points();
    const rules::SamplePoint* end = begin + series->size;
    // Rules select the newest minutes of each series, so the window is found from the end:
    // a backward walk over the points the caller reads next anyway, where a binary search over
    // an hour of points would touch lines nobody reads. Long walks give way to the search.
    const rules::SamplePoint* last = end;
    while (last != begin && (last - 1)->t_ms > maxt_ms) {
      if (end - last > 8) {
        last = std::upper_bound(
            begin, last, maxt_ms,
            [](std::int64_t t, const rules::SamplePoint& p) { return t < p.t_ms; });
        break;
      }
      --last;
    }
    // Back eight points at a time while the window goes on, then one at a time.
    const rules::SamplePoint* first = last;
    while (first - begin >= 8 && (first - 8)->t_ms >= from_ms) {
      if (last - first > 128) {
        first = std::lower_bound(
            begin, first, from_ms,
            [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
        break;
      }
      first -= 8;
    }
    while (first != begin && (first - 1)->t_ms >= from_ms) --first;
    if (first == last) return;
    visit(series->labels,
          std::span<const rules::SamplePoint>(first, static_cast<std::size_t>(last - first)));
  };
  auto visit_entry = [&](std::string_view name, const NameEntry& entry) {
    for (const auto* matcher : name_matchers) {
      if (!matcher->Matches(name)) return;
    }
    if (indexed != nullptr) {
      if (const auto* positions = entry.PostingsFor(directory_, indexed->name, indexed->value)) {
        for (const std::uint32_t position : *positions) {
          visit_series(directory_[entry.ids[position]], /*by_postings=*/true);
        }
      }
      return;
    }
    // Series in label order, the i-th at series_at(i): ask early for the headers four on and for
    // the label sets and newest points two on, so the misses overlap instead of following each
    // other. In the arena (every series there) the headers are in memory order too.
    auto walk = [&](std::size_t count, auto series_at) {
      for (std::size_t i = 0; i < count; ++i) {
        if (i + 4 < count) __builtin_prefetch(series_at(i + 4));
        if (i + 2 < count) {
          const Series* next = series_at(i + 2);
          if (next->size > 0) __builtin_prefetch(next->points() + next->size - 1);
          __builtin_prefetch(next->labels.address());
        }
        const Series* series = series_at(i);
        if (series->live) visit_series(series, /*by_postings=*/false);
      }
    };
    if (entry.outside == 0) {
      const std::byte* arena = entry.arena.get();
      walk(entry.record_starts.size(), [&](std::size_t i) {
        return reinterpret_cast<const Series*>(arena + entry.record_starts[i]);
      });
    } else {
      walk(entry.ids.size(), [&](std::size_t i) { return directory_[entry.ids[i]]; });
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
    for (const std::uint32_t id : entry.ids) {
      const Series* one = directory_[id];
      if (one->size == 0) continue;
      const rules::SamplePoint& newest = one->points()[one->size - 1];
      if (rules::IsStaleNaN(newest.v) || newest.t_ms < since) continue;
      visit(one->labels, newest);
    }
  }
}

std::size_t ShortTermStore::SeriesCount() const {
  std::shared_lock lock(mutex_);
  return series_count_;
}

}  // namespace inferwatch::exporter::store
