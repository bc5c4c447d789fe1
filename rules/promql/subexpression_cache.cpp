#include "rules/promql/subexpression_cache.h"

#include <type_traits>
#include <variant>

namespace inferwatch::rules::promql {
namespace {

bool ReadsOnly(const VectorSelector& selector, const std::unordered_set<std::string>& written) {
  // A selector without a fixed metric name (a regex on __name__, or none) could read anything.
  if (selector.name.empty() || written.contains(selector.name)) return false;
  for (const auto& matcher : selector.matchers) {
    if (matcher.name == "__name__" && matcher.type != MatchType::kEqual) return false;
  }
  return true;
}

// Whether the value of `expr` depends only on the evaluation timestamp and on series no rule
// writes. Subqueries without a step take it from their group's interval, so they are not shared.
bool Shareable(const Expr& expr, const std::unordered_set<std::string>& written) {
  return std::visit(
      [&](const auto& node) -> bool {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, VectorSelector>) {
          return ReadsOnly(node, written);
        } else if constexpr (std::is_same_v<T, MatrixSelector>) {
          return ReadsOnly(node.selector, written);
        } else if constexpr (std::is_same_v<T, Subquery>) {
          return node.step_ms != 0 && Shareable(*node.expr, written);
        } else if constexpr (std::is_same_v<T, Call>) {
          for (const auto& arg : node.args) {
            if (!Shareable(*arg, written)) return false;
          }
          return true;
        } else if constexpr (std::is_same_v<T, Aggregate>) {
          return Shareable(*node.expr, written) && (!node.param || Shareable(*node.param, written));
        } else if constexpr (std::is_same_v<T, Binary>) {
          return Shareable(*node.lhs, written) && Shareable(*node.rhs, written);
        } else if constexpr (std::is_same_v<T, Unary> || std::is_same_v<T, Paren>) {
          return Shareable(*node.expr, written);
        } else {
          return true;  // literals
        }
      },
      expr.node);
}

// Function calls and aggregations are where the work is; selectors alone cost a copy either way.
void CollectCandidates(const Expr& expr, std::vector<const Expr*>* out) {
  std::visit(
      [&](const auto& node) {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, Call>) {
          out->push_back(&expr);
          for (const auto& arg : node.args) CollectCandidates(*arg, out);
        } else if constexpr (std::is_same_v<T, Aggregate>) {
          out->push_back(&expr);
          CollectCandidates(*node.expr, out);
          if (node.param) CollectCandidates(*node.param, out);
        } else if constexpr (std::is_same_v<T, Binary>) {
          CollectCandidates(*node.lhs, out);
          CollectCandidates(*node.rhs, out);
        } else if constexpr (std::is_same_v<T, Unary> || std::is_same_v<T, Paren> ||
                             std::is_same_v<T, Subquery>) {
          CollectCandidates(*node.expr, out);
        }
      },
      expr.node);
}

}  // namespace

SubexpressionCache::SubexpressionCache(const std::vector<const Expr*>& expressions,
                                       const std::unordered_set<std::string>& written_names) {
  std::vector<const Expr*> candidates;
  for (const Expr* expr : expressions) CollectCandidates(*expr, &candidates);
  std::unordered_map<std::string, int> occurrences;
  std::vector<std::pair<const Expr*, std::string>> shareable;
  for (const Expr* candidate : candidates) {
    if (!Shareable(*candidate, written_names)) continue;
    std::string text = Format(*candidate);
    ++occurrences[text];
    shareable.emplace_back(candidate, std::move(text));
  }
  // A text computed once per round gains nothing from being kept.
  for (auto& [expr, text] : shareable) {
    if (occurrences[text] > 1) keys_.emplace(expr, std::move(text));
  }
  for (const auto& [text, count] : occurrences) distinct_ += count > 1 ? 1 : 0;
}

std::uint64_t SubexpressionCache::hits() const {
  std::lock_guard lock(mutex_);
  return hits_;
}

}  // namespace inferwatch::rules::promql
