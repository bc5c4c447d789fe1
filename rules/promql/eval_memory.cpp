#include "rules/promql/eval_memory.h"

#include "rules/promql/eval_internal.h"

namespace inferwatch::rules::promql {

bool SameLabelSetObjects(const std::vector<Labels>& remembered, const Vector& input) {
  if (remembered.size() != input.size()) return false;
  for (std::size_t i = 0; i < input.size(); ++i) {
    if (remembered[i].address() != input[i].labels.address()) return false;
  }
  return true;
}

EvalMemory::EvalMemory() = default;
EvalMemory::~EvalMemory() = default;
EvalMemory::EvalMemory(EvalMemory&&) noexcept = default;
EvalMemory& EvalMemory::operator=(EvalMemory&&) noexcept = default;

detail::GroupingMemo& EvalMemory::GroupingOf(const Aggregate& node) {
  auto& memo = groupings_[&node];
  if (memo == nullptr) memo = std::make_unique<detail::GroupingMemo>(node);
  return *memo;
}

detail::HistogramLayout& EvalMemory::HistogramLayoutOf(const Call& node) {
  auto& layout = histograms_[&node];
  if (layout == nullptr) layout = std::make_unique<detail::HistogramLayout>();
  return *layout;
}

detail::BinaryLabels& EvalMemory::BinaryLabelsOf(const Binary& node) {
  auto& memo = binaries_[&node];
  if (memo == nullptr) memo = std::make_unique<detail::BinaryLabels>();
  return *memo;
}

detail::Relabelled& EvalMemory::RelabelledOf(const Call& node) {
  auto& memo = relabelled_[&node];
  if (memo == nullptr) memo = std::make_unique<detail::Relabelled>();
  return *memo;
}

}  // namespace inferwatch::rules::promql
