#include "exporter/store/short_term_store.h"

#include <algorithm>
#include <cmath>
#include <mutex>

namespace inferwatch::exporter::store {
namespace {

using SourceKey = std::pair<std::string, rules::Labels>;

bool MatchesAll(const rules::Labels& labels, std::span<const rules::LabelMatcher> matchers) {
  for (const auto& matcher : matchers) {
    if (!matcher.Matches(labels.Get(matcher.name))) return false;
  }
  return true;
}

}  // namespace

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

ShortTermStore::Series* ShortTermStore::Find(const rules::Labels& labels) {
  auto by_name = by_name_.find(labels.MetricName());
  if (by_name == by_name_.end()) return nullptr;
  auto it = by_name->second.find(labels);
  return it == by_name->second.end() ? nullptr : &it->second;
}

void ShortTermStore::AppendBatch(const std::string& source, std::vector<Sample> samples,
                                 std::int64_t now_ms) {
  std::vector<SourceKey> reported;
  reported.reserve(samples.size());
  std::unique_lock lock(mutex_);
  for (auto& sample : samples) {
    const std::string_view name = sample.labels.MetricName();
    auto by_name = by_name_.find(name);
    if (by_name == by_name_.end()) by_name = by_name_.emplace(std::string(name), SeriesMap{}).first;
    auto it = by_name->second.find(sample.labels);
    if (it == by_name->second.end()) it = by_name->second.emplace(sample.labels, Series{}).first;
    AppendPoint(it->second, sample.point);
    reported.emplace_back(std::string(name), std::move(sample.labels));
  }
  std::sort(reported.begin(), reported.end());
  reported.erase(std::unique(reported.begin(), reported.end()), reported.end());
  auto& previous = by_source_[source];
  for (const auto& key : previous) {
    if (std::binary_search(reported.begin(), reported.end(), key)) continue;
    if (Series* series = Find(key.second)) AppendPoint(*series, {now_ms, rules::StaleNaN()});
  }
  previous = std::move(reported);
}

void ShortTermStore::AppendUntracked(std::vector<Sample> samples) {
  std::unique_lock lock(mutex_);
  for (auto& sample : samples) {
    const std::string_view name = sample.labels.MetricName();
    auto by_name = by_name_.find(name);
    if (by_name == by_name_.end()) by_name = by_name_.emplace(std::string(name), SeriesMap{}).first;
    auto it = by_name->second.find(sample.labels);
    if (it == by_name->second.end()) {
      if (rules::IsStaleNaN(sample.point.v)) continue;  // never start a series with its end
      it = by_name->second.emplace(std::move(sample.labels), Series{}).first;
    }
    AppendPoint(it->second, sample.point);
  }
}

void ShortTermStore::MarkSourceStale(const std::string& source, std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  auto it = by_source_.find(source);
  if (it == by_source_.end()) return;
  for (const auto& key : it->second) {
    if (Series* series = Find(key.second)) AppendPoint(*series, {now_ms, rules::StaleNaN()});
  }
  by_source_.erase(it);
}

void ShortTermStore::Compact(std::int64_t now_ms) {
  std::unique_lock lock(mutex_);
  const std::int64_t oldest = now_ms - options_.retention.count();
  for (auto by_name = by_name_.begin(); by_name != by_name_.end();) {
    auto& series_map = by_name->second;
    for (auto it = series_map.begin(); it != series_map.end();) {
      auto& points = it->second.points;
      auto keep =
          std::lower_bound(points.begin(), points.end(), oldest,
                           [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
      points.erase(points.begin(), keep);
      const bool ended = !points.empty() && rules::IsStaleNaN(points.back().v) &&
                         points.back().t_ms < now_ms - options_.lookback.count();
      it = points.empty() || ended ? series_map.erase(it) : std::next(it);
    }
    by_name = series_map.empty() ? by_name_.erase(by_name) : std::next(by_name);
  }
}

void ShortTermStore::Select(std::span<const rules::LabelMatcher> matchers, std::int64_t mint_ms,
                            std::int64_t maxt_ms, const SeriesVisitor& visit) const {
  std::shared_lock lock(mutex_);
  auto visit_map = [&](const SeriesMap& series_map) {
    for (const auto& [labels, series] : series_map) {
      if (!MatchesAll(labels, matchers)) continue;
      const auto& points = series.points;
      auto first =
          std::lower_bound(points.begin(), points.end(), mint_ms,
                           [](const rules::SamplePoint& p, std::int64_t t) { return p.t_ms < t; });
      auto last =
          std::upper_bound(first, points.end(), maxt_ms,
                           [](std::int64_t t, const rules::SamplePoint& p) { return t < p.t_ms; });
      if (first == last) continue;
      visit(labels,
            std::span<const rules::SamplePoint>(&*first, static_cast<std::size_t>(last - first)));
    }
  };
  for (const auto& matcher : matchers) {
    if (matcher.name == "__name__" && matcher.type == rules::MatchType::kEqual) {
      auto it = by_name_.find(matcher.value);
      if (it != by_name_.end()) visit_map(it->second);
      return;
    }
  }
  for (const auto& [name, series_map] : by_name_) visit_map(series_map);
}

void ShortTermStore::ForEachCurrent(std::int64_t now_ms, const CurrentVisitor& visit) const {
  std::shared_lock lock(mutex_);
  const std::int64_t since = now_ms - options_.lookback.count();
  for (const auto& [name, series_map] : by_name_) {
    for (const auto& [labels, series] : series_map) {
      if (series.points.empty()) continue;
      const auto& newest = series.points.back();
      if (rules::IsStaleNaN(newest.v) || newest.t_ms < since) continue;
      visit(labels, newest);
    }
  }
}

std::size_t ShortTermStore::SeriesCount() const {
  std::shared_lock lock(mutex_);
  std::size_t count = 0;
  for (const auto& [name, series_map] : by_name_) count += series_map.size();
  return count;
}

}  // namespace inferwatch::exporter::store
