// Internals shared by the evaluator's translation units (not a public API).
#pragma once

#include <algorithm>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "rules/promql/dense_index.h"
#include "rules/promql/engine.h"

namespace inferwatch::rules::promql::detail {

class GroupingMemo;

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
struct ReusedLabelSets;
// CheckUniqueLabelSets, skipped when `memo` (may be null) holds exactly `vector`'s label sets,
// all reused, and they passed before; afterwards `memo` records that they passed.
void CheckUniqueLabelSetsOnce(const Vector& vector, ReusedLabelSets* memo);

bool SameMetricName(const Vector& vector);
// Removes every sample's metric name; returns whether that may have made two label sets equal
// (false when all samples had the same name).
bool DropMetricNames(Vector& vector);

// Go's math.Max/math.Min (NaN wins, unlike std::fmax).
double GoMax(double a, double b);
double GoMin(double a, double b);

// quantile over values as Prometheus's aggregation and quantile_over_time compute it; sorts values.
double Quantile(double q, std::vector<double>& values);

// memo: groups the running-value operators (not count_values) through it; may be null.
Vector Aggregate(const promql::Aggregate& node, Vector input, double param_number,
                 const std::string& param_string, GroupingMemo* memo = nullptr);

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
  // Forgets the groups numbered `count` and above, as if only the samples that created the first
  // `count` groups had been seen.
  void Truncate(std::uint32_t count);
  bool lists_metric_name() const {
    return !without_ && std::binary_search(names_.begin(), names_.end(), "__name__");
  }

 private:
  std::vector<std::string> names_;  // sorted, unique
  bool without_;
  DenseIndex index_;
  std::vector<std::uint64_t> keys_;  // by group number, to rebuild the index on Truncate
  std::vector<Labels::View> kept_;
  std::vector<Labels> group_labels_;
};

// What one aggregation's grouping was in its last evaluation: its input label sets in order and
// the group of each. A rule's inputs rarely change between rounds (the same scraped series in the
// same order), so the next round replays the groups while its inputs are the very same label sets,
// compared by address (the memo holds them, so no address is reused for another set), and goes on
// as a fresh grouping from the first input that differs. Replaying skips hashing each sample's
// kept pairs, the group table and building the groups' label sets, and never reads the label text.
class GroupingMemo {
 public:
  explicit GroupingMemo(const promql::Aggregate& node) : grouping_(node, std::string()) {}
  Grouping& grouping() { return grouping_; }
  void Begin() {
    position_ = 0;
    replaying_ = true;
  }
  // As Grouping::GroupOf for the next input, given how many groups this evaluation has so far.
  std::pair<std::uint32_t, bool> Next(const Labels& labels, std::uint32_t groups_so_far) {
    const std::size_t position = position_++;
    if (replaying_) {
      if (position < inputs_.size() && inputs_[position].address() == labels.address()) {
        const std::uint32_t number = group_of_[position];
        return {number, number == groups_so_far};
      }
      Diverge(position, groups_so_far);
    }
    const auto found = grouping_.GroupOf(labels);
    inputs_.push_back(labels);
    group_of_.push_back(found.first);
    return found;
  }
  // The evaluation saw `groups` groups; a shorter input than last time ends the replay there.
  void End(std::uint32_t groups) {
    if (replaying_ && position_ < inputs_.size()) Diverge(position_, groups);
  }

 private:
  void Diverge(std::size_t position, std::uint32_t groups_so_far) {
    replaying_ = false;
    inputs_.resize(position);
    group_of_.resize(position);
    grouping_.Truncate(groups_so_far);
  }

  Grouping grouping_;
  std::vector<Labels> inputs_;
  std::vector<std::uint32_t> group_of_;
  std::size_t position_ = 0;
  bool replaying_ = false;
};

// The aggregation operators that keep one running value per group (all but topk, bottomk and
// quantile), fed one sample at a time: the evaluator feeds it straight from a range function
// over stored series, with no intermediate vector.
class GroupAccumulator {
 public:
  static bool Supports(AggregateOp op);
  GroupAccumulator(const promql::Aggregate& node, const std::string& count_values_label)
      : op_(node.op),
        own_grouping_(std::in_place, node, count_values_label),
        grouping_(&*own_grouping_) {}
  // Groups through `memo` (not count_values, whose label changes the inputs).
  GroupAccumulator(const promql::Aggregate& node, GroupingMemo& memo)
      : op_(node.op), grouping_(&memo.grouping()), memo_(&memo) {
    memo.Begin();
  }
  // grouping_ may point into the object itself.
  GroupAccumulator(const GroupAccumulator&) = delete;
  GroupAccumulator& operator=(const GroupAccumulator&) = delete;
  void Add(const Labels& labels, double value);
  Vector Finish(std::int64_t t_ms);
  const Grouping& grouping() const { return *grouping_; }

 private:
  struct Group {
    double value;
    double mean;
    double count;
  };
  AggregateOp op_;
  std::optional<Grouping> own_grouping_;
  Grouping* grouping_;
  GroupingMemo* memo_ = nullptr;
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

// How histogram_quantile groups its input: which histogram each bucket belongs to and the order
// of its bounds. The input of a rule's histogram_quantile is an aggregation's output, whose label
// sets are the same objects round after round (GroupingMemo keeps them), so a remembered layout
// is replayed while the input's label sets are those it was built from, compared by address.
struct HistogramLayout {
  static constexpr std::uint32_t kNotABucket = 0xffffffff;
  struct Histogram {
    Labels labels;
    std::uint32_t first = 0;  // its buckets' slots, sorted by bound
    std::uint32_t size = 0;
  };
  std::vector<Labels> inputs;         // kept only when remembered
  std::vector<std::uint32_t> slots;   // per input sample: its bucket's slot, or kNotABucket
  std::vector<double> uppers;         // per slot
  std::vector<Histogram> histograms;  // in order of first appearance
  bool one_metric_name = true;        // every input had the same name (or none)
};
// What a memory of result label sets (BinaryLabels, Relabelled) says about its last use: whether
// every result label set was reused at its own position, and whether the label sets it holds
// passed the uniqueness check. Both true: the very label sets that passed last time, which pass
// again (see CheckUniqueLabelSetsOnce).
struct ReusedLabelSets {
  bool all_reused = false;
  bool checked_unique = false;
};
// A memory of result label sets (BinaryLabels, Relabelled) is rewritten in place, position by
// position, as a result is built. RememberNew records at position i (at most the size: appended
// there) a result built anew this call, so not every set was reused and the sets held are not
// known to be unique; EndReuse ends a call that reached `count` positions, dropping the rest.
template <class Memo>
void RememberNew(Memo& memo, std::size_t i, typename Memo::Entry entry, bool* all_reused) {
  *all_reused = false;
  memo.checked_unique = false;
  if (i < memo.entries.size()) {
    memo.entries[i] = std::move(entry);
  } else {
    memo.entries.push_back(std::move(entry));
  }
}
template <class Memo>
void EndReuse(Memo& memo, std::size_t count, bool all_reused) {
  if (memo.entries.size() != count) {
    all_reused = false;
    memo.checked_unique = false;
    memo.entries.resize(count);
  }
  memo.all_reused = all_reused;
}
// The result label sets of a vector binary operation by output position, each with the two input
// label sets it was built from. Both sides usually hold the same label-set objects round after
// round (the store's series, their remembered name-less copies, a GroupingMemo's groups), so a
// result is reused while its inputs are those very objects, compared by address (the memo holds
// them, so no address is reused). Building the set anew costs allocations per sample, and a new
// object each round defeats every address test downstream.
struct BinaryLabels : ReusedLabelSets {
  struct Entry {
    Labels many;
    Labels one;
    Labels result;
  };
  std::vector<Entry> entries;
};
// What label_replace or label_join made of each input label set, by input position, replayed
// while the input at a position is the same object (compared by address; held here, so no
// address is reused): no regex match and no new set per sample and round.
struct Relabelled : ReusedLabelSets {
  struct Entry {
    Labels input;
    Labels output;
  };
  std::vector<Entry> entries;
};
// Lays out `input` in `layout` and computes the quantiles. With `remember`, `layout` is the one
// this call built last time: replayed while the input is the same label sets, else rebuilt and
// kept with them.
Vector HistogramQuantile(double q, const Vector& input, HistogramLayout& layout, bool remember);
// With `memo`, replays and records what each input label set became (see Relabelled).
Vector LabelReplace(const Vector& input, const std::string& dst, const std::string& replacement,
                    const std::string& src, const std::string& regex, Relabelled* memo);
Vector LabelJoin(const Vector& input, const std::string& dst, const std::string& separator,
                 const std::vector<std::string>& sources, Relabelled* memo);
void SortByValue(Vector& vector, bool descending);
double DateField(std::string_view name, double seconds);

}  // namespace inferwatch::rules::promql::detail
