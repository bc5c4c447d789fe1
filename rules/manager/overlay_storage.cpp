#include "rules/manager/overlay_storage.h"

#include <algorithm>

namespace inferwatch::rules::manager {

void OverlayStorage::Append(const Labels& labels, std::int64_t t_ms, double value) {
  const auto [entry, inserted] = index_.try_emplace(labels, series_.size());
  if (inserted) {
    const std::string_view name = labels.MetricName();
    auto named = by_name_.find(name);
    if (named == by_name_.end())
      named = by_name_.emplace(std::string(name), std::vector<std::size_t>{}).first;
    named->second.push_back(series_.size());
    series_.push_back(Series{labels, {}});
  }
  Series& series = series_[entry->second];
  if (!series.points.empty() && series.points.back().t_ms >= t_ms) {
    series.points.back() = SamplePoint{t_ms, value};
    return;
  }
  series.points.push_back(SamplePoint{t_ms, value});
}

Storage::VisitOrder OverlayStorage::Select(std::span<const LabelMatcher> matchers,
                                           std::int64_t mint_ms, std::int64_t maxt_ms,
                                           const SeriesVisitor& visit) const {
  auto in_range = [&](const Series& series) {
    std::vector<SamplePoint> points;
    for (const SamplePoint& p : series.points) {
      if (p.t_ms >= mint_ms && p.t_ms <= maxt_ms) points.push_back(p);
    }
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
        const auto entry = index_.find(labels);
        if (entry == index_.end()) {
          visit(labels, points);
          return;
        }
        merged[entry->second] = true;
        const std::vector<SamplePoint> extra = in_range(series_[entry->second]);
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
  if (const LabelMatcher* name = FindNameEquality(matchers)) {
    auto it = by_name_.find(name->value);
    if (it != by_name_.end()) {
      for (std::size_t i : it->second) visit_unmerged(i);
    }
    return order();
  }
  for (std::size_t i = 0; i < series_.size(); ++i) visit_unmerged(i);
  return order();
}

}  // namespace inferwatch::rules::manager
