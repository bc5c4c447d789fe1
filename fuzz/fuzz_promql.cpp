// PromQL fuzzer: any input must parse or fail cleanly; whatever parses must format to text that
// parses again to the same canonical form, and must evaluate (or fail) cleanly over a small store.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/promql/engine.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"

namespace promql = inferwatch::rules::promql;
using inferwatch::rules::Labels;

namespace {

const promql::MemoryStorage& Store() {
  static const promql::MemoryStorage* const kStore = [] {
    auto* store = new promql::MemoryStorage();
    const Labels a({{"__name__", "a"}, {"job", "x"}, {"le", "1"}});
    const Labels b({{"__name__", "b"}, {"job", "x"}, {"le", "+Inf"}});
    const Labels c({{"__name__", "a"}, {"job", "y"}, {"instance", "0"}});
    for (int i = 0; i < 20; ++i) {
      store->Append(a, i * 15000, i);
      store->Append(b, i * 15000, i * 2.5);
      store->Append(c, i * 15000, i % 3 == 0 ? inferwatch::rules::StaleNaN() : -i);
    }
    return store;
  }();
  return *kStore;
}

// Subqueries multiply evaluation work; the fuzzer looks for crashes, not slow queries.
bool HasSubquery(const promql::Expr& expr) {
  return std::visit(
      [](const auto& node) -> bool {
        using T = std::decay_t<decltype(node)>;
        if constexpr (std::is_same_v<T, promql::Subquery>) {
          return true;
        } else if constexpr (std::is_same_v<T, promql::Call>) {
          for (const auto& arg : node.args) {
            if (HasSubquery(*arg)) return true;
          }
          return false;
        } else if constexpr (std::is_same_v<T, promql::Aggregate>) {
          return HasSubquery(*node.expr) || (node.param && HasSubquery(*node.param));
        } else if constexpr (std::is_same_v<T, promql::Binary>) {
          return HasSubquery(*node.lhs) || HasSubquery(*node.rhs);
        } else if constexpr (std::is_same_v<T, promql::Unary> || std::is_same_v<T, promql::Paren>) {
          return HasSubquery(*node.expr);
        } else {
          return false;
        }
      },
      expr.node);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = promql::ParseExpr(input);
  if (auto* error = std::get_if<promql::ParseError>(&parsed)) {
    if (error->position > size) std::abort();
    (void)promql::FormatParseError(input, *error);
    return 0;
  }
  const auto& expr = std::get<promql::ExprPtr>(parsed);
  const std::string once = promql::Format(*expr);
  auto reparsed = promql::ParseExpr(once);
  if (!std::holds_alternative<promql::ExprPtr>(reparsed)) std::abort();
  const std::string twice = promql::Format(*std::get<promql::ExprPtr>(reparsed));
  if (once != twice) std::abort();
  if (!HasSubquery(*expr)) (void)promql::EvalInstant(*expr, Store(), 200000);
  return 0;
}
