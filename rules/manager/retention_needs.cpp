#include "rules/manager/retention_needs.h"

#include <algorithm>
#include <type_traits>
#include <variant>

namespace inferwatch::rules::manager {
namespace {

bool SameMatchers(const std::vector<LabelMatcher>& a, const std::vector<LabelMatcher>& b) {
  return std::equal(a.begin(), a.end(), b.begin(), b.end(), [](const auto& x, const auto& y) {
    return x.type == y.type && x.name == y.name && x.value == y.value;
  });
}

bool AllMatch(const std::vector<LabelMatcher>& matchers, const Labels& labels) {
  return std::all_of(matchers.begin(), matchers.end(), [&](const LabelMatcher& matcher) {
    return matcher.Matches(labels.Get(matcher.name));
  });
}

// Reaches add up without overflowing past kEverything; a negative offset shortens the reach.
std::int64_t Extend(std::int64_t reach_ms, std::int64_t by_ms) {
  if (reach_ms == RetentionNeeds::kEverything) return reach_ms;
  if (by_ms > 0 && reach_ms > RetentionNeeds::kEverything - by_ms) {
    return RetentionNeeds::kEverything;
  }
  return std::max<std::int64_t>(0, reach_ms + by_ms);
}

}  // namespace

RetentionNeeds::RetentionNeeds(const std::vector<std::unique_ptr<GroupEvaluator>>& groups,
                               std::int64_t lookback_ms)
    : lookback_ms_(lookback_ms) {
  for (const auto& group : groups) {
    for (const rulefile::Rule& rule : group->group().rules) {
      if (rule.parsed) Add(*rule.parsed, group->interval_ms());
    }
  }
}

void RetentionNeeds::Add(const promql::Expr& expr, std::int64_t interval_ms) {
  longest_interval_ms_ = std::max(longest_interval_ms_, interval_ms);
  Walk(expr, 0);
}

void RetentionNeeds::Walk(const promql::Expr& expr, std::int64_t outer_ms) {
  using namespace promql;  // NOLINT(google-build-using-namespace): the AST's node types
  const auto at_fixed = [](const AtModifier& at) { return at.kind == AtKind::kTimestamp; };
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          const std::int64_t reach =
              at_fixed(node.at) ? kEverything : node.offset_ms + lookback_ms_;
          AddSelector(node, Extend(outer_ms, reach));
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          const std::int64_t reach =
              at_fixed(node.selector.at) ? kEverything : node.selector.offset_ms + node.range_ms;
          AddSelector(node.selector, Extend(outer_ms, reach));
        } else if constexpr (std::is_same_v<T, Subquery>) {
          // The inner expression is evaluated at steps over the subquery's range.
          const std::int64_t reach =
              at_fixed(node.at) ? kEverything : Extend(outer_ms, node.offset_ms + node.range_ms);
          Walk(*node.expr, reach);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& arg : node.args) Walk(*arg, outer_ms);
        } else if constexpr (std::is_same_v<T, Aggregate>) {
          Walk(*node.expr, outer_ms);
          if (node.param) Walk(*node.param, outer_ms);
        } else if constexpr (std::is_same_v<T, Binary>) {
          Walk(*node.lhs, outer_ms);
          Walk(*node.rhs, outer_ms);
        } else if constexpr (std::is_same_v<T, Unary> || std::is_same_v<T, Paren>) {
          Walk(*node.expr, outer_ms);
        }
      },
      expr.node);
}

void RetentionNeeds::AddSelector(const promql::VectorSelector& selector, std::int64_t reach_ms) {
  const LabelMatcher* name_equal = FindNameEquality(selector.matchers);
  std::vector<LabelMatcher> others;
  for (const LabelMatcher& matcher : selector.matchers) {
    if (&matcher != name_equal) others.push_back(matcher);
  }
  std::vector<Need>& needs = name_equal != nullptr ? by_name_[name_equal->value] : any_name_;
  for (Need& need : needs) {
    if (SameMatchers(need.matchers, others)) {
      need.ms = std::max(need.ms, reach_ms);
      return;
    }
  }
  needs.push_back({std::move(others), reach_ms});
}

std::int64_t RetentionNeeds::For(const Labels& labels) const {
  std::int64_t reach = -1;
  const auto consider = [&](const std::vector<Need>& needs) {
    for (const Need& need : needs) {
      if (need.ms > reach && AllMatch(need.matchers, labels)) reach = need.ms;
    }
  };
  if (auto it = by_name_.find(labels.MetricName()); it != by_name_.end()) consider(it->second);
  consider(any_name_);
  if (reach < 0) return 0;
  return Extend(reach, longest_interval_ms_);
}

}  // namespace inferwatch::rules::manager
