// PromQL parser: text -> type-checked AST.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <variant>

#include "rules/promql/ast.h"

namespace inferwatch::rules::promql {

struct ParseError {
  std::size_t position = 0;  // 0-based byte offset in the expression
  std::string message;       // Prometheus's wording, without a position prefix
};

// Parses and type-checks an expression (unknown functions, argument counts and types, operand
// types of operators).
std::variant<ExprPtr, ParseError> ParseExpr(std::string_view expr);

// "line:col: message" as Prometheus prints parse errors (1-based, byte columns).
std::string FormatParseError(std::string_view expr, const ParseError& error);

}  // namespace inferwatch::rules::promql
