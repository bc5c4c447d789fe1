// Internals shared by the evaluator's translation units (not a public API).
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/promql/dense_index.h"
#include "rules/promql/engine.h"

namespace inferwatch::rules::promql::detail {

struct EvalFailure {
  std::string message;
};
[[noreturn]] void Throw(std::string message);
// a - b, failing the evaluation instead of overflowing.
std::int64_t SubTime(std::int64_t a, std::int64_t b);

// Hash of the label pairs a binary match or grouping looks at: only `names` when `on`, else every
// label except `names` and __name__.
std::uint64_t SignatureOf(const Labels& labels, bool on, const std::vector<std::string>& names);

// Errors when two samples share a label set, as Prometheus does after every vector operation.
//
// Every vector the evaluator produces holds unique label sets (selections by construction, every
// operation by this check), so an operation that only keeps, filters or relabels its input the
// same way for every sample cannot create duplicates, and skips the check. Dropping the metric
// name can, unless every sample had the same name: DropMetricNames says when to check.
void CheckUniqueLabelSets(const Vector& vector);

bool SameMetricName(const Vector& vector);
// Removes every sample's metric name; returns whether that may have made two label sets equal
// (false when all samples had the same name).
bool DropMetricNames(Vector& vector);

// Go's math.Max/math.Min (NaN wins, unlike std::fmax).
double GoMax(double a, double b);
double GoMin(double a, double b);

// quantile over values as Prometheus's aggregation and quantile_over_time compute it; sorts values.
double Quantile(double q, std::vector<double>& values);

Vector Aggregate(const promql::Aggregate& node, Vector input, double param_number,
                 const std::string& param_string);

// Numbers an aggregation's groups in order of first appearance and builds each group's label set.
class Grouping {
 public:
  // count_values_label: the label count_values adds, which a `by` grouping keeps.
  Grouping(const promql::Aggregate& node, const std::string& count_values_label);
  // The group of a sample with these labels, and whether this call created it. The metric name
  // is never part of a group unless `by` lists it.
  std::pair<std::uint32_t, bool> GroupOf(const Labels& labels);
  // Label sets of the groups so far, by group number.
  std::vector<Labels>& group_labels() { return group_labels_; }
  bool lists_metric_name() const {
    return !without_ && std::binary_search(names_.begin(), names_.end(), "__name__");
  }

 private:
  std::vector<std::string> names_;  // sorted, unique
  bool without_;
  DenseIndex index_;
  std::vector<Labels::View> kept_;
  std::vector<Labels> group_labels_;
};

// The aggregation operators that keep one running value per group (all but topk, bottomk and
// quantile), fed one sample at a time: the evaluator feeds it straight from a range function
// over stored series, with no intermediate vector.
class GroupAccumulator {
 public:
  static bool Supports(AggregateOp op);
  GroupAccumulator(const promql::Aggregate& node, const std::string& count_values_label)
      : op_(node.op), grouping_(node, count_values_label) {}
  void Add(const Labels& labels, double value);
  Vector Finish(std::int64_t t_ms);
  const Grouping& grouping() const { return grouping_; }

 private:
  struct Group {
    double value;
    double mean;
    double count;
  };
  AggregateOp op_;
  Grouping grouping_;
  std::vector<Group> groups_;
};

// One series of a range-vector argument with the window it was selected over.
struct RangeWindow {
  std::int64_t start_ms = 0;  // eval time - offset - range
  std::int64_t end_ms = 0;    // eval time - offset
  std::int64_t range_ms = 0;
};

// Range-vector functions: returns false when the series produces no output.
bool EvalRangeFunction(std::string_view name, std::span<const SamplePoint> points,
                       const RangeWindow& window, const std::vector<double>& scalar_args,
                       std::int64_t eval_ms, double* out);

// Instant-vector functions that map samples (abs, round, clamp, date functions, ...). Returns
// false when `name` is not such a function.
bool EvalSampleFunction(std::string_view name, const std::vector<double>& scalar_args,
                        Vector& vector);

Vector HistogramQuantile(double q, const Vector& input);
Vector LabelReplace(const Vector& input, const std::string& dst, const std::string& replacement,
                    const std::string& src, const std::string& regex);
Vector LabelJoin(const Vector& input, const std::string& dst, const std::string& separator,
                 const std::vector<std::string>& sources);
void SortByValue(Vector& vector, bool descending);
double DateField(std::string_view name, double seconds);

}  // namespace inferwatch::rules::promql::detail
