// A simple in-memory Storage for test runners (promqltest, rule unit tests).
#pragma once

#include <cstdint>
#include <string>
#include <unordered_map>
#include <vector>

#include "rules/storage.h"

namespace inferwatch::rules::promql {

class MemoryStorage : public Storage {
 public:
  // Appends a sample; samples of one series must be appended in time order (later duplicates of
  // the same timestamp replace the earlier one).
  void Append(const Labels& labels, std::int64_t t_ms, double value);
  void Clear();
  std::size_t SeriesCount() const { return series_.size(); }

  VisitOrder Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                    std::int64_t maxt_ms, const SeriesVisitor& visit) const override;

 private:
  struct StoredSeries {
    Labels labels;
    std::vector<SamplePoint> points;
  };
  std::vector<StoredSeries> series_;
  std::unordered_map<std::uint64_t, std::vector<std::size_t>> by_hash_;
  std::vector<std::size_t> order_;  // indexes into series_, sorted by labels
  std::unordered_map<std::string, std::vector<std::size_t>> by_name_;  // same order, per metric
};

}  // namespace inferwatch::rules::promql
