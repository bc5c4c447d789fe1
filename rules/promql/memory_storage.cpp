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
    // Keep an index in label order so selections come back in Prometheus's order.
    const std::size_t index = series_.size();
    series_.push_back(StoredSeries{labels, {}});
    auto it =
        std::lower_bound(order_.begin(), order_.end(), labels,
                         [&](std::size_t i, const Labels& l) { return series_[i].labels < l; });
    order_.insert(it, index);
    auto& named = by_name_[std::string(labels.MetricName())];
    named.insert(
        std::lower_bound(named.begin(), named.end(), labels,
                         [&](std::size_t i, const Labels& l) { return series_[i].labels < l; }),
        index);
    candidates.push_back(index);
    series = &series_[index];
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
  order_.clear();
  by_name_.clear();
}

Storage::VisitOrder MemoryStorage::Select(std::span<const LabelMatcher> matchers,
                                          std::int64_t mint_ms, std::int64_t maxt_ms,
                                          const SeriesVisitor& visit) const {
  // A metric-name equality matcher narrows the scan to that metric's series.
  const std::vector<std::size_t>* candidates = &order_;
  if (const LabelMatcher* name = FindNameEquality(matchers)) {
    auto it = by_name_.find(name->value);
    if (it == by_name_.end()) return VisitOrder::kLabelOrder;
    candidates = &it->second;
  }
  for (std::size_t index : *candidates) {
    const StoredSeries& series = series_[index];
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
  return VisitOrder::kLabelOrder;
}

}  // namespace inferwatch::rules::promql
