#include "rules/promql/engine.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <optional>
#include <unordered_map>
#include <unordered_set>

#include <xxhash.h>

#include "rules/promql/eval_internal.h"
#include "rules/promql/eval_memory.h"
#include "rules/promql/functions.h"
#include "rules/promql/subexpression_cache.h"

namespace inferwatch::rules::promql {

ValueType Value::type() const {
  switch (data.index()) {
    case 0:
      return ValueType::kScalar;
    case 1:
      return ValueType::kVector;
    case 2:
      return ValueType::kMatrix;
    default:
      return ValueType::kString;
  }
}

bool ContainsSameLabelSet(const Vector& vector) {
  if (vector.size() < 2) return false;
  // Sorted hashes find candidates without a hash table; equal hashes are then compared in full.
  thread_local std::vector<std::pair<std::uint64_t, const Labels*>> hashes;
  hashes.clear();
  hashes.reserve(vector.size());
  for (const auto& sample : vector) hashes.emplace_back(sample.labels.Hash(), &sample.labels);
  std::sort(hashes.begin(), hashes.end(),
            [](const auto& a, const auto& b) { return a.first < b.first; });
  for (std::size_t i = 1; i < hashes.size(); ++i) {
    for (std::size_t j = i; j-- > 0 && hashes[j].first == hashes[i].first;) {
      if (*hashes[j].second == *hashes[i].second) return true;
    }
  }
  return false;
}

namespace detail {

void Throw(std::string message) {
  throw EvalFailure{std::move(message)};
}

std::uint64_t SignatureOf(const Labels& labels, bool on, const std::vector<std::string>& names) {
  if (!std::is_sorted(names.begin(), names.end())) {
    return labels.HashOfPairs([&](std::string_view name) {
      const bool listed = std::find(names.begin(), names.end(), name) != names.end();
      return on ? listed : !(listed || name == "__name__");
    });
  }
  return labels.HashOfGrouping(names, on, nullptr);
}

void CheckUniqueLabelSets(const Vector& vector) {
  if (ContainsSameLabelSet(vector)) Throw("vector cannot contain metrics with the same labelset");
}

void CheckUniqueLabelSetsOnce(const Vector& vector, ReusedLabelSets* memo) {
  if (memo != nullptr && memo->all_reused && memo->checked_unique) return;
  CheckUniqueLabelSets(vector);
  if (memo != nullptr) memo->checked_unique = true;
}

bool SameMetricName(const Vector& vector) {
  if (vector.empty()) return true;
  const std::string_view first = vector.front().labels.MetricName();
  return std::all_of(vector.begin(), vector.end(),
                     [&](const VectorSample& s) { return s.labels.MetricName() == first; });
}

bool DropMetricNames(Vector& vector) {
  const bool same_name = SameMetricName(vector);
  for (auto& sample : vector) sample.labels.Remove("__name__");
  return !same_name;
}

std::int64_t SubTime(std::int64_t a, std::int64_t b) {
  std::int64_t out;
  if (__builtin_sub_overflow(a, b, &out)) Throw("timestamp out of range");
  return out;
}

double GoMax(double a, double b) {
  if (std::isinf(a) && a > 0) return a;
  if (std::isinf(b) && b > 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a > b ? a : b;
}

double GoMin(double a, double b) {
  if (std::isinf(a) && a < 0) return a;
  if (std::isinf(b) && b < 0) return b;
  if (std::isnan(a) || std::isnan(b)) return std::numeric_limits<double>::quiet_NaN();
  return a < b ? a : b;
}

}  // namespace detail

namespace {

using detail::Throw;

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

const Expr& Unwrap(const Expr& expr) {
  if (const auto* paren = std::get_if<Paren>(&expr.node)) return Unwrap(*paren->expr);
  return expr;
}

bool ShouldDropName(BinaryOp op) {
  return op == BinaryOp::kAdd || op == BinaryOp::kSub || op == BinaryOp::kMul ||
         op == BinaryOp::kDiv || op == BinaryOp::kPow || op == BinaryOp::kMod;
}

// Returns the value and whether a comparison keeps the sample.
std::pair<double, bool> ElementOp(BinaryOp op, double lhs, double rhs) {
  switch (op) {
    case BinaryOp::kAdd:
      return {lhs + rhs, true};
    case BinaryOp::kSub:
      return {lhs - rhs, true};
    case BinaryOp::kMul:
      return {lhs * rhs, true};
    case BinaryOp::kDiv:
      return {lhs / rhs, true};
    case BinaryOp::kPow:
      return {std::pow(lhs, rhs), true};
    case BinaryOp::kMod:
      return {std::fmod(lhs, rhs), true};
    case BinaryOp::kAtan2:
      return {std::atan2(lhs, rhs), true};
    case BinaryOp::kEql:
      return {lhs, lhs == rhs};
    case BinaryOp::kNeq:
      return {lhs, lhs != rhs};
    case BinaryOp::kGtr:
      return {lhs, lhs > rhs};
    case BinaryOp::kLss:
      return {lhs, lhs < rhs};
    case BinaryOp::kGte:
      return {lhs, lhs >= rhs};
    case BinaryOp::kLte:
      return {lhs, lhs <= rhs};
    default:
      break;
  }
  Throw("operator not allowed on scalar or vector elements");
}

double ScalarOp(BinaryOp op, double lhs, double rhs, bool return_bool) {
  auto [value, keep] = ElementOp(op, lhs, rhs);
  if (IsComparison(op)) return keep ? 1 : 0;
  (void)return_bool;
  return value;
}

// Prometheus bounds subqueries through its sample limit; a step limit keeps hostile rules cheap.
constexpr std::int64_t kMaxSubquerySteps = 1000000;

class Evaluator {
 public:
  Evaluator(const Storage& storage, std::int64_t query_ms, const EvalOptions& options)
      : storage_(storage), query_ms_(query_ms), options_(options) {}

  Value Eval(const Expr& expr, std::int64_t t) {
    // Only at the query's own time: a subquery's steps would evict the round's results.
    if (options_.shared != nullptr && t == query_ms_) {
      Value shared;
      if (options_.shared->Get(expr, t, &shared, [&] { return EvalFresh(expr, t); })) {
        return shared;
      }
    }
    return EvalFresh(expr, t);
  }

 private:
  Value EvalFresh(const Expr& expr, std::int64_t t) {
    return std::visit(Overloaded{
                          [&](const NumberLiteral& n) {
                            return Value{Scalar{n.value, t}};
                          },
                          [&](const StringLiteral& s) { return Value{s.value}; },
                          [&](const VectorSelector& v) { return Value{SelectInstant(v, t)}; },
                          [&](const MatrixSelector& m) {
                            RangeWindow window;
                            return Value{SelectRange(m, t, &window)};
                          },
                          [&](const Subquery& s) {
                            RangeWindow window;
                            return Value{EvalSubquery(s, t, &window)};
                          },
                          [&](const Call& c) { return EvalCall(c, t); },
                          [&](const promql::Aggregate& a) { return Value{EvalAggregate(a, t)}; },
                          [&](const Binary& b) { return EvalBinary(b, t); },
                          [&](const Unary& u) { return EvalUnary(u, t); },
                          [&](const Paren& p) { return Eval(*p.expr, t); },
                      },
                      expr.node);
  }

  using RangeWindow = detail::RangeWindow;

  std::int64_t ReferenceTime(const AtModifier& at, std::int64_t offset_ms, std::int64_t t) const {
    switch (at.kind) {
      case AtKind::kNone:
        return detail::SubTime(t, offset_ms);
      case AtKind::kTimestamp:
        return detail::SubTime(at.timestamp_ms, offset_ms);
      case AtKind::kStart:
      case AtKind::kEnd:
        return detail::SubTime(query_ms_, offset_ms);
    }
    return detail::SubTime(t, offset_ms);
  }

  // Prometheus's storage returns series in label order; topk ties and eval_ordered output depend
  // on it, so restore it when the Storage did not visit in that order.
  template <class T>
  static void SortByLabels(std::vector<T>& items, Storage::VisitOrder order) {
    if (order == Storage::VisitOrder::kLabelOrder) return;
    const auto by_labels = [](const T& a, const T& b) { return a.labels < b.labels; };
    if (!std::is_sorted(items.begin(), items.end(), by_labels)) {
      std::sort(items.begin(), items.end(), by_labels);
    }
  }

  // The newest sample at or before ref within the lookback window, unless it is a stale marker.
  std::optional<SamplePoint> LatestSample(std::span<const SamplePoint> points, std::int64_t mint,
                                          std::int64_t ref) const {
    for (auto it = points.rbegin(); it != points.rend(); ++it) {
      if (it->t_ms > ref) continue;
      if (it->t_ms < mint || IsStaleNaN(it->v)) return std::nullopt;
      return *it;
    }
    return std::nullopt;
  }

  Vector SelectInstant(const VectorSelector& selector, std::int64_t t,
                       bool keep_sample_times = false) {
    const std::int64_t ref = ReferenceTime(selector.at, selector.offset_ms, t);
    const std::int64_t mint = detail::SubTime(ref, options_.lookback_delta_ms);
    Vector out;
    std::size_t* remembered_size = ResultSizeOf(&selector, t);
    if (remembered_size != nullptr) out.reserve(*remembered_size);
    const Storage::VisitOrder order = storage_.Select(
        selector.matchers, mint, ref,
        [&](const Labels& labels, std::span<const SamplePoint> points) {
          if (std::optional<SamplePoint> latest = LatestSample(points, mint, ref)) {
            out.push_back(VectorSample{labels, latest->v, keep_sample_times ? latest->t_ms : t});
          }
        });
    SortByLabels(out, order);
    if (remembered_size != nullptr) *remembered_size = out.size();
    return out;
  }

  // The size of `node`'s result in this rule's last round, kept at the query's own time only.
  std::size_t* ResultSizeOf(const void* node, std::int64_t t) {
    if (options_.memory == nullptr || t != query_ms_) return nullptr;
    return &options_.memory->ResultSize(node);
  }

  // Visits each selected series with its points in the window, staleness markers left out. The
  // points are the storage's own where possible: range functions run on them in place.
  template <class Visit>
  Storage::VisitOrder SelectRangeInto(const MatrixSelector& m, std::int64_t t, RangeWindow* window,
                                      Visit&& visit) {
    const std::int64_t ref = ReferenceTime(m.selector.at, m.selector.offset_ms, t);
    window->end_ms = ref;
    window->start_ms = detail::SubTime(ref, m.range_ms);
    window->range_ms = m.range_ms;
    const std::int64_t mint = window->start_ms;
    std::vector<SamplePoint> kept;
    return storage_.Select(
        m.selector.matchers, mint, ref,
        [&](const Labels& labels, std::span<const SamplePoint> points) {
          if (points.empty()) return;
          // The points come in time order, so the ends tell whether all are in the window; a
          // scan without early exit (which the compiler vectorises) tells whether any is a
          // staleness marker. Usually neither, and the function reads the store's points.
          bool any_stale = false;
          for (const SamplePoint& p : points) any_stale |= IsStaleNaN(p.v);
          if (!any_stale && points.front().t_ms >= mint && points.back().t_ms <= ref) {
            visit(labels, points);
            return;
          }
          kept.clear();
          std::copy_if(points.begin(), points.end(), std::back_inserter(kept),
                       [&](const SamplePoint& p) {
                         return p.t_ms >= mint && p.t_ms <= ref && !IsStaleNaN(p.v);
                       });
          if (!kept.empty()) visit(labels, std::span<const SamplePoint>(kept));
        });
  }

  Matrix SelectRange(const MatrixSelector& m, std::int64_t t, RangeWindow* window) {
    Matrix out;
    const Storage::VisitOrder order = SelectRangeInto(
        m, t, window, [&](const Labels& labels, std::span<const SamplePoint> points) {
          out.push_back(Series{labels, std::vector<SamplePoint>(points.begin(), points.end())});
        });
    SortByLabels(out, order);
    return out;
  }

  Matrix EvalSubquery(const Subquery& s, std::int64_t t, RangeWindow* window) {
    const std::int64_t end = ReferenceTime(s.at, s.offset_ms, t);
    const std::int64_t step = s.step_ms != 0 ? s.step_ms : options_.default_subquery_step_ms;
    if (step <= 0) Throw("zero or negative query resolution step widths are not accepted");
    const std::int64_t lowest = detail::SubTime(end, s.range_ms);
    if ((end - lowest) / step > kMaxSubquerySteps) {
      Throw("subquery [" + std::to_string(s.range_ms) + "ms:" + std::to_string(step) +
            "ms] has too many steps");
    }
    window->end_ms = end;
    window->start_ms = lowest;
    window->range_ms = s.range_ms;
    std::int64_t start = step * (lowest / step);
    if (start < lowest && __builtin_add_overflow(start, step, &start)) return {};
    Matrix out;
    std::unordered_map<std::uint64_t, std::size_t> index;
    for (std::int64_t ts = start; ts <= end;) {
      Value value = Eval(*s.expr, ts);
      auto* vector = std::get_if<Vector>(&value.data);
      if (vector == nullptr) Throw("subquery is only allowed on instant vector");
      for (auto& sample : *vector) {
        const std::uint64_t hash = sample.labels.Hash();
        auto [it, inserted] = index.emplace(hash, out.size());
        if (inserted) out.push_back(Series{std::move(sample.labels), {}});
        out[it->second].points.push_back(SamplePoint{ts, sample.value});
      }
      if (__builtin_add_overflow(ts, step, &ts)) break;
    }
    return out;
  }

  Matrix EvalRangeArg(const Expr& arg, std::int64_t t, RangeWindow* window) {
    const Expr& inner = Unwrap(arg);
    if (const auto* m = std::get_if<MatrixSelector>(&inner.node)) return SelectRange(*m, t, window);
    if (const auto* s = std::get_if<Subquery>(&inner.node)) return EvalSubquery(*s, t, window);
    Throw("expected a range vector argument");
  }

  double EvalScalar(const Expr& expr, std::int64_t t) {
    Value value = Eval(expr, t);
    if (const auto* scalar = std::get_if<Scalar>(&value.data)) return scalar->value;
    Throw("expected a scalar");
  }

  Vector EvalVector(const Expr& expr, std::int64_t t) {
    Value value = Eval(expr, t);
    if (auto* vector = std::get_if<Vector>(&value.data)) return std::move(*vector);
    Throw("expected an instant vector");
  }

  static std::string StringArg(const Expr& expr) {
    const Expr& inner = Unwrap(expr);
    if (const auto* s = std::get_if<StringLiteral>(&inner.node)) return s->value;
    Throw("expected a string literal");
  }

  static Labels AbsentLabels(const Expr& arg) {
    const Expr& inner = Unwrap(arg);
    const std::vector<LabelMatcher>* matchers = nullptr;
    if (const auto* v = std::get_if<VectorSelector>(&inner.node)) matchers = &v->matchers;
    if (const auto* m = std::get_if<MatrixSelector>(&inner.node)) matchers = &m->selector.matchers;
    Labels labels;
    if (matchers == nullptr) return labels;
    std::vector<std::string> ambiguous;
    for (const auto& matcher : *matchers) {
      if (matcher.name == "__name__") continue;
      if (matcher.type == MatchType::kEqual && !labels.Has(matcher.name)) {
        labels.Set(matcher.name, matcher.value);
      } else {
        ambiguous.push_back(matcher.name);
      }
    }
    for (const auto& name : ambiguous) labels.Remove(name);
    return labels;
  }

  // The position of a call's range-vector argument (a matrix selector or subquery), or the
  // argument count when it has none.
  static std::size_t RangeArgIndex(const Call& call) {
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      const Expr& inner = Unwrap(*call.args[i]);
      if (std::holds_alternative<MatrixSelector>(inner.node) ||
          std::holds_alternative<Subquery>(inner.node)) {
        return i;
      }
    }
    return call.args.size();
  }

  // A range function's other arguments, the scalars, in order.
  std::vector<double> ScalarArgs(const Call& call, std::size_t range_index, std::int64_t t) {
    std::vector<double> scalars;
    for (std::size_t i = 0; i < call.args.size(); ++i) {
      if (i != range_index) scalars.push_back(EvalScalar(*call.args[i], t));
    }
    return scalars;
  }

  Value EvalCall(const Call& call, std::int64_t t) {
    const std::string& name = call.function;
    // Range-vector functions.
    const std::size_t matrix_index = RangeArgIndex(call);
    if (matrix_index < call.args.size()) {
      const std::vector<double> scalars = ScalarArgs(call, matrix_index, t);
      RangeWindow window;
      Vector out;
      if (name == "absent_over_time") {
        Matrix matrix = EvalRangeArg(*call.args[matrix_index], t, &window);
        if (matrix.empty()) out.push_back(VectorSample{AbsentLabels(*call.args[0]), 1, t});
        return Value{std::move(out)};
      }
      const Expr& range_arg = Unwrap(*call.args[matrix_index]);
      const auto* selector = std::get_if<MatrixSelector>(&range_arg.node);
      std::size_t* remembered_size = ResultSizeOf(&call, t);
      if (remembered_size != nullptr) out.reserve(*remembered_size);
      // One metric's series: dropping the name cannot make two label sets equal, and it is
      // dropped as each sample is made, while the series' label set is still in cache.
      const bool one_metric = name != "last_over_time" && selector != nullptr &&
                              FindNameEquality(selector->selector.matchers) != nullptr;
      if (selector != nullptr) {
        const Storage::VisitOrder order = SelectRangeInto(
            *selector, t, &window, [&](const Labels& labels, std::span<const SamplePoint> points) {
              double value = 0;
              if (detail::EvalRangeFunction(name, points, window, scalars, t, &value)) {
                out.push_back(VectorSample{one_metric ? labels.WithoutName() : labels, value, t});
              }
            });
        SortByLabels(out, order);
      } else {
        Matrix matrix = EvalRangeArg(range_arg, t, &window);
        for (auto& series : matrix) {
          double value = 0;
          if (!detail::EvalRangeFunction(name, series.points, window, scalars, t, &value)) continue;
          out.push_back(VectorSample{std::move(series.labels), value, t});
        }
      }
      if (name != "last_over_time" && !one_metric && detail::DropMetricNames(out)) {
        detail::CheckUniqueLabelSets(out);
      }
      if (remembered_size != nullptr) *remembered_size = out.size();
      return Value{std::move(out)};
    }

    if (name == "time") return Value{Scalar{static_cast<double>(t) / 1000.0, t}};
    if (name == "pi") return Value{Scalar{M_PI, t}};
    if (name == "vector") {
      return Value{Vector{VectorSample{Labels(), EvalScalar(*call.args[0], t), t}}};
    }
    if (name == "scalar") {
      Vector v = EvalVector(*call.args[0], t);
      return Value{
          Scalar{v.size() == 1 ? v[0].value : std::numeric_limits<double>::quiet_NaN(), t}};
    }
    if (name == "timestamp") {
      const Expr& inner = Unwrap(*call.args[0]);
      Vector v;
      if (const auto* selector = std::get_if<VectorSelector>(&inner.node)) {
        v = SelectInstant(*selector, t, /*keep_sample_times=*/true);
      } else {
        v = EvalVector(*call.args[0], t);
      }
      for (auto& sample : v) {
        sample.value = static_cast<double>(sample.t_ms) / 1000.0;
        sample.t_ms = t;
      }
      if (detail::DropMetricNames(v)) detail::CheckUniqueLabelSets(v);
      return Value{std::move(v)};
    }
    if (name == "absent") {
      Vector v = EvalVector(*call.args[0], t);
      Vector out;
      if (v.empty()) out.push_back(VectorSample{AbsentLabels(*call.args[0]), 1, t});
      return Value{std::move(out)};
    }
    if (name == "histogram_quantile") {
      const double q = EvalScalar(*call.args[0], t);
      // One output per group of buckets, grouped with the metric name that the output drops:
      // unique when every bucket had the same name.
      const Vector buckets = EvalVector(*call.args[1], t);
      const bool remember = options_.memory != nullptr && t == query_ms_;
      detail::HistogramLayout fresh;
      detail::HistogramLayout& layout = remember ? options_.memory->HistogramLayoutOf(call) : fresh;
      Vector out = detail::HistogramQuantile(q, buckets, layout, remember);
      for (auto& s : out) s.t_ms = t;
      if (!layout.one_metric_name) detail::CheckUniqueLabelSets(out);
      return Value{std::move(out)};
    }
    if (name == "label_replace" || name == "label_join") {
      detail::Relabelled* memo =
          options_.memory != nullptr ? &options_.memory->RelabelledOf(call) : nullptr;
      Vector input = EvalVector(*call.args[0], t);
      Vector out;
      if (name == "label_replace") {
        out = detail::LabelReplace(input, StringArg(*call.args[1]), StringArg(*call.args[2]),
                                   StringArg(*call.args[3]), StringArg(*call.args[4]), memo);
      } else {
        std::vector<std::string> sources;
        for (std::size_t i = 3; i < call.args.size(); ++i) {
          sources.push_back(StringArg(*call.args[i]));
        }
        out = detail::LabelJoin(input, StringArg(*call.args[1]), StringArg(*call.args[2]), sources,
                                memo);
      }
      detail::CheckUniqueLabelSetsOnce(out, memo);
      return Value{std::move(out)};
    }
    if (name == "sort" || name == "sort_desc") {
      Vector v = EvalVector(*call.args[0], t);
      detail::SortByValue(v, name == "sort_desc");
      return Value{std::move(v)};
    }
    // Per-sample functions: first argument a vector (or none for the date functions).
    Vector v;
    std::vector<double> scalars;
    if (call.args.empty()) {
      v.push_back(VectorSample{Labels(), static_cast<double>(t) / 1000.0, t});
    } else {
      v = EvalVector(*call.args[0], t);
      for (std::size_t i = 1; i < call.args.size(); ++i) {
        scalars.push_back(EvalScalar(*call.args[i], t));
      }
    }
    // These functions keep every sample and at most drop the metric name.
    const bool may_collide = !detail::SameMetricName(v);
    if (!detail::EvalSampleFunction(name, scalars, v)) Throw("unknown function " + name);
    for (auto& sample : v) sample.t_ms = t;
    if (may_collide) detail::CheckUniqueLabelSets(v);
    return Value{std::move(v)};
  }

  // The grouping `node` had in this rule's last round, at the query's own time only (a
  // subquery's steps would each replace it); null when there is no memory or no use for it.
  detail::GroupingMemo* GroupingMemoFor(const promql::Aggregate& node, std::int64_t t) {
    if (options_.memory == nullptr || t != query_ms_ || node.op == AggregateOp::kCountValues ||
        !detail::GroupAccumulator::Supports(node.op)) {
      return nullptr;
    }
    return &options_.memory->GroupingOf(node);
  }
  detail::GroupAccumulator AccumulatorFor(const promql::Aggregate& node, std::int64_t t) {
    if (detail::GroupingMemo* memo = GroupingMemoFor(node, t)) {
      return detail::GroupAccumulator(node, *memo);
    }
    return detail::GroupAccumulator(node, std::string());
  }

  // Whether evaluating `expr` at t would take a result shared with other rules of the round.
  bool SharedAt(const Expr& expr, std::int64_t t) const {
    return options_.shared != nullptr && t == query_ms_ && options_.shared->Shares(expr);
  }

  // sum/avg/min/max/count/group/stddev/stdvar by (...) over a range function of one metric's
  // series, e.g. sum by (le) (rate(x_bucket[5m])), the commonest shape in rule packs: each series'
  // value goes straight into its group as the store visits it, with no vector of per-series
  // results in between, no copy of each series' labels and no pass to drop their names. Every
  // series has the one metric name, so dropping it cannot make two label sets equal, and the
  // store visits them in label order: the groups, their order and their sums come out as the
  // general path computes them. Declines (nullopt) any other shape, a range function whose
  // result is shared with other rules, and a store that did not visit in label order.
  std::optional<Vector> FusedRangeAggregate(const promql::Aggregate& node, std::int64_t t) {
    if (!detail::GroupAccumulator::Supports(node.op) || node.op == AggregateOp::kCountValues) {
      return std::nullopt;
    }
    const Expr* call_expr = node.expr.get();
    while (const auto* paren = std::get_if<Paren>(&call_expr->node)) {
      if (SharedAt(*call_expr, t)) return std::nullopt;
      call_expr = paren->expr.get();
    }
    const auto* call = std::get_if<Call>(&call_expr->node);
    if (call == nullptr || SharedAt(*call_expr, t) || call->function == "absent_over_time" ||
        call->function == "last_over_time") {
      return std::nullopt;
    }
    const std::size_t matrix_index = RangeArgIndex(*call);
    if (matrix_index == call->args.size()) return std::nullopt;
    const auto* selector = std::get_if<MatrixSelector>(&Unwrap(*call->args[matrix_index]).node);
    if (selector == nullptr || FindNameEquality(selector->selector.matchers) == nullptr) {
      return std::nullopt;
    }
    detail::GroupAccumulator accumulator = AccumulatorFor(node, t);
    if (accumulator.grouping().lists_metric_name()) return std::nullopt;
    const std::vector<double> scalars = ScalarArgs(*call, matrix_index, t);
    RangeWindow window;
    const Storage::VisitOrder order = SelectRangeInto(
        *selector, t, &window, [&](const Labels& labels, std::span<const SamplePoint> points) {
          double value = 0;
          if (detail::EvalRangeFunction(call->function, points, window, scalars, t, &value)) {
            accumulator.Add(labels, value);
          }
        });
    if (order != Storage::VisitOrder::kLabelOrder) return std::nullopt;
    return accumulator.Finish(t);
  }

  // An aggregation with a running value per group over a subexpression other rules share (a
  // rate() that several quantiles and sums of one histogram aggregate) reads the shared result
  // in place, instead of copying every sample and its labels out of it first.
  std::optional<Vector> AggregateShared(const promql::Aggregate& node, std::int64_t t) {
    if (!detail::GroupAccumulator::Supports(node.op) || node.op == AggregateOp::kCountValues) {
      return std::nullopt;
    }
    const Expr* inner = node.expr.get();
    while (!SharedAt(*inner, t)) {
      const auto* paren = std::get_if<Paren>(&inner->node);
      if (paren == nullptr) return std::nullopt;
      inner = paren->expr.get();
    }
    const std::shared_ptr<const Value> shared =
        options_.shared->GetShared(*inner, t, [&] { return EvalFresh(*inner, t); });
    const auto* input = std::get_if<Vector>(&shared->data);
    if (input == nullptr) Throw("expected an instant vector");
    detail::GroupAccumulator accumulator = AccumulatorFor(node, t);
    for (const auto& sample : *input) accumulator.Add(sample.labels, sample.value);
    return accumulator.Finish(t);
  }

  Vector EvalAggregate(const promql::Aggregate& node, std::int64_t t) {
    double param_number = 0;
    std::string param_string;
    if (node.param) {
      if (node.op == AggregateOp::kCountValues) {
        param_string = StringArg(*node.param);
      } else {
        param_number = EvalScalar(*node.param, t);
      }
    }
    if (auto fused = FusedRangeAggregate(node, t)) return std::move(*fused);
    if (auto over_shared = AggregateShared(node, t)) return std::move(*over_shared);
    // One output per group, or (topk, bottomk) input samples: unique by construction.
    Vector out = detail::Aggregate(node, EvalVector(*node.expr, t), param_number, param_string,
                                   GroupingMemoFor(node, t));
    for (auto& s : out) s.t_ms = t;
    return out;
  }

  Value EvalUnary(const Unary& unary, std::int64_t t) {
    Value value = Eval(*unary.expr, t);
    if (!unary.negative) return value;
    if (auto* scalar = std::get_if<Scalar>(&value.data)) {
      scalar->value = -scalar->value;
      return value;
    }
    auto& vector = std::get<Vector>(value.data);
    for (auto& sample : vector) sample.value = -sample.value;
    if (detail::DropMetricNames(vector)) detail::CheckUniqueLabelSets(vector);
    return value;
  }

  Value EvalBinary(const Binary& b, std::int64_t t) {
    Value lhs = Eval(*b.lhs, t);
    Value rhs = Eval(*b.rhs, t);
    auto* ls = std::get_if<Scalar>(&lhs.data);
    auto* rs = std::get_if<Scalar>(&rhs.data);
    if (ls != nullptr && rs != nullptr) {
      return Value{Scalar{ScalarOp(b.op, ls->value, rs->value, b.return_bool), t}};
    }
    Vector out;
    // Filtering keeps label sets unique, and so do the set operators; dropping the metric name
    // and vector matching may not.
    bool check_unique = false;
    if (ls != nullptr || rs != nullptr) {
      const bool swap = ls != nullptr;
      Vector& vector = std::get<Vector>(swap ? rhs.data : lhs.data);
      const double scalar = swap ? ls->value : rs->value;
      const bool drop_name = ShouldDropName(b.op) || b.return_bool;
      check_unique = drop_name && !detail::SameMetricName(vector);
      out.reserve(vector.size());
      for (auto& sample : vector) {
        const double lv = swap ? scalar : sample.value;
        const double rv = swap ? sample.value : scalar;
        auto [value, keep] = ElementOp(b.op, lv, rv);
        // A comparison keeps the vector element's value even when the scalar is on the left.
        if (IsComparison(b.op) && swap) value = rv;
        if (b.return_bool) {
          value = keep ? 1 : 0;
          keep = true;
        }
        if (!keep) continue;
        VectorSample result{std::move(sample.labels), value, t};
        if (drop_name) result.labels.Remove("__name__");
        out.push_back(std::move(result));
      }
    } else {
      Vector& lv = std::get<Vector>(lhs.data);
      Vector& rv = std::get<Vector>(rhs.data);
      switch (b.op) {
        case BinaryOp::kAnd:
          out = SetAnd(std::move(lv), rv, b.matching);
          break;
        case BinaryOp::kOr:
          out = SetOr(std::move(lv), std::move(rv), b.matching);
          break;
        case BinaryOp::kUnless:
          out = SetUnless(std::move(lv), rv, b.matching);
          break;
        default: {
          detail::BinaryLabels* memo =
              options_.memory != nullptr ? &options_.memory->BinaryLabelsOf(b) : nullptr;
          out = VectorBinary(b, lv, rv, t, memo);
          detail::CheckUniqueLabelSetsOnce(out, memo);
        }
      }
      for (auto& s : out) s.t_ms = t;
    }
    if (check_unique) detail::CheckUniqueLabelSets(out);
    return Value{std::move(out)};
  }

  static Vector SetAnd(Vector lhs, const Vector& rhs, const VectorMatching& m) {
    if (lhs.empty() || rhs.empty()) return {};
    std::unordered_set<std::uint64_t> right;
    for (const auto& s : rhs) right.insert(detail::SignatureOf(s.labels, m.on, m.labels));
    Vector out;
    for (auto& s : lhs) {
      if (right.contains(detail::SignatureOf(s.labels, m.on, m.labels)))
        out.push_back(std::move(s));
    }
    return out;
  }

  static Vector SetOr(Vector lhs, Vector rhs, const VectorMatching& m) {
    if (lhs.empty()) return rhs;
    if (rhs.empty()) return lhs;
    std::unordered_set<std::uint64_t> left;
    for (const auto& s : lhs) left.insert(detail::SignatureOf(s.labels, m.on, m.labels));
    Vector out = std::move(lhs);
    for (auto& s : rhs) {
      if (!left.contains(detail::SignatureOf(s.labels, m.on, m.labels)))
        out.push_back(std::move(s));
    }
    return out;
  }

  static Vector SetUnless(Vector lhs, const Vector& rhs, const VectorMatching& m) {
    if (lhs.empty() || rhs.empty()) return lhs;
    std::unordered_set<std::uint64_t> right;
    for (const auto& s : rhs) right.insert(detail::SignatureOf(s.labels, m.on, m.labels));
    Vector out;
    for (auto& s : lhs) {
      if (!right.contains(detail::SignatureOf(s.labels, m.on, m.labels)))
        out.push_back(std::move(s));
    }
    return out;
  }

  static std::string MatchedLabelsText(const Labels& labels, const VectorMatching& m) {
    Labels matched;
    for (const auto& [name, value] : labels.pairs()) {
      const bool listed = std::find(m.labels.begin(), m.labels.end(), name) != m.labels.end();
      if (m.on ? listed : !listed) matched.Set(name, value);
    }
    return matched.ToString();
  }

  static Labels ResultLabels(const Labels& many, const Labels& one, BinaryOp op,
                             const VectorMatching& m) {
    Labels out;
    if (m.card == Cardinality::kOneToOne && m.on) {
      for (const auto& name : m.labels) {
        const std::string_view value = many.Get(name);
        if (!value.empty()) out.Set(name, value);
      }
    } else {
      out = many;
      if (m.card == Cardinality::kOneToOne) {
        for (const auto& name : m.labels) out.Remove(name);
      }
    }
    if (ShouldDropName(op)) out.Remove("__name__");
    for (const auto& name : m.include) {
      const std::string_view value = one.Get(name);
      if (!value.empty()) {
        out.Set(name, value);
      } else {
        out.Remove(name);
      }
    }
    return out;
  }

  // With `memo`, reuses the result label sets it holds and records the new ones (see
  // detail::BinaryLabels).
  static Vector VectorBinary(const Binary& b, Vector& lhs_in, Vector& rhs_in, std::int64_t t,
                             detail::BinaryLabels* memo) {
    const VectorMatching& m = b.matching;
    if (lhs_in.empty() || rhs_in.empty()) {
      if (memo != nullptr) *memo = detail::BinaryLabels{};
      return {};
    }
    bool all_reused = true;
    const bool one_to_many = m.card == Cardinality::kOneToMany;
    Vector& many = one_to_many ? rhs_in : lhs_in;
    Vector& one = one_to_many ? lhs_in : rhs_in;
    // Signatures numbered in flat tables: no node per sample.
    detail::DenseIndex one_by_sig(one.size());
    std::vector<const VectorSample*> partners;
    partners.reserve(one.size());
    for (const auto& s : one) {
      const auto [number, inserted] =
          one_by_sig.Insert(detail::SignatureOf(s.labels, m.on, m.labels));
      if (!inserted) {
        Throw("found duplicate series for the match group " + MatchedLabelsText(s.labels, m) +
              " on the " + (one_to_many ? "left" : "right") + " hand-side of the operation: [" +
              s.labels.ToString() + ", " + partners[number]->labels.ToString() +
              "];many-to-many matching not allowed: matching labels must be unique on one side");
      }
      partners.push_back(&s);
    }
    detail::DenseIndex matched_one_to_one;
    std::unordered_map<std::uint64_t, std::unordered_set<std::uint64_t>> matched;
    Vector out;
    out.reserve(many.size());
    for (const auto& s : many) {
      const std::uint64_t sig = detail::SignatureOf(s.labels, m.on, m.labels);
      const std::int64_t found = one_by_sig.Find(sig);
      if (found < 0) continue;
      const VectorSample& partner = *partners[static_cast<std::size_t>(found)];
      double vl = s.value;
      double vr = partner.value;
      if (one_to_many) std::swap(vl, vr);
      auto [value, keep] = ElementOp(b.op, vl, vr);
      if (b.return_bool) {
        value = keep ? 1 : 0;
      } else if (!keep) {
        continue;
      }
      const std::size_t position = out.size();
      Labels metric;
      if (memo != nullptr && position < memo->entries.size() &&
          memo->entries[position].many.address() == s.labels.address() &&
          memo->entries[position].one.address() == partner.labels.address()) {
        metric = memo->entries[position].result;
      } else {
        metric = ResultLabels(s.labels, partner.labels, b.op, m);
        if (b.return_bool) metric.Remove("__name__");
        if (memo != nullptr) {
          detail::RememberNew(*memo, position, {s.labels, partner.labels, metric}, &all_reused);
        }
      }
      if (m.card == Cardinality::kOneToOne) {
        if (!matched_one_to_one.Insert(sig).second) {
          Throw(
              "multiple matches for labels: many-to-one matching must be explicit "
              "(group_left/group_right)");
        }
      } else if (!matched[sig].insert(metric.Hash()).second) {
        Throw("multiple matches for labels: grouping labels must ensure unique matches");
      }
      out.push_back(VectorSample{std::move(metric), value, t});
    }
    if (memo != nullptr) detail::EndReuse(*memo, out.size(), all_reused);
    return out;
  }

  const Storage& storage_;
  std::int64_t query_ms_;
  EvalOptions options_;
};

}  // namespace

std::variant<Value, EvalError> EvalInstant(const Expr& expr, const Storage& storage,
                                           std::int64_t t_ms, const EvalOptions& options) {
  try {
    Evaluator evaluator(storage, t_ms, options);
    return evaluator.Eval(expr, t_ms);
  } catch (const detail::EvalFailure& failure) {
    return EvalError{failure.message};
  } catch (const std::exception& e) {
    return EvalError{e.what()};
  }
}

}  // namespace inferwatch::rules::promql
