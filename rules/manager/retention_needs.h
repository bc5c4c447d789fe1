// How far back the loaded rules read each series. A store that keeps every series this long
// before "now" evaluates the rules exactly as one that keeps everything, and a series no rule
// reads needs nothing kept beyond its newest point: at 5,000 targets an hour of every series is
// 3.7 GB, the few minutes the shipped rules read a quarter of that.
#pragma once

#include <cstdint>
#include <limits>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "rules/manager/group_evaluator.h"
#include "rules/promql/ast.h"
#include "rules/storage.h"

namespace inferwatch::rules::manager {

class RetentionNeeds {
 public:
  // An `@ <timestamp>` selector may read any point.
  static constexpr std::int64_t kEverything = std::numeric_limits<std::int64_t>::max();

  RetentionNeeds() = default;
  // lookback_ms: how far back an instant selector looks for a series' newest point.
  RetentionNeeds(const std::vector<std::unique_ptr<GroupEvaluator>>& groups,
                 std::int64_t lookback_ms);

  // Records the selectors of one expression evaluated every interval_ms.
  void Add(const promql::Expr& expr, std::int64_t interval_ms);

  // How long before "now" the series' points must reach back: the longest range, lookback,
  // offset and enclosing subqueries among the selectors that match it, plus the longest group
  // interval (a group evaluates at its last interval boundary, up to an interval before now).
  // 0 when no selector matches; kEverything for an `@ <timestamp>` selector.
  std::int64_t For(const Labels& labels) const;

 private:
  struct Need {
    std::vector<LabelMatcher> matchers;  // without the metric-name equality for by_name_
    std::int64_t ms = 0;
  };
  void AddSelector(const promql::VectorSelector& selector, std::int64_t reach_ms);
  void Walk(const promql::Expr& expr, std::int64_t outer_ms);

  std::int64_t lookback_ms_ = 0;
  std::int64_t longest_interval_ms_ = 0;
  std::map<std::string, std::vector<Need>, std::less<>> by_name_;
  std::vector<Need> any_name_;  // selectors without a metric-name equality
};

}  // namespace inferwatch::rules::manager
