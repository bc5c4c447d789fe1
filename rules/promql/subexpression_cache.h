// Shares the results of subexpressions that several rules of one evaluation round compute alike:
// a rule pack asks for the same p95 latency in a bottleneck's condition, in its evidence and in
// the opposite bottleneck, and each costs a pass over every histogram bucket of the fleet.
//
// Only a subexpression that reads no series any rule writes is shared, so a shared result is the
// result a fresh evaluation at the same timestamp would give: what earlier rules recorded this
// round cannot change it. Results live until the evaluation timestamp changes.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>
#include <unordered_set>
#include <vector>

#include "rules/promql/ast.h"
#include "rules/promql/engine.h"

namespace inferwatch::rules::promql {

class SubexpressionCache {
 public:
  // `expressions`: every rule expression of the round (they must outlive the cache);
  // `written_names`: the metric names rules write (recorded names, ALERTS, ALERTS_FOR_STATE).
  SubexpressionCache(const std::vector<const Expr*>& expressions,
                     const std::unordered_set<std::string>& written_names);

  // The shared result of `expr` at t_ms, evaluating it with `compute` on the first request.
  // Returns false (and leaves *out alone) for a subexpression that is not shared.
  template <class Compute>
  bool Get(const Expr& expr, std::int64_t t_ms, Value* out, Compute&& compute) {
    std::shared_ptr<const Value> shared = GetShared(expr, t_ms, compute);
    if (shared == nullptr) return false;
    *out = *shared;
    return true;
  }

  // As Get, without a copy: for readers that only look at the result. The result stays valid
  // while the caller holds it, whatever later rounds evict.
  template <class Compute>
  std::shared_ptr<const Value> GetShared(const Expr& expr, std::int64_t t_ms, Compute&& compute) {
    auto key = keys_.find(&expr);
    if (key == keys_.end()) return nullptr;
    {
      std::lock_guard lock(mutex_);
      if (t_ms != t_ms_) {
        values_.clear();
        t_ms_ = t_ms;
      }
      auto hit = values_.find(key->second);
      if (hit != values_.end()) {
        ++hits_;
        return hit->second;
      }
    }
    auto computed = std::make_shared<const Value>(compute());  // may throw: nothing is stored
    std::lock_guard lock(mutex_);
    if (t_ms == t_ms_) values_.emplace(key->second, computed);
    return computed;
  }

  // Whether `expr` is one of the shared subexpressions.
  bool Shares(const Expr& expr) const { return keys_.contains(&expr); }

  // Distinct subexpressions that more than one place computes.
  std::size_t shared_subexpressions() const { return distinct_; }
  std::uint64_t hits() const;

 private:
  // Subexpression node -> its canonical text, for nodes whose text occurs more than once.
  std::unordered_map<const Expr*, std::string> keys_;
  std::size_t distinct_ = 0;
  mutable std::mutex mutex_;
  std::int64_t t_ms_ = -1;
  std::unordered_map<std::string, std::shared_ptr<const Value>> values_;
  std::uint64_t hits_ = 0;
};

}  // namespace inferwatch::rules::promql
