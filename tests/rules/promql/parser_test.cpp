#include <catch2/catch.hpp>

#include "rules/promql/parser.h"

using namespace inferwatch::rules::promql;

namespace {

ExprPtr Parse(std::string_view text) {
  auto result = ParseExpr(text);
  if (auto* error = std::get_if<ParseError>(&result)) FAIL(error->message);
  return std::get<ExprPtr>(result);
}

ParseError ParseFails(std::string_view text) {
  auto result = ParseExpr(text);
  REQUIRE(std::holds_alternative<ParseError>(result));
  return std::get<ParseError>(result);
}

}  // namespace

TEST_CASE("Binary operators follow PromQL precedence") {
  const ExprPtr expr = Parse("a + b * c ^ d ^ e");
  const auto& add = std::get<Binary>(expr->node);
  CHECK(add.op == BinaryOp::kAdd);
  const auto& mul = std::get<Binary>(add.rhs->node);
  CHECK(mul.op == BinaryOp::kMul);
  const auto& pow = std::get<Binary>(mul.rhs->node);
  CHECK(pow.op == BinaryOp::kPow);
  // '^' is right-associative.
  CHECK(std::get<Binary>(pow.rhs->node).op == BinaryOp::kPow);

  const ExprPtr or_node_expr = Parse("a or b and c unless d");
  const auto& or_node = std::get<Binary>(or_node_expr->node);
  CHECK(or_node.op == BinaryOp::kOr);
  CHECK(std::get<Binary>(or_node.rhs->node).op == BinaryOp::kUnless);

  // Unary minus binds weaker than '^' but tighter than '*'.
  const ExprPtr neg_expr = Parse("-a ^ b");
  const auto& neg = std::get<Unary>(neg_expr->node);
  CHECK(std::get<Binary>(neg.expr->node).op == BinaryOp::kPow);
  const ExprPtr mul_expr = Parse("-a * b");
  CHECK(std::holds_alternative<Unary>(std::get<Binary>(mul_expr->node).lhs->node));
  CHECK(std::get<NumberLiteral>(Parse("-1")->node).value == -1);
}

TEST_CASE("Selectors, modifiers and aggregations parse into the AST") {
  const ExprPtr m_expr = Parse("foo{a=\"b\",c=~\"d.*\"}[5m] offset -1m @ 100");
  const auto& m = std::get<MatrixSelector>(m_expr->node);
  CHECK(m.range_ms == 300000);
  CHECK(m.selector.offset_ms == -60000);
  CHECK(m.selector.at.kind == AtKind::kTimestamp);
  CHECK(m.selector.at.timestamp_ms == 100000);
  CHECK(m.selector.matchers.size() == 3);

  const ExprPtr sq_expr = Parse("rate(foo[1m])[10m:30s] @ end()");
  const auto& sq = std::get<Subquery>(sq_expr->node);
  CHECK(sq.range_ms == 600000);
  CHECK(sq.step_ms == 30000);
  CHECK(sq.at.kind == AtKind::kEnd);

  const ExprPtr agg_expr = Parse("sum(foo) without (a, b)");
  const auto& agg = std::get<Aggregate>(agg_expr->node);
  CHECK(agg.without);
  CHECK(agg.grouping == std::vector<std::string>{"a", "b"});
  const ExprPtr topk_expr = Parse("TOPK by (job) (3, foo)");
  const auto& topk = std::get<Aggregate>(topk_expr->node);
  CHECK(topk.op == AggregateOp::kTopk);
  CHECK(topk.param != nullptr);

  const ExprPtr bin_expr = Parse("a / on (x) group_left (y) b");
  const auto& bin = std::get<Binary>(bin_expr->node);
  CHECK(bin.matching.on);
  CHECK(bin.matching.card == Cardinality::kManyToOne);
  CHECK(bin.matching.include == std::vector<std::string>{"y"});
  CHECK(std::get<NumberLiteral>(Parse("0x1F")->node).value == 31);
}

TEST_CASE("Parse errors carry Prometheus's messages and byte positions") {
  ParseError e = ParseFails("foo +");
  CHECK(e.position == 5);
  CHECK(e.message == "unexpected end of input");
  CHECK(FormatParseError("foo +", e) == "1:6: parse error: unexpected end of input");

  e = ParseFails("rate(foo)");
  CHECK(e.message == "expected type range vector in call to function \"rate\", got instant vector");
  CHECK(ParseFails("nosuchfn(foo)").message == "unknown function with name \"nosuchfn\"");
  CHECK(ParseFails("1 == 1").message == "comparisons between scalars must use BOOL modifier");
  CHECK(ParseFails("round(foo, 1, 2)").message ==
        "expected at most 2 argument(s) in call to \"round\", got 3");
  CHECK(ParseFails("sum(foo[5m])").message ==
        "expected type instant vector in aggregation expression, got range vector");
  CHECK(ParseFails("{a=\"\"}").message ==
        "vector selector must contain at least one non-empty matcher");
  CHECK(ParseFails("foo{__name__=\"bar\"}").message ==
        "metric name must not be set twice: \"foo\" or \"bar\"");
  CHECK(ParseFails("(foo)[5m]").message == "ranges only allowed for vector selectors");
  CHECK(ParseFails("foo and 1").message ==
        "set operator \"and\" not allowed in binary scalar expression");
  CHECK(ParseFails("foo offset 1m offset 2m").message == "offset may not be set multiple times");
  e = ParseFails("foo{a=1}");
  CHECK(e.position == 6);
  CHECK(e.message.rfind("unexpected number", 0) == 0);
  CHECK(ParseFails("foo{a=~\"(\"}").message.rfind("error parsing regexp", 0) == 0);
  CHECK(ParseFails("").message == "no expression found in input");
}

TEST_CASE("Format prints canonical PromQL that parses back to the same text") {
  for (std::string_view text :
       {"sum by (job) (rate(http_requests_total{code=~\"5..\"}[5m] offset 1m))",
        "a / on (x) group_left (y) b", "foo @ 1.500 offset -5m", "-foo ^ 2",
        "topk(3, foo) > bool 2", "max_over_time(rate(foo[1m])[1h:5m] @ start())",
        "label_replace(up, \"dst\", \"$1\", \"src\", \"(.*)\\n\")", "1 + -2", "foo unless bar",
        // Found by fuzz_promql: "+Inf" after a unary sign used to grow a '+' per round.
        "-foo ^inf^ooh:1", "+inf ^ foo", "foo ^ -Inf ^ bar"}) {
    const std::string once = Format(*Parse(text));
    CHECK(Format(*Parse(once)) == once);
  }
  CHECK(Format(*Parse("sum(foo)by(job)")) == "sum by (job) (foo)");
  CHECK(Format(*Parse("foo[90m]")) == "foo[1h30m]");
  CHECK(Format(*Parse("-foo ^inf^ooh:1")) == "-foo ^ Inf ^ ooh:1");
  // Grouping survives even without matching labels, and large @ timestamps stay exact.
  CHECK(Format(*Parse("a * ignoring() group_left(x) b")) == "a * ignoring () group_left (x) b");
  CHECK(Format(*Parse("foo @ 9007199254740.993")) == "foo @ 9007199254740.993");
  CHECK(Format(*Parse("foo @ -1.5")) == "foo @ -1.500");
}
