#include "rules/promql/ast.h"

#include <cmath>
#include <cstdio>

#include "rules/promql/duration.h"
#include "rules/promql/functions.h"
#include "rules/text/quote.h"

namespace inferwatch::rules::promql {

std::string_view ValueTypeName(ValueType type) {
  switch (type) {
    case ValueType::kScalar:
      return "scalar";
    case ValueType::kVector:
      return "instant vector";
    case ValueType::kMatrix:
      return "range vector";
    case ValueType::kString:
      return "string";
  }
  return "unknown";
}

std::string_view BinaryOpText(BinaryOp op) {
  switch (op) {
    case BinaryOp::kAdd:
      return "+";
    case BinaryOp::kSub:
      return "-";
    case BinaryOp::kMul:
      return "*";
    case BinaryOp::kDiv:
      return "/";
    case BinaryOp::kMod:
      return "%";
    case BinaryOp::kPow:
      return "^";
    case BinaryOp::kAtan2:
      return "atan2";
    case BinaryOp::kEql:
      return "==";
    case BinaryOp::kNeq:
      return "!=";
    case BinaryOp::kGtr:
      return ">";
    case BinaryOp::kLss:
      return "<";
    case BinaryOp::kGte:
      return ">=";
    case BinaryOp::kLte:
      return "<=";
    case BinaryOp::kAnd:
      return "and";
    case BinaryOp::kOr:
      return "or";
    case BinaryOp::kUnless:
      return "unless";
  }
  return "?";
}

bool IsComparison(BinaryOp op) {
  return op == BinaryOp::kEql || op == BinaryOp::kNeq || op == BinaryOp::kGtr ||
         op == BinaryOp::kLss || op == BinaryOp::kGte || op == BinaryOp::kLte;
}

bool IsSetOperator(BinaryOp op) {
  return op == BinaryOp::kAnd || op == BinaryOp::kOr || op == BinaryOp::kUnless;
}

std::string_view AggregateOpText(AggregateOp op) {
  switch (op) {
    case AggregateOp::kSum:
      return "sum";
    case AggregateOp::kAvg:
      return "avg";
    case AggregateOp::kMin:
      return "min";
    case AggregateOp::kMax:
      return "max";
    case AggregateOp::kCount:
      return "count";
    case AggregateOp::kGroup:
      return "group";
    case AggregateOp::kStddev:
      return "stddev";
    case AggregateOp::kStdvar:
      return "stdvar";
    case AggregateOp::kTopk:
      return "topk";
    case AggregateOp::kBottomk:
      return "bottomk";
    case AggregateOp::kQuantile:
      return "quantile";
    case AggregateOp::kCountValues:
      return "count_values";
  }
  return "?";
}

namespace {

template <class... Ts>
struct Overloaded : Ts... {
  using Ts::operator()...;
};
template <class... Ts>
Overloaded(Ts...) -> Overloaded<Ts...>;

std::string FormatNumber(double v) {
  if (std::isnan(v)) return "NaN";
  // "Inf", not "+Inf": after a unary sign "+Inf" would read back as a second unary plus
  // ("-a ^ +Inf ^ b" formats as "... ^ ++Inf ^ b" on the next round).
  if (std::isinf(v)) return v > 0 ? "Inf" : "-Inf";
  // Shortest text that reads back to the same double.
  char buf[64];
  for (int precision = 1; precision <= 17; ++precision) {
    std::snprintf(buf, sizeof buf, "%.*g", precision, v);
    if (std::strtod(buf, nullptr) == v) break;
  }
  return buf;
}

std::string FormatAt(const AtModifier& at) {
  switch (at.kind) {
    case AtKind::kNone:
      return "";
    case AtKind::kStart:
      return " @ start()";
    case AtKind::kEnd:
      return " @ end()";
    case AtKind::kTimestamp: {
      // Exact integer arithmetic: a double would round large timestamps.
      const std::int64_t ms = at.timestamp_ms;
      const std::uint64_t magnitude =
          ms < 0 ? 0 - static_cast<std::uint64_t>(ms) : static_cast<std::uint64_t>(ms);
      char buf[64];
      std::snprintf(buf, sizeof buf, " @ %s%llu.%03llu", ms < 0 ? "-" : "",
                    static_cast<unsigned long long>(magnitude / 1000),
                    static_cast<unsigned long long>(magnitude % 1000));
      return buf;
    }
  }
  return "";
}

std::string FormatOffset(std::int64_t offset_ms) {
  if (offset_ms == 0) return "";
  if (offset_ms < 0) return " offset -" + FormatDurationMs(-offset_ms);
  return " offset " + FormatDurationMs(offset_ms);
}

std::string MatchOpText(MatchType type) {
  switch (type) {
    case MatchType::kEqual:
      return "=";
    case MatchType::kNotEqual:
      return "!=";
    case MatchType::kRegexMatch:
      return "=~";
    case MatchType::kRegexNoMatch:
      return "!~";
  }
  return "=";
}

std::string FormatSelectorBody(const VectorSelector& selector) {
  std::string matchers;
  for (const auto& matcher : selector.matchers) {
    if (matcher.name == "__name__" && matcher.type == MatchType::kEqual &&
        matcher.value == selector.name && !selector.name.empty()) {
      continue;
    }
    if (!matchers.empty()) matchers += ',';
    matchers += matcher.name + MatchOpText(matcher.type) + GoQuote(matcher.value);
  }
  if (matchers.empty()) return selector.name;
  return selector.name + "{" + matchers + "}";
}

std::string JoinLabels(const std::vector<std::string>& labels) {
  std::string out;
  for (const auto& label : labels) {
    if (!out.empty()) out += ", ";
    out += label;
  }
  return out;
}

}  // namespace

ValueType TypeOf(const Expr& expr) {
  return std::visit(Overloaded{
                        [](const NumberLiteral&) { return ValueType::kScalar; },
                        [](const StringLiteral&) { return ValueType::kString; },
                        [](const VectorSelector&) { return ValueType::kVector; },
                        [](const MatrixSelector&) { return ValueType::kMatrix; },
                        [](const Subquery&) { return ValueType::kMatrix; },
                        [](const Call& call) {
                          const FunctionSignature* signature = FindFunction(call.function);
                          return signature ? signature->return_type : ValueType::kVector;
                        },
                        [](const Aggregate&) { return ValueType::kVector; },
                        [](const Binary& binary) {
                          return TypeOf(*binary.lhs) == ValueType::kScalar &&
                                         TypeOf(*binary.rhs) == ValueType::kScalar
                                     ? ValueType::kScalar
                                     : ValueType::kVector;
                        },
                        [](const Unary& unary) { return TypeOf(*unary.expr); },
                        [](const Paren& paren) { return TypeOf(*paren.expr); },
                    },
                    expr.node);
}

std::string Format(const Expr& expr) {
  return std::visit(
      Overloaded{
          [](const NumberLiteral& n) { return FormatNumber(n.value); },
          [](const StringLiteral& s) { return GoQuote(s.value); },
          [](const VectorSelector& v) {
            return FormatSelectorBody(v) + FormatAt(v.at) + FormatOffset(v.offset_ms);
          },
          [](const MatrixSelector& m) {
            return FormatSelectorBody(m.selector) + "[" + FormatDurationMs(m.range_ms) + "]" +
                   FormatAt(m.selector.at) + FormatOffset(m.selector.offset_ms);
          },
          [](const Subquery& s) {
            return Format(*s.expr) + "[" + FormatDurationMs(s.range_ms) + ":" +
                   (s.step_ms != 0 ? FormatDurationMs(s.step_ms) : std::string()) + "]" +
                   FormatAt(s.at) + FormatOffset(s.offset_ms);
          },
          [](const Call& c) {
            std::string out = c.function + "(";
            for (std::size_t i = 0; i < c.args.size(); ++i) {
              if (i > 0) out += ", ";
              out += Format(*c.args[i]);
            }
            return out + ")";
          },
          [](const Aggregate& a) {
            std::string out(AggregateOpText(a.op));
            if (a.without) {
              out += " without (" + JoinLabels(a.grouping) + ") ";
            } else if (!a.grouping.empty()) {
              out += " by (" + JoinLabels(a.grouping) + ") ";
            }
            out += "(";
            if (a.param) out += Format(*a.param) + ", ";
            return out + Format(*a.expr) + ")";
          },
          [](const Binary& b) {
            std::string out = Format(*b.lhs) + " " + std::string(BinaryOpText(b.op));
            if (b.return_bool) out += " bool";
            const VectorMatching& m = b.matching;
            const bool grouped =
                m.card == Cardinality::kManyToOne || m.card == Cardinality::kOneToMany;
            if (m.explicit_matching && (!m.labels.empty() || m.on || grouped)) {
              out += std::string(m.on ? " on" : " ignoring") + " (" + JoinLabels(m.labels) + ")";
              if (m.card == Cardinality::kManyToOne || m.card == Cardinality::kOneToMany) {
                out += std::string(m.card == Cardinality::kManyToOne ? " group_left"
                                                                     : " group_right") +
                       " (" + JoinLabels(m.include) + ")";
              }
            }
            return out + " " + Format(*b.rhs);
          },
          [](const Unary& u) { return std::string(u.negative ? "-" : "+") + Format(*u.expr); },
          [](const Paren& p) {
            std::string out = "(";
            out += Format(*p.expr);
            out += ')';
            return out;
          },
      },
      expr.node);
}

}  // namespace inferwatch::rules::promql
