// What evaluations of the same rule expressions keep from one round to the next. A rule group
// evaluates the same expressions over much the same series every round; remembering how an
// aggregation grouped them spares recomputing it (see detail::GroupingMemo).
#pragma once

#include <memory>
#include <unordered_map>

#include "rules/promql/ast.h"

namespace inferwatch::rules::promql {

namespace detail {
class GroupingMemo;
}

// Keyed by expression node: the expressions must outlive it. One per rule group, used by one
// evaluation at a time.
class EvalMemory {
 public:
  EvalMemory();
  ~EvalMemory();
  EvalMemory(const EvalMemory&) = delete;
  EvalMemory& operator=(const EvalMemory&) = delete;
  EvalMemory(EvalMemory&&) noexcept;
  EvalMemory& operator=(EvalMemory&&) noexcept;

  detail::GroupingMemo& GroupingOf(const Aggregate& node);

 private:
  std::unordered_map<const Aggregate*, std::unique_ptr<detail::GroupingMemo>> groupings_;
};

}  // namespace inferwatch::rules::promql
