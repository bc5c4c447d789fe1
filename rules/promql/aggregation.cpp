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

struct Group {
  Labels labels;
  double value = 0;
  double mean = 0;
  double count = 0;
  std::vector<const VectorSample*> heap;  // topk/bottomk/quantile members
  std::vector<double> values;
};

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

Vector Aggregate(const promql::Aggregate& node, Vector input, double param_number,
                 const std::string& param_string) {
  const AggregateOp op = node.op;
  std::vector<std::string> grouping = node.grouping;
  std::int64_t k = 0;
  if (op == AggregateOp::kTopk || op == AggregateOp::kBottomk) {
    if (std::isnan(param_number) || param_number >= 9.2233720368547758e18 ||
        param_number <= -9.2233720368547758e18) {
      Throw("Scalar value " + FormatValueLabel(param_number) + " overflows int64");
    }
    k = static_cast<std::int64_t>(param_number);
    if (k < 1) return {};
  }
  if (op == AggregateOp::kCountValues) {
    if (!IsValidLabelName(param_string)) Throw("invalid label name \"" + param_string + "\"");
    if (!node.without) grouping.push_back(param_string);
  }
  // Sorted and unique: signatures walk it alongside the sorted label pairs, and the group's label
  // set is built from it directly.
  std::sort(grouping.begin(), grouping.end());
  grouping.erase(std::unique(grouping.begin(), grouping.end()), grouping.end());
  const auto top_less = [](const VectorSample* a, const VectorSample* b) {
    if (std::isnan(a->value)) return true;
    return a->value < b->value;
  };
  const auto bottom_less = [](const VectorSample* a, const VectorSample* b) {
    if (std::isnan(a->value)) return true;
    return a->value > b->value;
  };

  DenseIndex index;
  std::vector<Group> groups;
  std::vector<Labels::View> kept;
  for (auto& sample : input) {
    if (op == AggregateOp::kCountValues) {
      sample.labels.Set(param_string, FormatValueLabel(sample.value));
    }
    // One walk finds the group's hash and the pairs its label set is built from, should the
    // group be new.
    kept.clear();
    const std::uint64_t key = !node.without && grouping.empty()
                                  ? 0
                                  : sample.labels.HashOfGrouping(grouping, !node.without, &kept);
    const auto [number, inserted] = index.Insert(key);
    if (inserted) {
      Group group;
      // A grouping that keeps every pair (by every label the samples have, as fine-grained
      // rules often group) shares the sample's set instead of building an equal one.
      group.labels = kept.size() == sample.labels.size() ? sample.labels : Labels::FromSorted(kept);
      group.value = sample.value;
      group.mean = sample.value;
      group.count = 1;
      switch (op) {
        case AggregateOp::kStddev:
        case AggregateOp::kStdvar:
          group.value = 0;
          break;
        case AggregateOp::kTopk:
        case AggregateOp::kBottomk:
          group.heap.push_back(&sample);
          break;
        case AggregateOp::kQuantile:
          group.values.push_back(sample.value);
          break;
        case AggregateOp::kGroup:
          group.value = 1;
          break;
        default:
          break;
      }
      groups.push_back(std::move(group));
      continue;
    }
    Group& group = groups[number];
    const double v = sample.value;
    switch (op) {
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
      case AggregateOp::kGroup:
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
      case AggregateOp::kTopk:
        if (static_cast<std::int64_t>(group.heap.size()) < k || group.heap[0]->value < v ||
            std::isnan(group.heap[0]->value)) {
          if (static_cast<std::int64_t>(group.heap.size()) == k) {
            if (k == 1) {
              group.heap[0] = &sample;
              break;
            }
            HeapPop(group.heap, top_less);
          }
          HeapPush(group.heap, &sample, top_less);
        }
        break;
      case AggregateOp::kBottomk:
        if (static_cast<std::int64_t>(group.heap.size()) < k || group.heap[0]->value > v ||
            std::isnan(group.heap[0]->value)) {
          if (static_cast<std::int64_t>(group.heap.size()) == k) {
            if (k == 1) {
              group.heap[0] = &sample;
              break;
            }
            HeapPop(group.heap, bottom_less);
          }
          HeapPush(group.heap, &sample, bottom_less);
        }
        break;
      case AggregateOp::kQuantile:
        group.values.push_back(v);
        break;
    }
  }

  Vector out;
  for (auto& group : groups) {
    switch (op) {
      case AggregateOp::kAvg:
        group.value = group.mean;
        break;
      case AggregateOp::kCount:
      case AggregateOp::kCountValues:
        group.value = group.count;
        break;
      case AggregateOp::kStdvar:
        group.value = group.value / group.count;
        break;
      case AggregateOp::kStddev:
        group.value = std::sqrt(group.value / group.count);
        break;
      case AggregateOp::kTopk:
      case AggregateOp::kBottomk: {
        // Highest (lowest) first, NaN last: the heap order reversed.
        const bool top = op == AggregateOp::kTopk;
        std::stable_sort(group.heap.begin(), group.heap.end(),
                         [&](const VectorSample* a, const VectorSample* b) {
                           return top ? top_less(b, a) : bottom_less(b, a);
                         });
        for (const VectorSample* s : group.heap)
          out.push_back(VectorSample{s->labels, s->value, 0});
        continue;
      }
      case AggregateOp::kQuantile:
        group.value = Quantile(param_number, group.values);
        break;
      default:
        break;
    }
    out.push_back(VectorSample{std::move(group.labels), group.value, 0});
  }
  return out;
}

}  // namespace inferwatch::rules::promql::detail
