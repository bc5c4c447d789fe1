// Aggregation operators (sum, avg, topk, quantile, count_values, ...) as Prometheus 2.42 computes
// them, including its heap-based topk/bottomk selection so ties resolve the same way.
#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <unordered_map>

#include "rules/promql/dense_index.h"
#include "rules/promql/eval_internal.h"
#include "rules/text/names.h"

namespace inferwatch::rules::promql::detail {

namespace {

// Go's container/heap over a less function.
template <class Less>
void HeapUp(std::vector<const VectorSample*>& h, std::size_t j, Less less) {
  while (j > 0) {
    const std::size_t i = (j - 1) / 2;
    if (i == j || !less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    j = i;
  }
}

template <class Less>
void HeapDown(std::vector<const VectorSample*>& h, std::size_t i0, std::size_t n, Less less) {
  std::size_t i = i0;
  while (true) {
    const std::size_t j1 = 2 * i + 1;
    if (j1 >= n) break;
    std::size_t j = j1;
    if (const std::size_t j2 = j1 + 1; j2 < n && less(h[j2], h[j1])) j = j2;
    if (!less(h[j], h[i])) break;
    std::swap(h[i], h[j]);
    i = j;
  }
}

template <class Less>
void HeapPush(std::vector<const VectorSample*>& h, const VectorSample* s, Less less) {
  h.push_back(s);
  HeapUp(h, h.size() - 1, less);
}

template <class Less>
void HeapPop(std::vector<const VectorSample*>& h, Less less) {
  const std::size_t n = h.size() - 1;
  std::swap(h[0], h[n]);
  HeapDown(h, 0, n, less);
  h.pop_back();
}

std::string FormatValueLabel(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  // strconv.FormatFloat(v, 'f', -1, 64): shortest round-trip digits, never an exponent.
  char buf[512];
  auto result = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  return std::string(buf, result.ptr);
}

}  // namespace

double Quantile(double q, std::vector<double>& values) {
  if (values.empty()) return std::numeric_limits<double>::quiet_NaN();
  if (q < 0) return -std::numeric_limits<double>::infinity();
  if (q > 1) return std::numeric_limits<double>::infinity();
  std::stable_sort(values.begin(), values.end(), [](double a, double b) {
    if (std::isnan(a)) return !std::isnan(b);
    if (std::isnan(b)) return false;
    return a < b;
  });
  const double n = static_cast<double>(values.size());
  const double rank = q * (n - 1);
  const double lower = std::max(0.0, std::floor(rank));
  const double upper = std::min(n - 1, lower + 1);
  const double weight = rank - std::floor(rank);
  if (std::isnan(rank)) return std::numeric_limits<double>::quiet_NaN();
  return values[static_cast<std::size_t>(lower)] * (1 - weight) +
         values[static_cast<std::size_t>(upper)] * weight;
}

Grouping::Grouping(const promql::Aggregate& node, const std::string& count_values_label)
    : names_(node.grouping), without_(node.without) {
  if (node.op == AggregateOp::kCountValues && !node.without) names_.push_back(count_values_label);
  // Sorted and unique: signatures walk it alongside the sorted label pairs, and a group's label
  // set is built from what that walk keeps.
  std::sort(names_.begin(), names_.end());
  names_.erase(std::unique(names_.begin(), names_.end()), names_.end());
}

std::pair<std::uint32_t, bool> Grouping::GroupOf(const Labels& labels) {
  // One walk finds the group's hash and the pairs its label set is built from, should the group
  // be new.
  kept_.clear();
  const std::uint64_t key =
      !without_ && names_.empty() ? 0 : labels.HashOfGrouping(names_, !without_, &kept_);
  const auto found = index_.Insert(key);
  if (found.second) {
    keys_.push_back(key);
    // A grouping that keeps every pair (by every label the samples have, as fine-grained rules
    // often group) shares the sample's set instead of building an equal one.
    group_labels_.push_back(kept_.size() == labels.size() ? labels : Labels::FromSorted(kept_));
  }
  return found;
}

void Grouping::Truncate(std::uint32_t count) {
  if (count >= keys_.size()) return;
  keys_.resize(count);
  group_labels_.resize(count);
  DenseIndex rebuilt(count);
  for (const std::uint64_t key : keys_) rebuilt.Insert(key);
  index_ = std::move(rebuilt);
}

bool GroupAccumulator::Supports(AggregateOp op) {
  switch (op) {
    case AggregateOp::kTopk:
    case AggregateOp::kBottomk:
    case AggregateOp::kQuantile:
      return false;
    default:
      return true;
  }
}

void GroupAccumulator::Add(const Labels& labels, double v) {
  const auto [number, inserted] =
      memo_ != nullptr ? memo_->Next(labels, static_cast<std::uint32_t>(groups_.size()))
                       : grouping_->GroupOf(labels);
  if (inserted) {
    Group group{v, v, 1};
    if (op_ == AggregateOp::kStddev || op_ == AggregateOp::kStdvar) group.value = 0;
    if (op_ == AggregateOp::kGroup) group.value = 1;
    groups_.push_back(group);
    return;
  }
  Group& group = groups_[number];
  switch (op_) {
    case AggregateOp::kSum:
      group.value += v;
      break;
    case AggregateOp::kAvg:
      group.count += 1;
      if (std::isinf(group.mean)) {
        if (std::isinf(v) && (group.mean > 0) == (v > 0)) break;
        if (!std::isinf(v) && !std::isnan(v)) break;
      }
      group.mean += v / group.count - group.mean / group.count;
      break;
    case AggregateOp::kMax:
      if (group.value < v || std::isnan(group.value)) group.value = v;
      break;
    case AggregateOp::kMin:
      if (group.value > v || std::isnan(group.value)) group.value = v;
      break;
    case AggregateOp::kCount:
    case AggregateOp::kCountValues:
      group.count += 1;
      break;
    case AggregateOp::kStddev:
    case AggregateOp::kStdvar: {
      group.count += 1;
      const double delta = v - group.mean;
      group.mean += delta / group.count;
      group.value += delta * (v - group.mean);
      break;
    }
    default:  // group, and the operators Supports() turns away
      break;
  }
}

Vector GroupAccumulator::Finish(std::int64_t t_ms) {
  if (memo_ != nullptr) memo_->End(static_cast<std::uint32_t>(groups_.size()));
  std::vector<Labels>& labels = grouping_->group_labels();
  Vector out;
  out.reserve(groups_.size());
  for (std::size_t i = 0; i < groups_.size(); ++i) {
    const Group& group = groups_[i];
    double value = group.value;
    switch (op_) {
      case AggregateOp::kAvg:
        value = group.mean;
        break;
      case AggregateOp::kCount:
      case AggregateOp::kCountValues:
        value = group.count;
        break;
      case AggregateOp::kStdvar:
        value = group.value / group.count;
        break;
      case AggregateOp::kStddev:
        value = std::sqrt(group.value / group.count);
        break;
      default:
        break;
    }
    // A memo keeps its groups' label sets for the next round.
    out.push_back(VectorSample{memo_ != nullptr ? labels[i] : std::move(labels[i]), value, t_ms});
  }
  return out;
}

Vector Aggregate(const promql::Aggregate& node, Vector input, double param_number,
                 const std::string& param_string, GroupingMemo* memo) {
  const AggregateOp op = node.op;
  if (op == AggregateOp::kCountValues && !IsValidLabelName(param_string)) {
    Throw("invalid label name \"" + param_string + "\"");
  }
  if (memo != nullptr && op != AggregateOp::kCountValues && GroupAccumulator::Supports(op)) {
    GroupAccumulator accumulator(node, *memo);
    for (const auto& sample : input) accumulator.Add(sample.labels, sample.value);
    return accumulator.Finish(0);
  }
  if (GroupAccumulator::Supports(op)) {
    GroupAccumulator accumulator(node, param_string);
    for (auto& sample : input) {
      if (op == AggregateOp::kCountValues) {
        sample.labels.Set(param_string, FormatValueLabel(sample.value));
      }
      accumulator.Add(sample.labels, sample.value);
    }
    return accumulator.Finish(0);
  }

  // topk, bottomk and quantile keep members per group.
  std::int64_t k = 0;
  if (op == AggregateOp::kTopk || op == AggregateOp::kBottomk) {
    if (std::isnan(param_number) || param_number >= 9.2233720368547758e18 ||
        param_number <= -9.2233720368547758e18) {
      Throw("Scalar value " + FormatValueLabel(param_number) + " overflows int64");
    }
    k = static_cast<std::int64_t>(param_number);
    if (k < 1) return {};
  }
  const auto top_less = [](const VectorSample* a, const VectorSample* b) {
    if (std::isnan(a->value)) return true;
    return a->value < b->value;
  };
  const auto bottom_less = [](const VectorSample* a, const VectorSample* b) {
    if (std::isnan(a->value)) return true;
    return a->value > b->value;
  };
  Grouping grouping(node, param_string);
  std::vector<std::vector<const VectorSample*>> heaps;
  std::vector<std::vector<double>> values;
  for (const auto& sample : input) {
    const auto [number, inserted] = grouping.GroupOf(sample.labels);
    if (op == AggregateOp::kQuantile) {
      if (inserted) values.emplace_back();
      values[number].push_back(sample.value);
      continue;
    }
    if (inserted) heaps.emplace_back();
    auto& heap = heaps[number];
    const double v = sample.value;
    const bool top = op == AggregateOp::kTopk;
    if (static_cast<std::int64_t>(heap.size()) < k ||
        (top ? heap[0]->value < v : heap[0]->value > v) || std::isnan(heap[0]->value)) {
      if (static_cast<std::int64_t>(heap.size()) == k) {
        if (k == 1) {
          heap[0] = &sample;
          continue;
        }
        if (top) {
          HeapPop(heap, top_less);
        } else {
          HeapPop(heap, bottom_less);
        }
      }
      if (top) {
        HeapPush(heap, &sample, top_less);
      } else {
        HeapPush(heap, &sample, bottom_less);
      }
    }
  }

  Vector out;
  std::vector<Labels>& labels = grouping.group_labels();
  if (op == AggregateOp::kQuantile) {
    for (std::size_t i = 0; i < values.size(); ++i) {
      out.push_back(VectorSample{std::move(labels[i]), Quantile(param_number, values[i]), 0});
    }
    return out;
  }
  // Highest (lowest) first, NaN last: the heap order reversed.
  const bool top = op == AggregateOp::kTopk;
  for (auto& heap : heaps) {
    std::stable_sort(heap.begin(), heap.end(), [&](const VectorSample* a, const VectorSample* b) {
      return top ? top_less(b, a) : bottom_less(b, a);
    });
    for (const VectorSample* s : heap) out.push_back(VectorSample{s->labels, s->value, 0});
  }
  return out;
}

}  // namespace inferwatch::rules::promql::detail
