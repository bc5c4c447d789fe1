// PromQL abstract syntax tree, as produced by ParseExpr and consumed by the evaluator.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "rules/storage.h"

namespace inferwatch::rules::promql {

enum class ValueType { kScalar, kVector, kMatrix, kString };
std::string_view ValueTypeName(ValueType type);  // "scalar", "instant vector", ...

struct Expr;
using ExprPtr = std::shared_ptr<const Expr>;

enum class BinaryOp {
  kAdd,
  kSub,
  kMul,
  kDiv,
  kMod,
  kPow,
  kAtan2,
  kEql,
  kNeq,
  kGtr,
  kLss,
  kGte,
  kLte,
  kAnd,
  kOr,
  kUnless,
};
std::string_view BinaryOpText(BinaryOp op);
bool IsComparison(BinaryOp op);
bool IsSetOperator(BinaryOp op);

enum class AggregateOp {
  kSum,
  kAvg,
  kMin,
  kMax,
  kCount,
  kGroup,
  kStddev,
  kStdvar,
  kTopk,
  kBottomk,
  kQuantile,
  kCountValues,
};
std::string_view AggregateOpText(AggregateOp op);

// The `@` modifier: none, a fixed timestamp, or the query's start/end.
enum class AtKind { kNone, kTimestamp, kStart, kEnd };
struct AtModifier {
  AtKind kind = AtKind::kNone;
  std::int64_t timestamp_ms = 0;  // for kTimestamp
};

struct NumberLiteral {
  double value = 0;
};

struct StringLiteral {
  std::string value;
};

struct VectorSelector {
  std::string name;                    // may be empty when only matchers are given
  std::vector<LabelMatcher> matchers;  // includes the __name__ matcher when a name is given
  std::int64_t offset_ms = 0;
  AtModifier at;
};

struct MatrixSelector {
  VectorSelector selector;  // offset and @ written after the range live here
  std::int64_t range_ms = 0;
};

struct Subquery {
  ExprPtr expr;
  std::int64_t range_ms = 0;
  std::int64_t step_ms = 0;  // 0: the default evaluation interval
  std::int64_t offset_ms = 0;
  AtModifier at;
};

struct Call {
  std::string function;
  std::vector<ExprPtr> args;
};

struct Aggregate {
  AggregateOp op = AggregateOp::kSum;
  ExprPtr expr;
  ExprPtr param;  // topk/bottomk/quantile/count_values
  std::vector<std::string> grouping;
  bool without = false;
  bool grouping_given = false;  // `by ()` was written explicitly
};

enum class Cardinality { kOneToOne, kManyToOne, kOneToMany, kManyToMany };

struct VectorMatching {
  Cardinality card = Cardinality::kOneToOne;
  std::vector<std::string> labels;   // on(...) or ignoring(...)
  bool on = false;                   // labels are on(...) rather than ignoring(...)
  bool explicit_matching = false;    // on/ignoring was written
  std::vector<std::string> include;  // group_left(...)/group_right(...) extra labels
};

struct Binary {
  BinaryOp op = BinaryOp::kAdd;
  ExprPtr lhs;
  ExprPtr rhs;
  bool return_bool = false;
  VectorMatching matching;
};

struct Unary {
  bool negative = false;
  ExprPtr expr;
};

struct Paren {
  ExprPtr expr;
};

struct Expr {
  std::variant<NumberLiteral, StringLiteral, VectorSelector, MatrixSelector, Subquery, Call,
               Aggregate, Binary, Unary, Paren>
      node;
};

ValueType TypeOf(const Expr& expr);
// Canonical PromQL text, parseable by ParseExpr and by Prometheus.
std::string Format(const Expr& expr);

}  // namespace inferwatch::rules::promql
