#include "rules/manager/overlay_storage.h"

#include <algorithm>

namespace inferwatch::rules::manager {

std::int64_t OverlayStorage::FindIndexed(const Labels& labels) const {
  if (slots_.empty()) return -1;
  const std::uint64_t hash = labels.Hash();
  for (std::size_t slot = hash & mask_; slots_[slot].position != kFree; slot = (slot + 1) & mask_) {
    if (slots_[slot].hash != hash) continue;
    const std::uint32_t position = slots_[slot].position - 1;
    if (series_[position].labels == labels) return position;
  }
  return -1;
}

void OverlayStorage::IndexPending(const Named& named) const {
  if (named.indexed == named.positions.size()) return;
  ReserveSlots(series_.size());
  for (; named.indexed < named.positions.size(); ++named.indexed) {
    Place(named.positions[named.indexed]);
  }
}

void OverlayStorage::Reserve(std::size_t series) {
  series_.reserve(series);
  ReserveSlots(series);
}

void OverlayStorage::ReserveSlots(std::size_t series) const {
  // At most half full, so probe runs stay short.
  if (series * 2 <= slots_.size()) return;
  std::size_t capacity = 64;
  while (capacity < series * 2) capacity *= 2;
  slots_.assign(capacity, Slot{});
  mask_ = capacity - 1;
  for (const auto& [name, named] : by_name_) {
    for (std::size_t i = 0; i < named.indexed; ++i) Place(named.positions[i]);
  }
}

void OverlayStorage::Place(std::size_t position) const {
  const std::uint64_t hash = series_[position].labels.Hash();
  std::size_t slot = hash & mask_;
  while (slots_[slot].position != kFree) slot = (slot + 1) & mask_;
  slots_[slot] = Slot{hash, static_cast<std::uint32_t>(position + 1)};
}

void OverlayStorage::Append(const Labels& labels, std::int64_t t_ms, double value) {
  const SamplePoint point{t_ms, value};
  if (auto named = by_name_.find(labels.MetricName()); named != by_name_.end()) {
    IndexPending(named->second);
    if (const std::int64_t found = FindIndexed(labels); found >= 0) {
      Series& series = series_[static_cast<std::size_t>(found)];
      SamplePoint& last = series.later.empty() ? series.first : series.later.back();
      if (last.t_ms >= t_ms) {
        last = point;
      } else {
        series.later.push_back(point);
      }
      return;
    }
  }
  AppendNew(labels, t_ms, value);
}

void OverlayStorage::AppendNew(const Labels& labels, std::int64_t t_ms, double value) {
  const std::string_view name = labels.MetricName();
  auto named = by_name_.find(name);
  if (named == by_name_.end()) named = by_name_.emplace(std::string(name), Named{}).first;
  named->second.positions.push_back(series_.size());
  series_.push_back(Series{labels, SamplePoint{t_ms, value}, {}});
}

Storage::VisitOrder OverlayStorage::Select(std::span<const LabelMatcher> matchers,
                                           std::int64_t mint_ms, std::int64_t maxt_ms,
                                           const SeriesVisitor& visit) const {
  // Most selections name a scraped metric that no rule of the round has recorded: then no series
  // here can match or merge, and the base answers alone, with no look-up per series.
  const LabelMatcher* name_equal = FindNameEquality(matchers);
  if (series_.empty() ||
      (name_equal != nullptr && by_name_.find(name_equal->value) == by_name_.end())) {
    return base_.Select(matchers, mint_ms, maxt_ms, visit);
  }
  if (name_equal != nullptr) {
    IndexPending(by_name_.find(name_equal->value)->second);
  } else {
    for (const auto& [name, named] : by_name_) IndexPending(named);
  }
  auto in_range = [&](const Series& series) {
    std::vector<SamplePoint> points;
    const auto keep = [&](const SamplePoint& p) {
      if (p.t_ms >= mint_ms && p.t_ms <= maxt_ms) points.push_back(p);
    };
    keep(series.first);
    for (const SamplePoint& p : series.later) keep(p);
    return points;
  };
  // Matchers see only labels, so an overlay series with the same labels as a base series that
  // matched matches too: merge by label lookup.
  std::vector<bool> merged(series_.size(), false);
  // This round's own series come after the base's: the order holds only when none of them is
  // visited on its own.
  bool visited_unmerged = false;
  const VisitOrder base_order = base_.Select(
      matchers, mint_ms, maxt_ms, [&](const Labels& labels, std::span<const SamplePoint> points) {
        const std::int64_t found = FindIndexed(labels);
        if (found < 0) {
          visit(labels, points);
          return;
        }
        const auto position = static_cast<std::size_t>(found);
        merged[position] = true;
        const std::vector<SamplePoint> extra = in_range(series_[position]);
        std::vector<SamplePoint> combined;
        for (const SamplePoint& p : points) {
          const bool replaced = std::any_of(extra.begin(), extra.end(),
                                            [&](const SamplePoint& e) { return e.t_ms == p.t_ms; });
          if (!replaced) combined.push_back(p);
        }
        combined.insert(combined.end(), extra.begin(), extra.end());
        std::sort(combined.begin(), combined.end(),
                  [](const SamplePoint& a, const SamplePoint& b) { return a.t_ms < b.t_ms; });
        visit(labels, combined);
      });
  auto visit_unmerged = [&](std::size_t i) {
    if (merged[i]) return;
    const Series& series = series_[i];
    const bool matches = std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& m) {
      return m.Matches(series.labels.Get(m.name));
    });
    if (!matches) return;
    const std::vector<SamplePoint> points = in_range(series);
    if (points.empty()) return;
    visited_unmerged = true;
    visit(series.labels, points);
  };
  const auto order = [&] { return visited_unmerged ? VisitOrder::kUnordered : base_order; };
  // A selector that names its metric only looks at this round's series of that name.
  if (name_equal != nullptr) {
    for (std::size_t i : by_name_.find(name_equal->value)->second.positions) visit_unmerged(i);
    return order();
  }
  for (std::size_t i = 0; i < series_.size(); ++i) visit_unmerged(i);
  return order();
}

}  // namespace inferwatch::rules::manager
