// PromQL instant-query evaluator (Prometheus 2.42 semantics).
#pragma once

#include <cstdint>
#include <string>
#include <variant>
#include <vector>

#include "rules/promql/ast.h"
#include "rules/storage.h"

namespace inferwatch::rules::promql {

struct VectorSample {
  Labels labels;
  double value = 0;
  std::int64_t t_ms = 0;
};
using Vector = std::vector<VectorSample>;

// Whether two samples share a label set (Prometheus's Vector.ContainsSameLabelset).
bool ContainsSameLabelSet(const Vector& vector);

struct Series {
  Labels labels;
  std::vector<SamplePoint> points;
};
using Matrix = std::vector<Series>;

struct Scalar {
  double value = 0;
  std::int64_t t_ms = 0;
};

struct Value {
  std::variant<Scalar, Vector, Matrix, std::string> data;
  ValueType type() const;
};

struct EvalError {
  std::string message;
};

class SubexpressionCache;
class EvalMemory;

struct EvalOptions {
  std::int64_t lookback_delta_ms = 300000;        // 5m
  std::int64_t default_subquery_step_ms = 60000;  // the global evaluation interval
  // Shares subexpression results between the rules of a round; not owned, may be null.
  SubexpressionCache* shared = nullptr;
  // What earlier evaluations of the same expression nodes left to reuse; not owned, may be null.
  // Used at the query timestamp only, so subqueries do not churn it.
  EvalMemory* memory = nullptr;
};

// Instant query at time t (ms since epoch) over storage.
std::variant<Value, EvalError> EvalInstant(const Expr& expr, const Storage& storage,
                                           std::int64_t t_ms, const EvalOptions& options = {});

}  // namespace inferwatch::rules::promql
