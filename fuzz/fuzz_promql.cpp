// Parser fuzzer: any input must parse or fail cleanly, and whatever parses must format to text
// that parses again to the same canonical form.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rules/promql/parser.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 4096) return 0;
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  auto parsed = inferwatch::rules::promql::ParseExpr(input);
  if (auto* error = std::get_if<inferwatch::rules::promql::ParseError>(&parsed)) {
    if (error->position > size) std::abort();
    (void)inferwatch::rules::promql::FormatParseError(input, *error);
    return 0;
  }
  const auto& expr = std::get<inferwatch::rules::promql::ExprPtr>(parsed);
  const std::string once = inferwatch::rules::promql::Format(*expr);
  auto reparsed = inferwatch::rules::promql::ParseExpr(once);
  if (!std::holds_alternative<inferwatch::rules::promql::ExprPtr>(reparsed)) std::abort();
  const std::string twice =
      inferwatch::rules::promql::Format(*std::get<inferwatch::rules::promql::ExprPtr>(reparsed));
  if (once != twice) std::abort();
  return 0;
}
