#include "rules/manager/overlay_storage.h"

#include <algorithm>

namespace inferwatch::rules::manager {

void OverlayStorage::Append(const Labels& labels, std::int64_t t_ms, double value) {
  auto it = std::find_if(series_.begin(), series_.end(),
                         [&](const Series& s) { return s.labels == labels; });
  if (it == series_.end()) {
    series_.push_back(Series{labels, {}});
    it = std::prev(series_.end());
  }
  if (!it->points.empty() && it->points.back().t_ms >= t_ms) {
    it->points.back() = SamplePoint{t_ms, value};
    return;
  }
  it->points.push_back(SamplePoint{t_ms, value});
}

void OverlayStorage::Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                            std::int64_t maxt_ms, const SeriesVisitor& visit) const {
  // The overlay holds one round's few series, so a linear scan is cheaper than an index.
  std::vector<const Series*> matching;
  for (const Series& series : series_) {
    const bool matches = std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& m) {
      return m.Matches(series.labels.Get(m.name));
    });
    if (matches) matching.push_back(&series);
  }
  auto in_range = [&](const Series& series) {
    std::vector<SamplePoint> points;
    for (const SamplePoint& p : series.points) {
      if (p.t_ms >= mint_ms && p.t_ms <= maxt_ms) points.push_back(p);
    }
    return points;
  };
  std::vector<bool> merged(matching.size(), false);
  base_.Select(
      matchers, mint_ms, maxt_ms, [&](const Labels& labels, std::span<const SamplePoint> points) {
        for (std::size_t i = 0; i < matching.size(); ++i) {
          if (merged[i] || !(matching[i]->labels == labels)) continue;
          merged[i] = true;
          std::vector<SamplePoint> combined;
          const std::vector<SamplePoint> extra = in_range(*matching[i]);
          for (const SamplePoint& p : points) {
            const bool replaced = std::any_of(
                extra.begin(), extra.end(), [&](const SamplePoint& e) { return e.t_ms == p.t_ms; });
            if (!replaced) combined.push_back(p);
          }
          combined.insert(combined.end(), extra.begin(), extra.end());
          std::sort(combined.begin(), combined.end(),
                    [](const SamplePoint& a, const SamplePoint& b) { return a.t_ms < b.t_ms; });
          visit(labels, combined);
          return;
        }
        visit(labels, points);
      });
  for (std::size_t i = 0; i < matching.size(); ++i) {
    if (merged[i]) continue;
    const std::vector<SamplePoint> points = in_range(*matching[i]);
    if (!points.empty()) visit(matching[i]->labels, points);
  }
}

}  // namespace inferwatch::rules::manager
