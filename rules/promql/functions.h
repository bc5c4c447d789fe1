// PromQL function signatures (names, argument and return types) used by the type checker.
#pragma once

#include <string_view>
#include <vector>

#include "rules/promql/ast.h"

namespace inferwatch::rules::promql {

struct FunctionSignature {
  std::string_view name;
  std::vector<ValueType> arg_types;
  // 0: exactly arg_types; n > 0: the last n arg_types are optional; -1: the last repeats freely.
  int variadic = 0;
  ValueType return_type = ValueType::kVector;
};

const FunctionSignature* FindFunction(std::string_view name);

}  // namespace inferwatch::rules::promql
