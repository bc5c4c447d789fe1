#include "rules/template/template.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <functional>
#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <re2/re2.h>

#include "rules/template/go_format.h"
#include "rules/template/humanize.h"

namespace inferwatch::rules::templating {

namespace {

struct Pipeline;

struct Arg {
  enum class Kind { kLiteral, kDot, kField, kVariable, kFunction, kPipeline };
  Kind kind = Kind::kLiteral;
  Value literal;
  std::string name;                 // variable (with '$') or function name
  std::vector<std::string> fields;  // .a.b after the dot or variable
  std::shared_ptr<Pipeline> pipeline;
};

struct Command {
  std::vector<Arg> args;
};

struct Pipeline {
  std::vector<std::string> declared;  // $k, $v in "$k, $v := ..."
  bool declares = false;              // := (new variables) rather than = (assignment)
  std::vector<Command> commands;
};

struct Node;
using NodeList = std::vector<Node>;

struct Node {
  enum class Kind { kText, kAction, kIf, kWith, kRange };
  Kind kind = Kind::kText;
  std::string text;
  Pipeline pipeline;
  NodeList body;
  NodeList else_body;
};

using Function = std::function<std::variant<Value, TemplateError>(std::vector<Value>&)>;
const std::map<std::string, Function, std::less<>>& Functions();

// ---------------------------------------------------------------------------------------------
// Lexing: split the text into literal text and action bodies, then tokenize each action.

struct Token {
  enum class Kind {
    kIdent,
    kField,
    kVariable,
    kString,
    kNumber,
    kPipe,
    kOpen,
    kClose,
    kDeclare,
    kAssign,
    kComma,
    kDot
  };
  Kind kind;
  std::string text;
};

std::optional<std::string> UnquoteGo(std::string_view body, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < body.size(); ++i) {
    char c = body[i];
    if (c != '\\') {
      out += c;
      continue;
    }
    if (++i >= body.size()) return "unterminated escape";
    switch (body[i]) {
      case 'n':
        out += '\n';
        break;
      case 't':
        out += '\t';
        break;
      case 'r':
        out += '\r';
        break;
      case 'a':
        out += '\a';
        break;
      case 'b':
        out += '\b';
        break;
      case 'f':
        out += '\f';
        break;
      case 'v':
        out += '\v';
        break;
      case '\\':
        out += '\\';
        break;
      case '"':
        out += '"';
        break;
      case '\'':
        out += '\'';
        break;
      case 'x': {
        unsigned value = 0;
        if (i + 3 > body.size()) return "invalid \\x escape";
        auto [ptr, ec] = std::from_chars(body.data() + i + 1, body.data() + i + 3, value, 16);
        if (ec != std::errc() || ptr != body.data() + i + 3) return "invalid \\x escape";
        out += static_cast<char>(value);
        i += 2;
        break;
      }
      default:
        return fmt::format("unknown escape sequence \\{}", body[i]);
    }
  }
  return std::nullopt;
}

std::optional<std::string> Tokenize(std::string_view action, std::vector<Token>& tokens) {
  std::size_t i = 0;
  auto is_ident = [](char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; };
  while (i < action.size()) {
    const char c = action[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '|') {
      tokens.push_back({Token::Kind::kPipe, "|"});
      ++i;
    } else if (c == '(') {
      tokens.push_back({Token::Kind::kOpen, "("});
      ++i;
    } else if (c == ')') {
      tokens.push_back({Token::Kind::kClose, ")"});
      ++i;
    } else if (c == ',') {
      tokens.push_back({Token::Kind::kComma, ","});
      ++i;
    } else if (c == ':' && i + 1 < action.size() && action[i + 1] == '=') {
      tokens.push_back({Token::Kind::kDeclare, ":="});
      i += 2;
    } else if (c == '=') {
      tokens.push_back({Token::Kind::kAssign, "="});
      ++i;
    } else if (c == '"') {
      std::size_t end = i + 1;
      while (end < action.size() && action[end] != '"') end += action[end] == '\\' ? 2 : 1;
      if (end >= action.size()) return "unterminated quoted string";
      std::string value;
      if (auto error = UnquoteGo(action.substr(i + 1, end - i - 1), value)) return error;
      tokens.push_back({Token::Kind::kString, std::move(value)});
      i = end + 1;
    } else if (c == '`') {
      const std::size_t end = action.find('`', i + 1);
      if (end == std::string_view::npos) return "unterminated raw quoted string";
      tokens.push_back({Token::Kind::kString, std::string(action.substr(i + 1, end - i - 1))});
      i = end + 1;
    } else if (c == '$' || c == '.') {
      std::size_t end = i + 1;
      while (end < action.size() && (is_ident(action[end]) || action[end] == '.')) ++end;
      const std::string text(action.substr(i, end - i));
      if (c == '.' && text.size() > 1 && std::isdigit(static_cast<unsigned char>(text[1]))) {
        return fmt::format("bad number syntax: \"{}\"", text);
      }
      if (c == '.') {
        tokens.push_back({text == "." ? Token::Kind::kDot : Token::Kind::kField, text});
      } else {
        tokens.push_back({Token::Kind::kVariable, text});
      }
      i = end;
    } else if (std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+') {
      std::size_t end = i + 1;
      while (end < action.size() &&
             (std::isalnum(static_cast<unsigned char>(action[end])) || action[end] == '.' ||
              ((action[end] == '-' || action[end] == '+') &&
               (action[end - 1] == 'e' || action[end - 1] == 'E')))) {
        ++end;
      }
      tokens.push_back({Token::Kind::kNumber, std::string(action.substr(i, end - i))});
      i = end;
    } else if (is_ident(c)) {
      std::size_t end = i + 1;
      while (end < action.size() && is_ident(action[end])) ++end;
      tokens.push_back({Token::Kind::kIdent, std::string(action.substr(i, end - i))});
      i = end;
    } else {
      return fmt::format("unexpected \"{}\" in command", c);
    }
  }
  return std::nullopt;
}

std::vector<std::string> SplitFields(std::string_view text) {
  // ".a.b" -> {"a", "b"}; "$x.a" -> {"a"} (the variable name is handled by the caller).
  std::vector<std::string> fields;
  std::size_t start = text.find('.');
  while (start != std::string_view::npos) {
    const std::size_t next = text.find('.', start + 1);
    fields.emplace_back(
        text.substr(start + 1, next == std::string_view::npos ? next : next - start - 1));
    start = next;
  }
  return fields;
}

// ---------------------------------------------------------------------------------------------
// Parsing

class Parser {
 public:
  explicit Parser(std::string_view text) : text_(text) {}

  std::optional<std::string> Run(NodeList& out) {
    if (auto error = SplitActions()) return error;
    std::string terminator;
    if (auto error = ParseList(out, terminator)) return error;
    if (!terminator.empty()) return fmt::format("unexpected {{{{{}}}}}", terminator);
    return std::nullopt;
  }

 private:
  struct Piece {
    bool is_action = false;
    std::string text;
    std::vector<Token> tokens;
  };

  std::optional<std::string> SplitActions() {
    std::size_t pos = 0;
    bool trim_next_text = false;
    while (pos <= text_.size()) {
      const std::size_t open = text_.find("{{", pos);
      std::string literal(text_.substr(pos, open == std::string_view::npos ? open : open - pos));
      if (trim_next_text) {
        literal.erase(0, literal.find_first_not_of(" \t\r\n") == std::string::npos
                             ? literal.size()
                             : literal.find_first_not_of(" \t\r\n"));
      }
      if (open == std::string_view::npos) {
        if (!literal.empty()) pieces_.push_back({false, std::move(literal), {}});
        break;
      }
      std::size_t body_start = open + 2;
      if (body_start + 1 < text_.size() && text_[body_start] == '-' &&
          std::isspace(static_cast<unsigned char>(text_[body_start + 1]))) {
        const std::size_t keep = literal.find_last_not_of(" \t\r\n");
        literal.erase(keep == std::string::npos ? 0 : keep + 1);
        body_start += 2;
      }
      if (!literal.empty()) pieces_.push_back({false, std::move(literal), {}});
      // Find the closing braces, skipping quoted strings.
      std::size_t i = body_start;
      char quote = 0;
      for (; i < text_.size(); ++i) {
        const char c = text_[i];
        if (quote != 0) {
          if (c == '\\' && quote == '"') {
            ++i;
          } else if (c == quote) {
            quote = 0;
          }
        } else if (c == '"' || c == '`') {
          quote = c;
        } else if (c == '}' && i + 1 < text_.size() && text_[i + 1] == '}') {
          break;
        }
      }
      if (i >= text_.size()) return std::string("unclosed action");
      std::size_t body_end = i;
      trim_next_text = false;
      if (body_end >= body_start + 2 && text_[body_end - 1] == '-' &&
          std::isspace(static_cast<unsigned char>(text_[body_end - 2]))) {
        trim_next_text = true;
        body_end -= 2;
      }
      std::string_view body = text_.substr(body_start, body_end - body_start);
      const std::size_t first = body.find_first_not_of(" \t\r\n");
      if (first != std::string_view::npos && body.substr(first).starts_with("/*")) {
        const std::size_t last = body.find_last_not_of(" \t\r\n");
        if (!body.substr(0, last + 1).ends_with("*/")) return std::string("unclosed comment");
      } else {
        Piece piece{true, std::string(body), {}};
        if (auto error = Tokenize(body, piece.tokens)) return error;
        if (piece.tokens.empty()) return std::string("missing value for command");
        pieces_.push_back(std::move(piece));
      }
      pos = i + 2;
    }
    return std::nullopt;
  }

  // Parses nodes until {{end}} or {{else}} (returned in terminator, with the else's tokens left
  // for the caller) or the end of input (terminator empty).
  std::optional<std::string> ParseList(NodeList& out, std::string& terminator) {
    terminator.clear();
    while (next_ < pieces_.size()) {
      Piece& piece = pieces_[next_];
      if (!piece.is_action) {
        out.push_back(Node{Node::Kind::kText, piece.text, {}, {}, {}});
        ++next_;
        continue;
      }
      const Token& head = piece.tokens.front();
      if (head.kind == Token::Kind::kIdent && (head.text == "end" || head.text == "else")) {
        terminator = head.text;
        if (head.text == "end" && piece.tokens.size() > 1) {
          return std::string("unexpected tokens after end");
        }
        ++next_;
        return std::nullopt;
      }
      ++next_;
      Node node;
      if (head.kind == Token::Kind::kIdent &&
          (head.text == "if" || head.text == "with" || head.text == "range")) {
        if (auto error = ParseControl(head.text, piece.tokens, 1, node)) return error;
      } else if (head.kind == Token::Kind::kIdent &&
                 (head.text == "define" || head.text == "template" || head.text == "block")) {
        return fmt::format("{{{{{}}}}} is not supported", head.text);
      } else {
        node.kind = Node::Kind::kAction;
        std::size_t pos = 0;
        if (auto error = ParsePipeline(piece.tokens, pos, node.pipeline, true)) return error;
        if (pos != piece.tokens.size())
          return fmt::format("unexpected \"{}\"", piece.tokens[pos].text);
      }
      out.push_back(std::move(node));
    }
    return std::nullopt;
  }

  std::optional<std::string> ParseControl(const std::string& keyword,
                                          const std::vector<Token>& tokens, std::size_t pos,
                                          Node& node) {
    node.kind = keyword == "if"     ? Node::Kind::kIf
                : keyword == "with" ? Node::Kind::kWith
                                    : Node::Kind::kRange;
    if (pos >= tokens.size()) return fmt::format("missing value for {}", keyword);
    if (auto error = ParsePipeline(tokens, pos, node.pipeline, true)) return error;
    if (pos != tokens.size())
      return fmt::format("unexpected \"{}\" in {}", tokens[pos].text, keyword);
    std::string terminator;
    if (auto error = ParseList(node.body, terminator)) return error;
    if (terminator.empty()) return fmt::format("unexpected EOF: {} without end", keyword);
    if (terminator == "else") {
      const std::vector<Token>& else_tokens = pieces_[next_ - 1].tokens;
      if (else_tokens.size() > 1) {
        // {{else if ...}} / {{else with ...}}: a nested control that shares the outer {{end}}.
        const Token& nested = else_tokens[1];
        if (nested.kind != Token::Kind::kIdent || (nested.text != "if" && nested.text != "with")) {
          return std::string("unexpected tokens after else");
        }
        Node inner;
        if (auto error = ParseControl(nested.text, else_tokens, 2, inner)) return error;
        node.else_body.push_back(std::move(inner));
        return std::nullopt;
      }
      if (auto error = ParseList(node.else_body, terminator)) return error;
      if (terminator != "end")
        return fmt::format("expected end; found {}", terminator.empty() ? "EOF" : terminator);
    }
    return std::nullopt;
  }

  std::optional<std::string> ParsePipeline(const std::vector<Token>& tokens, std::size_t& pos,
                                           Pipeline& pipeline, bool allow_declare) {
    // Optional "$x :=" / "$k, $v :=" / "$x =".
    if (allow_declare && pos < tokens.size() && tokens[pos].kind == Token::Kind::kVariable) {
      std::size_t look = pos;
      std::vector<std::string> names;
      while (look < tokens.size() && tokens[look].kind == Token::Kind::kVariable) {
        names.push_back(tokens[look].text);
        ++look;
        if (look < tokens.size() && tokens[look].kind == Token::Kind::kComma) {
          ++look;
        } else {
          break;
        }
      }
      if (look < tokens.size() && (tokens[look].kind == Token::Kind::kDeclare ||
                                   tokens[look].kind == Token::Kind::kAssign)) {
        pipeline.declared = std::move(names);
        pipeline.declares = tokens[look].kind == Token::Kind::kDeclare;
        pos = look + 1;
      }
    }
    while (true) {
      Command command;
      while (pos < tokens.size() && tokens[pos].kind != Token::Kind::kPipe &&
             tokens[pos].kind != Token::Kind::kClose) {
        Arg arg;
        if (auto error = ParseArg(tokens, pos, arg)) return error;
        command.args.push_back(std::move(arg));
      }
      if (command.args.empty()) return std::string("missing value for command");
      pipeline.commands.push_back(std::move(command));
      if (pos < tokens.size() && tokens[pos].kind == Token::Kind::kPipe) {
        ++pos;
        continue;
      }
      return std::nullopt;
    }
  }

  std::optional<std::string> ParseArg(const std::vector<Token>& tokens, std::size_t& pos,
                                      Arg& arg) {
    const Token& token = tokens[pos++];
    switch (token.kind) {
      case Token::Kind::kString:
        arg.literal = Value::String(token.text);
        return std::nullopt;
      case Token::Kind::kNumber: {
        std::int64_t integer = 0;
        auto [ptr, ec] =
            std::from_chars(token.text.data(), token.text.data() + token.text.size(), integer);
        if (ec == std::errc() && ptr == token.text.data() + token.text.size()) {
          arg.literal = Value::Int(integer);
          return std::nullopt;
        }
        double number = 0;
        const char* begin = token.text.data() + (token.text[0] == '+' ? 1 : 0);
        auto [fptr, fec] = std::from_chars(begin, token.text.data() + token.text.size(), number);
        if (fec != std::errc() || fptr != token.text.data() + token.text.size()) {
          return fmt::format("bad number syntax: \"{}\"", token.text);
        }
        arg.literal = Value::Float(number);
        return std::nullopt;
      }
      case Token::Kind::kDot:
        arg.kind = Arg::Kind::kDot;
        return std::nullopt;
      case Token::Kind::kField:
        arg.kind = Arg::Kind::kField;
        arg.fields = SplitFields(token.text);
        return std::nullopt;
      case Token::Kind::kVariable: {
        arg.kind = Arg::Kind::kVariable;
        const std::size_t dot = token.text.find('.');
        arg.name = token.text.substr(0, dot);
        if (dot != std::string::npos) arg.fields = SplitFields(token.text.substr(dot));
        return std::nullopt;
      }
      case Token::Kind::kIdent:
        if (token.text == "true" || token.text == "false") {
          arg.literal = Value::Bool(token.text == "true");
          return std::nullopt;
        }
        if (token.text == "nil") {
          arg.literal = Value();
          return std::nullopt;
        }
        if (!Functions().contains(token.text)) {
          return fmt::format("function \"{}\" not defined", token.text);
        }
        arg.kind = Arg::Kind::kFunction;
        arg.name = token.text;
        return std::nullopt;
      case Token::Kind::kOpen: {
        arg.kind = Arg::Kind::kPipeline;
        arg.pipeline = std::make_shared<Pipeline>();
        if (auto error = ParsePipeline(tokens, pos, *arg.pipeline, false)) return error;
        if (pos >= tokens.size() || tokens[pos].kind != Token::Kind::kClose) {
          return std::string("unclosed left paren");
        }
        ++pos;
        return std::nullopt;
      }
      default:
        return fmt::format("unexpected \"{}\" in operand", token.text);
    }
  }

  std::string_view text_;
  std::vector<Piece> pieces_;
  std::size_t next_ = 0;
};

// ---------------------------------------------------------------------------------------------
// Execution

bool Truth(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNil:
      return false;
    case Value::Kind::kBool:
      return value.boolean;
    case Value::Kind::kInt:
      return value.integer != 0;
    case Value::Kind::kFloat:
      return value.number != 0;
    case Value::Kind::kString:
      return !value.text.empty();
    case Value::Kind::kMap:
      return !value.map->empty();
    case Value::Kind::kData:
      return true;
  }
  return false;
}

class Executor {
 public:
  explicit Executor(const TemplateData& data) {
    root_.kind = Value::Kind::kData;
    labels_ = Value::Map(std::make_shared<LabelMap>(data.labels));
    external_labels_ = Value::Map(std::make_shared<LabelMap>(data.external_labels));
    external_url_ = Value::String(data.external_url);
    value_ = Value::Float(data.value);
    variables_ = {{"$", root_},
                  {"$labels", labels_},
                  {"$externalLabels", external_labels_},
                  {"$externalURL", external_url_},
                  {"$value", value_}};
  }

  std::optional<std::string> Run(const NodeList& nodes, const Value& dot, std::string& out) {
    const std::size_t scope = variables_.size();
    for (const Node& node : nodes) {
      if (auto error = RunNode(node, dot, out)) return error;
    }
    variables_.resize(scope);
    return std::nullopt;
  }

 private:
  std::optional<std::string> RunNode(const Node& node, const Value& dot, std::string& out) {
    switch (node.kind) {
      case Node::Kind::kText:
        out += node.text;
        return std::nullopt;
      case Node::Kind::kAction: {
        Value result;
        if (auto error = EvalPipeline(node.pipeline, dot, result)) return error;
        if (node.pipeline.declared.empty()) out += PrintValue(result);
        return std::nullopt;
      }
      case Node::Kind::kIf:
      case Node::Kind::kWith: {
        const std::size_t scope = variables_.size();
        Value result;
        if (auto error = EvalPipeline(node.pipeline, dot, result)) return error;
        std::optional<std::string> error;
        if (Truth(result)) {
          error = Run(node.body, node.kind == Node::Kind::kWith ? result : dot, out);
        } else {
          error = Run(node.else_body, dot, out);
        }
        variables_.resize(scope);
        return error;
      }
      case Node::Kind::kRange:
        return RunRange(node, dot, out);
    }
    return std::nullopt;
  }

  std::optional<std::string> RunRange(const Node& node, const Value& dot, std::string& out) {
    Pipeline pipeline = node.pipeline;
    const std::vector<std::string> names = std::move(pipeline.declared);
    pipeline.declared.clear();
    Value collection;
    if (auto error = EvalPipeline(pipeline, dot, collection)) return error;
    if (collection.kind != Value::Kind::kMap) {
      return fmt::format("range can't iterate over {}", GoFormatValue(collection));
    }
    if (collection.map->empty()) return Run(node.else_body, dot, out);
    for (const auto& [key, text] : *collection.map) {
      const std::size_t scope = variables_.size();
      const Value element = Value::String(text);
      if (names.size() == 1) variables_.emplace_back(names[0], element);
      if (names.size() >= 2) {
        variables_.emplace_back(names[0], Value::String(key));
        variables_.emplace_back(names[1], element);
      }
      auto error = Run(node.body, element, out);
      variables_.resize(scope);
      if (error) return error;
    }
    return std::nullopt;
  }

  static std::string PrintValue(const Value& value) {
    // text/template prints a nil interface as "<no value>".
    return value.kind == Value::Kind::kNil ? "<no value>" : GoFormatValue(value);
  }

  std::optional<std::string> EvalPipeline(const Pipeline& pipeline, const Value& dot,
                                          Value& result) {
    std::optional<Value> piped;
    for (const Command& command : pipeline.commands) {
      Value value;
      if (auto error = EvalCommand(command, dot, piped, value)) return error;
      piped = std::move(value);
    }
    result = piped.value_or(Value());
    for (const std::string& name : pipeline.declared) {
      if (pipeline.declares) {
        variables_.emplace_back(name, result);
        continue;
      }
      auto it = std::find_if(variables_.rbegin(), variables_.rend(),
                             [&](const auto& v) { return v.first == name; });
      if (it == variables_.rend()) return fmt::format("undefined variable: {}", name);
      it->second = result;
    }
    return std::nullopt;
  }

  std::optional<std::string> EvalCommand(const Command& command, const Value& dot,
                                         const std::optional<Value>& piped, Value& result) {
    const Arg& head = command.args.front();
    if (head.kind != Arg::Kind::kFunction) {
      if (command.args.size() > 1 || piped) {
        return "can't give argument to non-function " + ArgText(head);
      }
      return EvalArg(head, dot, result);
    }
    std::vector<Value> args;
    for (std::size_t i = 1; i < command.args.size(); ++i) {
      Value value;
      if (auto error = EvalArg(command.args[i], dot, value)) return error;
      args.push_back(std::move(value));
    }
    if (piped) args.push_back(*piped);
    auto called = Functions().find(head.name)->second(args);
    if (auto* error = std::get_if<TemplateError>(&called)) {
      return fmt::format("error calling {}: {}", head.name, error->message);
    }
    result = std::get<Value>(std::move(called));
    return std::nullopt;
  }

  static std::string ArgText(const Arg& arg) {
    std::string text = arg.kind == Arg::Kind::kVariable ? arg.name : "";
    for (const auto& field : arg.fields) text += "." + field;
    if (arg.kind == Arg::Kind::kLiteral) text = GoFormatValue(arg.literal);
    return text.empty() ? "." : text;
  }

  std::optional<std::string> EvalArg(const Arg& arg, const Value& dot, Value& result) {
    switch (arg.kind) {
      case Arg::Kind::kLiteral:
        result = arg.literal;
        return std::nullopt;
      case Arg::Kind::kDot:
        result = dot;
        return std::nullopt;
      case Arg::Kind::kField:
        return Fields(dot, arg.fields, result);
      case Arg::Kind::kVariable: {
        auto it = std::find_if(variables_.rbegin(), variables_.rend(),
                               [&](const auto& v) { return v.first == arg.name; });
        if (it == variables_.rend()) return fmt::format("undefined variable \"{}\"", arg.name);
        return Fields(it->second, arg.fields, result);
      }
      case Arg::Kind::kFunction: {
        // A bare function name used as an operand is called without arguments.
        std::vector<Value> none;
        auto called = Functions().find(arg.name)->second(none);
        if (auto* error = std::get_if<TemplateError>(&called)) {
          return fmt::format("error calling {}: {}", arg.name, error->message);
        }
        result = std::get<Value>(std::move(called));
        return std::nullopt;
      }
      case Arg::Kind::kPipeline: {
        const std::size_t scope = variables_.size();
        auto error = EvalPipeline(*arg.pipeline, dot, result);
        variables_.resize(scope);
        return error;
      }
    }
    return std::nullopt;
  }

  std::optional<std::string> Fields(Value value, const std::vector<std::string>& fields,
                                    Value& result) {
    for (const std::string& field : fields) {
      if (value.kind == Value::Kind::kData) {
        if (field == "Labels") {
          value = labels_;
        } else if (field == "ExternalLabels") {
          value = external_labels_;
        } else if (field == "ExternalURL") {
          value = external_url_;
        } else if (field == "Value") {
          value = value_;
        } else {
          return fmt::format("can't evaluate field {} in type struct", field);
        }
      } else if (value.kind == Value::Kind::kMap) {
        // Prometheus sets missingkey=zero: an absent label reads as "".
        auto it = value.map->find(field);
        value = Value::String(it == value.map->end() ? "" : it->second);
      } else if (value.kind == Value::Kind::kNil) {
        value = Value();
      } else {
        return fmt::format("can't evaluate field {} in type {}", field, GoTypeName(value));
      }
    }
    result = std::move(value);
    return std::nullopt;
  }

  Value root_, labels_, external_labels_, external_url_, value_;
  std::vector<std::pair<std::string, Value>> variables_;
};

// ---------------------------------------------------------------------------------------------
// Functions

using Result = std::variant<Value, TemplateError>;

TemplateError Error(std::string message) {
  return TemplateError{std::move(message)};
}

std::optional<TemplateError> Arity(const std::vector<Value>& args, std::size_t want) {
  if (args.size() == want) return std::nullopt;
  return Error(fmt::format("wrong number of args: want {} got {}", want, args.size()));
}

// Prometheus's convertToFloat.
std::variant<double, TemplateError> ToFloat(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kFloat:
      return value.number;
    case Value::Kind::kInt:
      return static_cast<double>(value.integer);
    case Value::Kind::kString: {
      std::string_view text = value.text;
      double parsed = 0;
      const char* begin = text.data() + (!text.empty() && text[0] == '+' ? 1 : 0);
      auto [ptr, ec] = std::from_chars(begin, text.data() + text.size(), parsed);
      if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) {
        std::string lower(text);
        std::transform(lower.begin(), lower.end(), lower.begin(),
                       [](unsigned char c) { return std::tolower(c); });
        if (lower == "inf" || lower == "+inf" || lower == "infinity" || lower == "+infinity") {
          return HUGE_VAL;
        }
        if (lower == "-inf" || lower == "-infinity") return -HUGE_VAL;
        if (lower == "nan") return std::nan("");
        return Error(fmt::format("strconv.ParseFloat: parsing {}: invalid syntax", GoQuote(text)));
      }
      return parsed;
    }
    default:
      return Error(fmt::format("can't convert {} to float", GoTypeName(value)));
  }
}

Function NumberFunction(std::string (*format)(double)) {
  return [format](std::vector<Value>& args) -> Result {
    if (auto error = Arity(args, 1)) return *error;
    auto number = ToFloat(args[0]);
    if (auto* error = std::get_if<TemplateError>(&number)) return *error;
    return Value::String(format(std::get<double>(number)));
  };
}

Function StringFunction(std::string (*transform)(std::string)) {
  return [transform](std::vector<Value>& args) -> Result {
    if (auto error = Arity(args, 1)) return *error;
    if (args[0].kind != Value::Kind::kString) {
      return Error(
          fmt::format("wrong type for value; expected string; got {}", GoTypeName(args[0])));
    }
    return Value::String(transform(args[0].text));
  };
}

// Go's regexp replacement syntax ($1, ${1}, ${name}, $$) rewritten for RE2's \1 form.
std::string GoReplacementToRe2(std::string_view repl, const RE2& regex) {
  std::string out;
  const auto& named = regex.NamedCapturingGroups();
  for (std::size_t i = 0; i < repl.size(); ++i) {
    const char c = repl[i];
    if (c == '\\') {
      out += "\\\\";
      continue;
    }
    if (c != '$' || i + 1 >= repl.size()) {
      out += c;
      continue;
    }
    if (repl[i + 1] == '$') {
      out += '$';
      ++i;
      continue;
    }
    std::string name;
    std::size_t end = i + 1;
    if (repl[end] == '{') {
      const std::size_t close = repl.find('}', end);
      if (close == std::string_view::npos) {
        out += c;
        continue;
      }
      name = std::string(repl.substr(end + 1, close - end - 1));
      end = close + 1;
    } else {
      while (end < repl.size() &&
             (std::isalnum(static_cast<unsigned char>(repl[end])) || repl[end] == '_')) {
        ++end;
      }
      name = std::string(repl.substr(i + 1, end - i - 1));
    }
    if (name.empty()) {
      out += c;
      continue;
    }
    int group = -1;
    if (std::all_of(name.begin(), name.end(), [](unsigned char d) { return std::isdigit(d); })) {
      group = name.size() > 3 ? -1 : std::stoi(name);
      if (group > regex.NumberOfCapturingGroups()) group = -1;
    } else if (auto it = named.find(name); it != named.end()) {
      group = it->second;
    }
    if (group >= 0) out += fmt::format("\\{}", group);
    i = end - 1;
  }
  return out;
}

int Compare(const Value& a, const Value& b, bool& ok, std::string& error) {
  ok = true;
  if (a.kind != b.kind) {
    ok = false;
    error = "incompatible types for comparison";
    return 0;
  }
  switch (a.kind) {
    case Value::Kind::kInt:
      return a.integer < b.integer ? -1 : (a.integer > b.integer ? 1 : 0);
    case Value::Kind::kFloat:
      return a.number < b.number ? -1 : (a.number > b.number ? 1 : (a.number == b.number ? 0 : 2));
    case Value::Kind::kString:
      return a.text < b.text ? -1 : (a.text > b.text ? 1 : 0);
    case Value::Kind::kBool:
      return a.boolean == b.boolean ? 0 : 3;
    default:
      ok = false;
      error = "invalid type for comparison";
      return 0;
  }
}

Function Comparison(bool (*accept)(int), bool ordered) {
  return [accept, ordered](std::vector<Value>& args) -> Result {
    if (auto error = Arity(args, 2)) return *error;
    if (ordered && args[0].kind == Value::Kind::kBool) return Error("invalid type for comparison");
    bool ok = true;
    std::string message;
    const int order = Compare(args[0], args[1], ok, message);
    if (!ok) return Error(message);
    return Value::Bool(accept(order));
  };
}

std::string Upper(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::toupper(c); });
  return s;
}
std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}
std::string Title(std::string s) {
  bool word_start = true;
  for (char& c : s) {
    const bool letter = std::isalnum(static_cast<unsigned char>(c)) || c == '_' || c == '\'';
    if (letter && word_start) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    word_start = !letter;
  }
  return s;
}

std::string Sprint(const std::vector<Value>& args) {
  std::string out;
  for (std::size_t i = 0; i < args.size(); ++i) {
    if (i > 0 && args[i].kind != Value::Kind::kString && args[i - 1].kind != Value::Kind::kString) {
      out += ' ';
    }
    out += GoFormatValue(args[i]);
  }
  return out;
}

const std::map<std::string, Function, std::less<>>& Functions() {
  static const auto* functions = new std::map<std::string, Function, std::less<>>{
      {"humanize", NumberFunction(&Humanize)},
      {"humanize1024", NumberFunction(&Humanize1024)},
      {"humanizeDuration", NumberFunction(&HumanizeDuration)},
      {"humanizePercentage", NumberFunction(&HumanizePercentage)},
      {"toUpper", StringFunction(&Upper)},
      {"toLower", StringFunction(&Lower)},
      {"title", StringFunction(&Title)},
      {"stripPort", StringFunction([](std::string s) {
         const std::size_t colon = s.rfind(':');
         if (colon == std::string::npos || s.find(']', colon) != std::string::npos) return s;
         std::string host = s.substr(0, colon);
         if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
           host = host.substr(1, host.size() - 2);
         }
         return host;
       })},
      {"printf",
       [](std::vector<Value>& args) -> Result {
         if (args.empty()) return Error("wrong number of args: want at least 1 got 0");
         if (args[0].kind != Value::Kind::kString) {
           return Error(
               fmt::format("wrong type for value; expected string; got {}", GoTypeName(args[0])));
         }
         return Value::String(GoSprintf(args[0].text, std::span(args).subspan(1)));
       }},
      {"print", [](std::vector<Value>& args) -> Result { return Value::String(Sprint(args)); }},
      {"println",
       [](std::vector<Value>& args) -> Result {
         std::string out;
         for (std::size_t i = 0; i < args.size(); ++i) {
           if (i > 0) out += ' ';
           out += GoFormatValue(args[i]);
         }
         return Value::String(out + "\n");
       }},
      {"reReplaceAll",
       [](std::vector<Value>& args) -> Result {
         if (auto error = Arity(args, 3)) return *error;
         for (const Value& arg : args) {
           if (arg.kind != Value::Kind::kString) {
             return Error(
                 fmt::format("wrong type for value; expected string; got {}", GoTypeName(arg)));
           }
         }
         const RE2 regex(args[0].text);
         if (!regex.ok())
           return Error(
               fmt::format("regexp: Compile({}): {}", GoQuote(args[0].text), regex.error()));
         std::string text = args[2].text;
         RE2::GlobalReplace(&text, regex, GoReplacementToRe2(args[1].text, regex));
         return Value::String(std::move(text));
       }},
      {"match",
       [](std::vector<Value>& args) -> Result {
         if (auto error = Arity(args, 2)) return *error;
         if (args[0].kind != Value::Kind::kString || args[1].kind != Value::Kind::kString) {
           return Error("wrong type for value; expected string");
         }
         const RE2 regex(args[0].text);
         if (!regex.ok()) return Error(regex.error());
         return Value::Bool(RE2::PartialMatch(args[1].text, regex));
       }},
      {"eq", Comparison([](int order) { return order == 0; }, false)},
      {"ne", Comparison([](int order) { return order != 0; }, false)},
      {"lt", Comparison([](int order) { return order == -1; }, true)},
      {"le", Comparison([](int order) { return order == -1 || order == 0; }, true)},
      {"gt", Comparison([](int order) { return order == 1; }, true)},
      {"ge", Comparison([](int order) { return order == 1 || order == 0; }, true)},
      {"and",
       [](std::vector<Value>& args) -> Result {
         if (args.empty()) return Error("wrong number of args for and: want at least 1 got 0");
         for (const Value& arg : args) {
           if (!Truth(arg)) return arg;
         }
         return args.back();
       }},
      {"or",
       [](std::vector<Value>& args) -> Result {
         if (args.empty()) return Error("wrong number of args for or: want at least 1 got 0");
         for (const Value& arg : args) {
           if (Truth(arg)) return arg;
         }
         return args.back();
       }},
      {"not",
       [](std::vector<Value>& args) -> Result {
         if (auto error = Arity(args, 1)) return *error;
         return Value::Bool(!Truth(args[0]));
       }},
      {"len",
       [](std::vector<Value>& args) -> Result {
         if (auto error = Arity(args, 1)) return *error;
         if (args[0].kind == Value::Kind::kString)
           return Value::Int(static_cast<std::int64_t>(args[0].text.size()));
         if (args[0].kind == Value::Kind::kMap)
           return Value::Int(static_cast<std::int64_t>(args[0].map->size()));
         return Error(fmt::format("len of type {}", GoTypeName(args[0])));
       }},
      {"index",
       [](std::vector<Value>& args) -> Result {
         if (auto error = Arity(args, 2)) return *error;
         if (args[0].kind != Value::Kind::kMap || args[1].kind != Value::Kind::kString) {
           return Error(fmt::format("can't index item of type {}", GoTypeName(args[0])));
         }
         auto it = args[0].map->find(args[1].text);
         return Value::String(it == args[0].map->end() ? "" : it->second);
       }},
  };
  return *functions;
}

}  // namespace

struct Template::Tree {
  NodeList nodes;
};

std::variant<Template, TemplateError> Template::Parse(std::string_view text) {
  auto tree = std::make_shared<Tree>();
  Parser parser(text);
  if (auto error = parser.Run(tree->nodes)) return TemplateError{*error};
  return Template(std::move(tree));
}

std::variant<std::string, TemplateError> Template::Execute(const TemplateData& data) const {
  Executor executor(data);
  std::string out;
  Value root;
  root.kind = Value::Kind::kData;
  if (auto error = executor.Run(tree_->nodes, root, out)) return TemplateError{*error};
  return out;
}

std::string ExpandAlertTemplate(std::string_view text, const TemplateData& data) {
  auto parsed = Template::Parse(text);
  if (auto* error = std::get_if<TemplateError>(&parsed)) {
    return fmt::format("<error expanding template: error parsing template: {}>", error->message);
  }
  auto result = std::get<Template>(parsed).Execute(data);
  if (auto* error = std::get_if<TemplateError>(&result)) {
    return fmt::format("<error expanding template: error executing template: {}>", error->message);
  }
  return std::get<std::string>(std::move(result));
}

}  // namespace inferwatch::rules::templating
