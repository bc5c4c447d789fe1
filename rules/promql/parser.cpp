#include "rules/promql/parser.h"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <limits>
#include <optional>
#include <unordered_map>

#include "rules/promql/duration.h"
#include "rules/promql/functions.h"
#include "rules/promql/lexer.h"
#include "rules/text/names.h"

namespace inferwatch::rules::promql {

namespace {

struct ParseFailure {
  ParseError error;
};

std::string Lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

const std::unordered_map<std::string, AggregateOp>& Aggregators() {
  static const auto* const kMap = new std::unordered_map<std::string, AggregateOp>{
      {"sum", AggregateOp::kSum},           {"avg", AggregateOp::kAvg},
      {"min", AggregateOp::kMin},           {"max", AggregateOp::kMax},
      {"count", AggregateOp::kCount},       {"group", AggregateOp::kGroup},
      {"stddev", AggregateOp::kStddev},     {"stdvar", AggregateOp::kStdvar},
      {"topk", AggregateOp::kTopk},         {"bottomk", AggregateOp::kBottomk},
      {"quantile", AggregateOp::kQuantile}, {"count_values", AggregateOp::kCountValues}};
  return *kMap;
}

bool IsKeyword(std::string_view lower) {
  return lower == "and" || lower == "or" || lower == "unless" || lower == "atan2" ||
         lower == "by" || lower == "without" || lower == "on" || lower == "ignoring" ||
         lower == "group_left" || lower == "group_right" || lower == "bool" || lower == "offset";
}

// Binding strength of binary operators; higher binds tighter.
int Precedence(BinaryOp op) {
  switch (op) {
    case BinaryOp::kOr:
      return 1;
    case BinaryOp::kAnd:
    case BinaryOp::kUnless:
      return 2;
    case BinaryOp::kEql:
    case BinaryOp::kNeq:
    case BinaryOp::kGtr:
    case BinaryOp::kLss:
    case BinaryOp::kGte:
    case BinaryOp::kLte:
      return 3;
    case BinaryOp::kAdd:
    case BinaryOp::kSub:
      return 4;
    case BinaryOp::kMul:
    case BinaryOp::kDiv:
    case BinaryOp::kMod:
    case BinaryOp::kAtan2:
      return 5;
    case BinaryOp::kPow:
      return 6;
  }
  return 0;
}

double ParseNumberText(std::string_view text) {
  const std::string lower = Lower(text);
  if (lower == "inf" || lower == "+inf") return std::numeric_limits<double>::infinity();
  if (lower == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (lower.size() > 2 && lower[0] == '0' && lower[1] == 'x') {
    return static_cast<double>(std::strtoull(lower.c_str() + 2, nullptr, 16));
  }
  return std::strtod(lower.c_str(), nullptr);
}

// "123.456" as exact milliseconds, so that formatted @ timestamps read back unchanged; nullopt for
// any other spelling (exponents, hex, more than 3 decimals), which goes through double instead.
std::optional<std::int64_t> ExactMilliseconds(std::string_view text) {
  const std::size_t dot = text.find('.');
  const std::string_view whole = text.substr(0, dot);
  const std::string_view fraction = dot == std::string_view::npos ? "" : text.substr(dot + 1);
  if (whole.empty() || whole.size() > 15 || fraction.size() > 3) return std::nullopt;
  std::int64_t ms = 0;
  for (char c : whole) {
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  for (std::size_t i = 0; i < 3; ++i) {
    const char c = i < fraction.size() ? fraction[i] : '0';
    if (c < '0' || c > '9') return std::nullopt;
    ms = ms * 10 + (c - '0');
  }
  return ms;
}

ExprPtr Make(auto node) {
  auto expr = std::make_shared<Expr>();
  expr->node = std::move(node);
  return expr;
}

class Parser {
 public:
  explicit Parser(std::string_view input) : input_(input), tokens_(Tokenize(input)) {}

  ExprPtr ParseTop() {
    if (Peek().kind == TokenKind::kEnd) Fail(0, "no expression found in input");
    ExprPtr expr = ParseBinary(0);
    if (Peek().kind != TokenKind::kEnd) Unexpected(Peek());
    return expr;
  }

 private:
  const Token& Peek(std::size_t ahead = 0) const {
    const std::size_t index = std::min(pos_ + ahead, tokens_.size() - 1);
    return tokens_[index];
  }
  const Token& Advance() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kError) Fail(token.position, token.text);
    if (pos_ < tokens_.size() - 1) ++pos_;
    return token;
  }
  [[noreturn]] void Fail(std::size_t position, std::string message) {
    throw ParseFailure{ParseError{position, std::move(message)}};
  }
  [[noreturn]] void Unexpected(const Token& token, std::string_view context = {}) {
    if (token.kind == TokenKind::kError) Fail(token.position, token.text);
    std::string message = "unexpected " + DescribeToken(token);
    if (!context.empty()) message += std::string(" ") + std::string(context);
    Fail(token.position, std::move(message));
  }
  void Expect(TokenKind kind, std::string_view context) {
    if (Peek().kind != kind) Unexpected(Peek(), context);
    Advance();
  }
  bool PeekKeyword(std::string_view keyword, std::size_t ahead = 0) const {
    const Token& token = Peek(ahead);
    return token.kind == TokenKind::kIdentifier && Lower(token.text) == keyword;
  }

  std::optional<BinaryOp> PeekBinaryOp() const {
    const Token& token = Peek();
    if (token.kind == TokenKind::kOperator) {
      static const std::unordered_map<std::string_view, BinaryOp> kOps = {
          {"+", BinaryOp::kAdd},  {"-", BinaryOp::kSub},  {"*", BinaryOp::kMul},
          {"/", BinaryOp::kDiv},  {"%", BinaryOp::kMod},  {"^", BinaryOp::kPow},
          {"==", BinaryOp::kEql}, {"!=", BinaryOp::kNeq}, {">", BinaryOp::kGtr},
          {"<", BinaryOp::kLss},  {">=", BinaryOp::kGte}, {"<=", BinaryOp::kLte}};
      auto it = kOps.find(token.text);
      if (it != kOps.end()) return it->second;
      return std::nullopt;
    }
    if (token.kind == TokenKind::kIdentifier) {
      const std::string lower = Lower(token.text);
      if (lower == "and") return BinaryOp::kAnd;
      if (lower == "or") return BinaryOp::kOr;
      if (lower == "unless") return BinaryOp::kUnless;
      if (lower == "atan2") return BinaryOp::kAtan2;
    }
    return std::nullopt;
  }

  // Bounds recursion so hostile input cannot overflow the stack.
  struct DepthGuard {
    explicit DepthGuard(Parser& parser) : parser_(parser) {
      if (++parser_.depth_ > kMaxDepth) {
        parser_.Fail(parser_.Peek().position, "expression nested too deeply");
      }
    }
    ~DepthGuard() { --parser_.depth_; }
    DepthGuard(const DepthGuard&) = delete;
    DepthGuard& operator=(const DepthGuard&) = delete;
    Parser& parser_;
  };
  static constexpr int kMaxDepth = 256;

  ExprPtr ParseBinary(int min_precedence) {
    DepthGuard guard(*this);
    ExprPtr lhs = ParseUnary();
    while (true) {
      const std::optional<BinaryOp> op = PeekBinaryOp();
      if (!op || Precedence(*op) < min_precedence) break;
      const std::size_t op_position = Peek().position;
      Advance();
      Binary binary;
      binary.op = *op;
      ParseBinaryModifiers(binary);
      const int next_min = *op == BinaryOp::kPow ? Precedence(*op) : Precedence(*op) + 1;
      binary.lhs = lhs;
      binary.rhs = ParseBinary(next_min);
      CheckBinary(binary, op_position);
      lhs = Make(std::move(binary));
    }
    return lhs;
  }

  void ParseBinaryModifiers(Binary& binary) {
    if (PeekKeyword("bool")) {
      Advance();
      binary.return_bool = true;
    }
    if (PeekKeyword("on") || PeekKeyword("ignoring")) {
      binary.matching.on = PeekKeyword("on");
      binary.matching.explicit_matching = true;
      Advance();
      binary.matching.labels = ParseLabelList();
      if (PeekKeyword("group_left") || PeekKeyword("group_right")) {
        binary.matching.card =
            PeekKeyword("group_left") ? Cardinality::kManyToOne : Cardinality::kOneToMany;
        Advance();
        if (Peek().kind == TokenKind::kLeftParen) binary.matching.include = ParseLabelList();
      }
    }
  }

  std::vector<std::string> ParseLabelList() {
    Expect(TokenKind::kLeftParen, "in grouping opts, expected \"(\"");
    std::vector<std::string> labels;
    while (Peek().kind != TokenKind::kRightParen) {
      const Token& token = Peek();
      if (token.kind != TokenKind::kIdentifier || !IsValidLabelName(token.text)) {
        Unexpected(token, "in grouping opts, expected label");
      }
      labels.push_back(token.text);
      Advance();
      if (Peek().kind == TokenKind::kComma) {
        Advance();
      } else if (Peek().kind != TokenKind::kRightParen) {
        Unexpected(Peek(), "in grouping opts, expected \")\" or \",\"");
      }
    }
    Advance();
    return labels;
  }

  ExprPtr ParseUnary() {
    const Token& token = Peek();
    if (token.kind == TokenKind::kOperator && (token.text == "-" || token.text == "+")) {
      const bool negative = token.text == "-";
      const std::size_t position = token.position;
      Advance();
      // Unary operators bind like multiplication: only '^' binds tighter.
      ExprPtr operand = ParseBinary(Precedence(BinaryOp::kPow));
      if (const auto* number = std::get_if<NumberLiteral>(&operand->node)) {
        return Make(NumberLiteral{negative ? -number->value : number->value});
      }
      const ValueType type = TypeOf(*operand);
      if (type != ValueType::kScalar && type != ValueType::kVector) {
        Fail(position,
             "unary expression only allowed on expressions of type scalar or instant "
             "vector, got \"" +
                 std::string(ValueTypeName(type)) + "\"");
      }
      return Make(Unary{negative, operand});
    }
    return ParsePostfix(ParsePrimary());
  }

  ExprPtr ParsePostfix(ExprPtr expr) {
    while (true) {
      const Token& token = Peek();
      if (token.kind == TokenKind::kLeftBracket) {
        expr = ParseRangeOrSubquery(expr);
      } else if (PeekKeyword("offset")) {
        expr = ParseOffset(expr);
      } else if (token.kind == TokenKind::kAt) {
        expr = ParseAt(expr);
      } else {
        return expr;
      }
    }
  }

  std::int64_t ParseDurationToken(std::string_view context) {
    const Token& token = Peek();
    if (token.kind != TokenKind::kDuration && token.kind != TokenKind::kNumber) {
      Unexpected(token, context);
    }
    std::optional<std::int64_t> ms = ParseDurationMs(token.text);
    if (!ms) Fail(token.position, "not a valid duration string: \"" + token.text + "\"");
    Advance();
    return *ms;
  }

  ExprPtr ParseRangeOrSubquery(const ExprPtr& expr) {
    const std::size_t bracket_position = Peek().position;
    Advance();
    const std::int64_t range =
        ParseDurationToken("in subquery or range selector, expected duration");
    if (Peek().kind == TokenKind::kColon) {
      Advance();
      std::int64_t step = 0;
      if (Peek().kind != TokenKind::kRightBracket) {
        step = ParseDurationToken("in subquery, expected duration");
      }
      Expect(TokenKind::kRightBracket, "in subquery, expected \"]\"");
      const ValueType type = TypeOf(*expr);
      if (type != ValueType::kVector) {
        Fail(bracket_position, "subquery is only allowed on instant vector, got " +
                                   std::string(ValueTypeName(type)) + " in \"" + Format(*expr) +
                                   "[" + FormatDurationMs(range) + ":" +
                                   (step ? FormatDurationMs(step) : "") + "]\" instead");
      }
      Subquery subquery;
      subquery.expr = expr;
      subquery.range_ms = range;
      subquery.step_ms = step;
      return Make(std::move(subquery));
    }
    Expect(TokenKind::kRightBracket, "in range selector, expected \"]\"");
    const auto* selector = std::get_if<VectorSelector>(&expr->node);
    if (selector == nullptr) Fail(bracket_position, "ranges only allowed for vector selectors");
    if (selector->offset_ms != 0 || selector->at.kind != AtKind::kNone) {
      Fail(bracket_position, "no offset modifiers allowed before range");
    }
    MatrixSelector matrix;
    matrix.selector = *selector;
    matrix.range_ms = range;
    return Make(std::move(matrix));
  }

  ExprPtr ParseOffset(const ExprPtr& expr) {
    const std::size_t position = Peek().position;
    Advance();
    bool negative = false;
    if (Peek().kind == TokenKind::kOperator && (Peek().text == "-" || Peek().text == "+")) {
      negative = Peek().text == "-";
      Advance();
    }
    std::int64_t offset = ParseDurationToken("in offset, expected duration");
    if (negative) offset = -offset;
    Expr copy = *expr;
    if (auto* v = std::get_if<VectorSelector>(&copy.node)) {
      if (v->offset_ms != 0) Fail(position, "offset may not be set multiple times");
      v->offset_ms = offset;
    } else if (auto* m = std::get_if<MatrixSelector>(&copy.node)) {
      if (m->selector.offset_ms != 0) Fail(position, "offset may not be set multiple times");
      m->selector.offset_ms = offset;
    } else if (auto* s = std::get_if<Subquery>(&copy.node)) {
      if (s->offset_ms != 0) Fail(position, "offset may not be set multiple times");
      s->offset_ms = offset;
    } else {
      Fail(position,
           "offset modifier must be preceded by an instant vector selector or range "
           "vector selector or a subquery");
    }
    return std::make_shared<Expr>(std::move(copy));
  }

  ExprPtr ParseAt(const ExprPtr& expr) {
    const std::size_t position = Peek().position;
    Advance();
    AtModifier at;
    if (PeekKeyword("start") || PeekKeyword("end")) {
      at.kind = PeekKeyword("start") ? AtKind::kStart : AtKind::kEnd;
      Advance();
      Expect(TokenKind::kLeftParen, "in @, expected \"(\"");
      Expect(TokenKind::kRightParen, "in @, expected \")\"");
    } else {
      bool negative = false;
      if (Peek().kind == TokenKind::kOperator && (Peek().text == "-" || Peek().text == "+")) {
        negative = Peek().text == "-";
        Advance();
      }
      if (Peek().kind != TokenKind::kNumber) Unexpected(Peek(), "in @, expected timestamp");
      const std::string text = Peek().text;
      double seconds = ParseNumberText(text);
      Advance();
      if (negative) seconds = -seconds;
      if (std::optional<std::int64_t> exact = ExactMilliseconds(text)) {
        at.kind = AtKind::kTimestamp;
        at.timestamp_ms = negative ? -*exact : *exact;
      }
      const double ms = seconds * 1000.0;
      if (std::isnan(ms) || std::isinf(ms) || ms >= 9.2233720368547758e18 ||
          ms <= -9.2233720368547758e18) {
        char buf[64];
        std::snprintf(buf, sizeof buf, "%f", seconds);
        Fail(position, std::string("timestamp out of bounds for @ modifier: ") + buf);
      }
      if (at.kind == AtKind::kNone) {
        at.kind = AtKind::kTimestamp;
        at.timestamp_ms = static_cast<std::int64_t>(std::llround(ms));
      }
    }
    Expr copy = *expr;
    AtModifier* target = nullptr;
    if (auto* v = std::get_if<VectorSelector>(&copy.node)) {
      target = &v->at;
    } else if (auto* m = std::get_if<MatrixSelector>(&copy.node)) {
      target = &m->selector.at;
    } else if (auto* s = std::get_if<Subquery>(&copy.node)) {
      target = &s->at;
    } else {
      Fail(position,
           "@ modifier must be preceded by an instant vector selector or range vector "
           "selector or a subquery");
    }
    if (target->kind != AtKind::kNone) Fail(position, "@ modifier may not be set multiple times");
    *target = at;
    return std::make_shared<Expr>(std::move(copy));
  }

  ExprPtr ParsePrimary() {
    const Token& token = Peek();
    switch (token.kind) {
      case TokenKind::kNumber: {
        const double value = ParseNumberText(token.text);
        Advance();
        return Make(NumberLiteral{value});
      }
      case TokenKind::kString: {
        std::string value = token.text;
        Advance();
        return Make(StringLiteral{std::move(value)});
      }
      case TokenKind::kLeftParen: {
        Advance();
        ExprPtr inner = ParseBinary(0);
        Expect(TokenKind::kRightParen, "in paren expression, expected \")\"");
        return Make(Paren{inner});
      }
      case TokenKind::kLeftBrace:
        return ParseVectorSelector("");
      case TokenKind::kIdentifier:
        break;
      default:
        Unexpected(token);
    }
    const std::string lower = Lower(token.text);
    auto aggregator = Aggregators().find(lower);
    if (aggregator != Aggregators().end() && (Peek(1).kind == TokenKind::kLeftParen ||
                                              PeekKeyword("by", 1) || PeekKeyword("without", 1))) {
      return ParseAggregate(aggregator->second);
    }
    if (Peek(1).kind == TokenKind::kLeftParen) return ParseCall();
    if (IsKeyword(lower)) Unexpected(token);
    std::string name = token.text;
    Advance();
    return ParseVectorSelector(std::move(name));
  }

  ExprPtr ParseVectorSelector(std::string name) {
    VectorSelector selector;
    const std::size_t position = Peek().kind == TokenKind::kLeftBrace ? Peek().position : 0;
    if (Peek().kind == TokenKind::kLeftBrace) {
      Advance();
      while (Peek().kind != TokenKind::kRightBrace) {
        const Token& label = Peek();
        if (label.kind != TokenKind::kIdentifier || !IsValidLabelName(label.text)) {
          Unexpected(label, "in label matching, expected label");
        }
        std::string label_name = label.text;
        Advance();
        const Token& op = Peek();
        MatchType type;
        if (op.kind == TokenKind::kOperator && op.text == "=") {
          type = MatchType::kEqual;
        } else if (op.kind == TokenKind::kOperator && op.text == "!=") {
          type = MatchType::kNotEqual;
        } else if (op.kind == TokenKind::kOperator && op.text == "=~") {
          type = MatchType::kRegexMatch;
        } else if (op.kind == TokenKind::kOperator && op.text == "!~") {
          type = MatchType::kRegexNoMatch;
        } else {
          Unexpected(op, "in label matching, expected label matching operator");
        }
        Advance();
        const Token& value = Peek();
        if (value.kind != TokenKind::kString)
          Unexpected(value, "in label matching, expected string");
        LabelMatcher matcher;
        std::string error;
        if (!MakeLabelMatcher(type, label_name, value.text, &matcher, &error)) {
          Fail(value.position, "error parsing regexp: " + error);
        }
        Advance();
        selector.matchers.push_back(std::move(matcher));
        if (Peek().kind == TokenKind::kComma) {
          Advance();
        } else if (Peek().kind != TokenKind::kRightBrace) {
          Unexpected(Peek(), "in label matching, expected \",\" or \"}\"");
        }
      }
      Advance();
    }
    if (!name.empty()) {
      for (const auto& matcher : selector.matchers) {
        if (matcher.name == "__name__") {
          Fail(position,
               "metric name must not be set twice: \"" + name + "\" or \"" + matcher.value + "\"");
        }
      }
      LabelMatcher name_matcher;
      MakeLabelMatcher(MatchType::kEqual, "__name__", name, &name_matcher, nullptr);
      selector.matchers.push_back(std::move(name_matcher));
    } else {
      const bool any_non_empty = std::any_of(selector.matchers.begin(), selector.matchers.end(),
                                             [](const LabelMatcher& m) { return !m.Matches(""); });
      if (!any_non_empty) {
        Fail(position, "vector selector must contain at least one non-empty matcher");
      }
    }
    selector.name = std::move(name);
    return Make(std::move(selector));
  }

  std::vector<ExprPtr> ParseArgs() {
    Expect(TokenKind::kLeftParen, "expected \"(\"");
    std::vector<ExprPtr> args;
    while (Peek().kind != TokenKind::kRightParen) {
      args.push_back(ParseBinary(0));
      if (Peek().kind == TokenKind::kComma) {
        Advance();
      } else if (Peek().kind != TokenKind::kRightParen) {
        Unexpected(Peek(), "in argument list, expected \",\" or \")\"");
      }
    }
    Advance();
    return args;
  }

  void ExpectType(const Expr& expr, ValueType want, std::size_t position,
                  std::string_view context) {
    const ValueType got = TypeOf(expr);
    if (got != want) {
      Fail(position, "expected type " + std::string(ValueTypeName(want)) + " in " +
                         std::string(context) + ", got " + std::string(ValueTypeName(got)));
    }
  }

  ExprPtr ParseAggregate(AggregateOp op) {
    const std::size_t position = Peek().position;
    Advance();
    Aggregate aggregate;
    aggregate.op = op;
    auto parse_grouping = [&] {
      aggregate.without = PeekKeyword("without");
      Advance();
      aggregate.grouping = ParseLabelList();
      aggregate.grouping_given = true;
    };
    if (PeekKeyword("by") || PeekKeyword("without")) parse_grouping();
    const std::vector<ExprPtr> args = ParseArgs();
    if (!aggregate.grouping_given && (PeekKeyword("by") || PeekKeyword("without"))) {
      parse_grouping();
    }
    const bool has_param = op == AggregateOp::kTopk || op == AggregateOp::kBottomk ||
                           op == AggregateOp::kQuantile || op == AggregateOp::kCountValues;
    const std::size_t want = has_param ? 2 : 1;
    if (args.size() != want) {
      Fail(position, "wrong number of arguments for aggregate expression provided, expected " +
                         std::to_string(want) + ", got " + std::to_string(args.size()));
    }
    if (has_param) {
      aggregate.param = args[0];
      aggregate.expr = args[1];
      ExpectType(*aggregate.param,
                 op == AggregateOp::kCountValues ? ValueType::kString : ValueType::kScalar,
                 position, "aggregation parameter");
    } else {
      aggregate.expr = args[0];
    }
    ExpectType(*aggregate.expr, ValueType::kVector, position, "aggregation expression");
    return Make(std::move(aggregate));
  }

  ExprPtr ParseCall() {
    const Token& name_token = Peek();
    const std::size_t position = name_token.position;
    const std::string name = name_token.text;
    const FunctionSignature* signature = FindFunction(name);
    if (signature == nullptr) Fail(position, "unknown function with name \"" + name + "\"");
    Advance();
    Call call;
    call.function = name;
    call.args = ParseArgs();
    const std::size_t nargs = signature->arg_types.size();
    const std::size_t got = call.args.size();
    const std::string quoted = "\"" + name + "\"";
    if (signature->variadic == 0) {
      if (nargs != got) {
        Fail(position, "expected " + std::to_string(nargs) + " argument(s) in call to " + quoted +
                           ", got " + std::to_string(got));
      }
    } else {
      const std::size_t min_args = nargs - 1;
      if (min_args > got) {
        Fail(position, "expected at least " + std::to_string(min_args) +
                           " argument(s) in call to " + quoted + ", got " + std::to_string(got));
      }
      if (signature->variadic > 0 &&
          min_args + static_cast<std::size_t>(signature->variadic) < got) {
        Fail(position, "expected at most " + std::to_string(min_args + signature->variadic) +
                           " argument(s) in call to " + quoted + ", got " + std::to_string(got));
      }
    }
    for (std::size_t i = 0; i < got; ++i) {
      const std::size_t type_index = std::min(i, nargs - 1);
      ExpectType(*call.args[i], signature->arg_types[type_index], position,
                 "call to function " + quoted);
    }
    return Make(std::move(call));
  }

  void CheckBinary(Binary& binary, std::size_t position) {
    const ValueType lt = TypeOf(*binary.lhs);
    const ValueType rt = TypeOf(*binary.rhs);
    std::string op_text = "\"";
    op_text += BinaryOpText(binary.op);
    op_text += '"';
    if (binary.return_bool && !IsComparison(binary.op)) {
      Fail(position, "bool modifier can only be used on comparison operators");
    }
    if (IsComparison(binary.op) && !binary.return_bool && lt == ValueType::kScalar &&
        rt == ValueType::kScalar) {
      Fail(position, "comparisons between scalars must use BOOL modifier");
    }
    if (IsSetOperator(binary.op) && binary.matching.card == Cardinality::kOneToOne) {
      binary.matching.card = Cardinality::kManyToMany;
    }
    if (binary.matching.on) {
      for (const auto& label : binary.matching.labels) {
        if (std::find(binary.matching.include.begin(), binary.matching.include.end(), label) !=
            binary.matching.include.end()) {
          Fail(position, "label \"" + label + "\" must not occur in ON and GROUP clause at once");
        }
      }
    }
    if ((lt != ValueType::kScalar && lt != ValueType::kVector) ||
        (rt != ValueType::kScalar && rt != ValueType::kVector)) {
      Fail(position, "binary expression must contain only scalar and instant vector types");
    }
    if (lt != ValueType::kVector || rt != ValueType::kVector) {
      if (binary.matching.explicit_matching && !binary.matching.labels.empty()) {
        Fail(position, "vector matching only allowed between instant vectors");
      }
      binary.matching = VectorMatching{};
    } else if (IsSetOperator(binary.op)) {
      if (binary.matching.card == Cardinality::kOneToMany ||
          binary.matching.card == Cardinality::kManyToOne) {
        Fail(position, "no grouping allowed for " + op_text + " operation");
      }
    }
    if ((lt == ValueType::kScalar || rt == ValueType::kScalar) && IsSetOperator(binary.op)) {
      Fail(position, "set operator " + op_text + " not allowed in binary scalar expression");
    }
  }

  std::string_view input_;
  std::vector<Token> tokens_;
  std::size_t pos_ = 0;
  int depth_ = 0;
};

}  // namespace

std::variant<ExprPtr, ParseError> ParseExpr(std::string_view expr) {
  try {
    Parser parser(expr);
    return parser.ParseTop();
  } catch (const ParseFailure& failure) {
    return failure.error;
  }
}

std::string FormatParseError(std::string_view expr, const ParseError& error) {
  std::size_t line = 1;
  std::size_t column = 1;
  for (std::size_t i = 0; i < error.position && i < expr.size(); ++i) {
    if (expr[i] == '\n') {
      ++line;
      column = 1;
    } else {
      ++column;
    }
  }
  return std::to_string(line) + ":" + std::to_string(column) + ": parse error: " + error.message;
}

}  // namespace inferwatch::rules::promql
