#include "rules/promql/memory_storage.h"

#include <algorithm>

namespace inferwatch::rules::promql {

void MemoryStorage::Append(const Labels& labels, std::int64_t t_ms, double value) {
  const std::uint64_t hash = labels.Hash();
  auto& candidates = by_hash_[hash];
  StoredSeries* series = nullptr;
  for (std::size_t index : candidates) {
    if (series_[index].labels == labels) {
      series = &series_[index];
      break;
    }
  }
  if (series == nullptr) {
    // Keep series sorted by labels so selections come back in Prometheus's order.
    auto it = std::lower_bound(series_.begin(), series_.end(), labels,
                               [](const StoredSeries& s, const Labels& l) { return s.labels < l; });
    const auto position = static_cast<std::size_t>(it - series_.begin());
    series_.insert(it, StoredSeries{labels, {}});
    for (auto& [h, indexes] : by_hash_) {
      for (std::size_t& index : indexes) {
        if (index >= position) ++index;
      }
    }
    candidates.push_back(position);
    series = &series_[position];
  }
  auto& points = series->points;
  if (!points.empty() && points.back().t_ms == t_ms) {
    points.back().v = value;
  } else if (!points.empty() && points.back().t_ms > t_ms) {
    auto it = std::lower_bound(points.begin(), points.end(), t_ms,
                               [](const SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
    if (it != points.end() && it->t_ms == t_ms) {
      it->v = value;
    } else {
      points.insert(it, SamplePoint{t_ms, value});
    }
  } else {
    points.push_back(SamplePoint{t_ms, value});
  }
}

void MemoryStorage::Clear() {
  series_.clear();
  by_hash_.clear();
}

void MemoryStorage::Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                           std::int64_t maxt_ms, const SeriesVisitor& visit) const {
  for (const auto& series : series_) {
    const bool matches = std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& m) {
      return m.Matches(series.labels.Get(m.name));
    });
    if (!matches) continue;
    auto begin = std::lower_bound(series.points.begin(), series.points.end(), mint_ms,
                                  [](const SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
    auto end = std::upper_bound(begin, series.points.end(), maxt_ms,
                                [](std::int64_t t, const SamplePoint& p) { return t < p.t_ms; });
    if (begin == end) continue;
    visit(series.labels,
          std::span<const SamplePoint>(&*begin, static_cast<std::size_t>(end - begin)));
  }
}

}  // namespace inferwatch::rules::promql
