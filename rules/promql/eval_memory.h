// What evaluations of the same rule expressions keep from one round to the next. A rule group
// evaluates the same expressions over much the same series every round; remembering how an
// aggregation grouped them, and how histogram_quantile laid out its buckets, spares recomputing
// either (see detail::GroupingMemo and detail::HistogramLayout).
#pragma once

#include <cstddef>
#include <memory>
#include <unordered_map>
#include <vector>

#include "rules/promql/ast.h"
#include "rules/promql/engine.h"

namespace inferwatch::rules::promql {

namespace detail {
class GroupingMemo;
struct HistogramLayout;
struct BinaryLabels;
struct Relabelled;
}  // namespace detail

// Whether `input` holds, in order, the very label-set objects of `remembered` (compared by
// address: the holder of `remembered` keeps them alive, so no address is reused for another set).
// The test by which remembered work is replayed.
bool SameLabelSetObjects(const std::vector<Labels>& remembered, const Vector& input);

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
  // Of a histogram_quantile call.
  detail::HistogramLayout& HistogramLayoutOf(const Call& node);
  // Of a binary operation between two vectors.
  detail::BinaryLabels& BinaryLabelsOf(const Binary& node);
  // Of a label_replace or label_join call.
  detail::Relabelled& RelabelledOf(const Call& node);
  // How many samples the node's last evaluation produced: what to reserve for the next, so a
  // result of a hundred thousand samples is not grown by doubling every round.
  std::size_t& ResultSize(const void* node) { return result_sizes_[node]; }

 private:
  std::unordered_map<const Aggregate*, std::unique_ptr<detail::GroupingMemo>> groupings_;
  std::unordered_map<const Call*, std::unique_ptr<detail::HistogramLayout>> histograms_;
  std::unordered_map<const Binary*, std::unique_ptr<detail::BinaryLabels>> binaries_;
  std::unordered_map<const Call*, std::unique_ptr<detail::Relabelled>> relabelled_;
  std::unordered_map<const void*, std::size_t> result_sizes_;
};

}  // namespace inferwatch::rules::promql
