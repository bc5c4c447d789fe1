#include "rules/promql/lexer.h"

#include <cctype>
#include <cstdint>

namespace inferwatch::rules::promql {

namespace {

bool IsAlpha(char c) {
  return std::isalpha(static_cast<unsigned char>(c)) || c == '_';
}
bool IsDigit(char c) {
  return std::isdigit(static_cast<unsigned char>(c)) != 0;
}
bool IsAlnum(char c) {
  return IsAlpha(c) || IsDigit(c);
}
bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

void AppendUtf8(std::string& out, std::uint32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

class Lexer {
 public:
  explicit Lexer(std::string_view input) : input_(input) {}

  std::vector<Token> Run() {
    std::vector<Token> tokens;
    while (true) {
      while (pos_ < input_.size() && IsSpace(input_[pos_])) ++pos_;
      if (pos_ < input_.size() && input_[pos_] == '#') {  // comment to end of line
        while (pos_ < input_.size() && input_[pos_] != '\n') ++pos_;
        continue;
      }
      Token token = Next();
      const bool stop = token.kind == TokenKind::kEnd || token.kind == TokenKind::kError;
      tokens.push_back(std::move(token));
      if (stop) break;
    }
    return tokens;
  }

 private:
  Token Make(TokenKind kind, std::size_t start, std::string text) {
    Token token;
    token.kind = kind;
    token.position = start;
    token.length = pos_ - start;
    token.text = std::move(text);
    return token;
  }
  Token Error(std::size_t start, std::string message) {
    Token token;
    token.kind = TokenKind::kError;
    token.position = start;
    token.text = std::move(message);
    return token;
  }

  Token Next() {
    const std::size_t start = pos_;
    if (pos_ >= input_.size()) return Make(TokenKind::kEnd, start, "");
    const char c = input_[pos_];
    const char next = pos_ + 1 < input_.size() ? input_[pos_ + 1] : '\0';
    auto single = [&](TokenKind kind) {
      ++pos_;
      return Make(kind, start, std::string(1, c));
    };
    switch (c) {
      case '(':
        return single(TokenKind::kLeftParen);
      case ')':
        return single(TokenKind::kRightParen);
      case '{':
        return single(TokenKind::kLeftBrace);
      case '}':
        return single(TokenKind::kRightBrace);
      case '[':
        ++bracket_depth_;
        return single(TokenKind::kLeftBracket);
      case ']':
        if (bracket_depth_ > 0) --bracket_depth_;
        return single(TokenKind::kRightBracket);
      case ',':
        return single(TokenKind::kComma);
      case '@':
        return single(TokenKind::kAt);
      case '+':
      case '-':
      case '*':
      case '/':
      case '%':
      case '^':
        return single(TokenKind::kOperator);
      case '=':
        if (next == '=' || next == '~') {
          pos_ += 2;
          return Make(TokenKind::kOperator, start, std::string(input_.substr(start, 2)));
        }
        return single(TokenKind::kOperator);
      case '!':
        if (next == '=' || next == '~') {
          pos_ += 2;
          return Make(TokenKind::kOperator, start, std::string(input_.substr(start, 2)));
        }
        return Error(start, "unexpected character after '!': '" + std::string(1, next) + "'");
      case '<':
      case '>':
        if (next == '=') {
          pos_ += 2;
          return Make(TokenKind::kOperator, start, std::string(input_.substr(start, 2)));
        }
        return single(TokenKind::kOperator);
      case '"':
      case '\'':
        return LexString(c);
      case '`':
        return LexRawString();
      default:
        break;
    }
    if (c == ':' && bracket_depth_ > 0) return single(TokenKind::kColon);
    if (IsDigit(c) || (c == '.' && IsDigit(next))) return LexNumberOrDuration();
    if (IsAlpha(c) || c == ':') {
      while (pos_ < input_.size() && (IsAlnum(input_[pos_]) || input_[pos_] == ':')) ++pos_;
      std::string word(input_.substr(start, pos_ - start));
      std::string lower = word;
      for (char& ch : lower) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (lower == "inf" || lower == "nan") return Make(TokenKind::kNumber, start, word);
      return Make(TokenKind::kIdentifier, start, word);
    }
    if (c == ':') return single(TokenKind::kColon);
    return Error(start, "unexpected character: '" + std::string(1, c) + "'");
  }

  Token LexNumberOrDuration() {
    const std::size_t start = pos_;
    if (ScanNumber()) {
      return Make(TokenKind::kNumber, start, std::string(input_.substr(start, pos_ - start)));
    }
    pos_ = start;
    // A duration: one or more <digits><unit letters> groups; the parser validates the units.
    bool any = false;
    while (pos_ < input_.size() && IsDigit(input_[pos_])) {
      while (pos_ < input_.size() && IsDigit(input_[pos_])) ++pos_;
      const std::size_t unit_start = pos_;
      while (pos_ < input_.size() && std::isalpha(static_cast<unsigned char>(input_[pos_]))) ++pos_;
      if (pos_ == unit_start) break;
      any = true;
    }
    if (any && (pos_ >= input_.size() || !IsAlnum(input_[pos_]))) {
      return Make(TokenKind::kDuration, start, std::string(input_.substr(start, pos_ - start)));
    }
    while (pos_ < input_.size() && (IsAlnum(input_[pos_]) || input_[pos_] == '.')) ++pos_;
    return Error(start, "bad number or duration syntax: \"" +
                            std::string(input_.substr(start, pos_ - start)) + "\"");
  }

  bool ScanNumber() {
    std::string_view digits = "0123456789";
    if (pos_ + 1 < input_.size() && input_[pos_] == '0' &&
        (input_[pos_ + 1] == 'x' || input_[pos_ + 1] == 'X')) {
      pos_ += 2;
      digits = "0123456789abcdefABCDEF";
    }
    auto accept_run = [&](std::string_view set) {
      while (pos_ < input_.size() && set.find(input_[pos_]) != std::string_view::npos) ++pos_;
    };
    accept_run(digits);
    if (pos_ < input_.size() && input_[pos_] == '.') {
      ++pos_;
      accept_run(digits);
    }
    if (digits.size() == 10 && pos_ < input_.size() &&
        (input_[pos_] == 'e' || input_[pos_] == 'E')) {
      const std::size_t save = pos_;
      ++pos_;
      if (pos_ < input_.size() && (input_[pos_] == '+' || input_[pos_] == '-')) ++pos_;
      if (pos_ < input_.size() && IsDigit(input_[pos_])) {
        accept_run("0123456789");
      } else {
        pos_ = save;
      }
    }
    return pos_ >= input_.size() || !IsAlnum(input_[pos_]);
  }

  Token LexString(char quote) {
    const std::size_t start = pos_;
    ++pos_;
    std::string value;
    while (true) {
      if (pos_ >= input_.size() || input_[pos_] == '\n') {
        return Error(start, "unterminated quoted string");
      }
      const char c = input_[pos_++];
      if (c == quote) break;
      if (c != '\\') {
        value += c;
        continue;
      }
      if (pos_ >= input_.size()) return Error(start, "unterminated quoted string");
      const char e = input_[pos_++];
      switch (e) {
        case 'a':
          value += '\a';
          break;
        case 'b':
          value += '\b';
          break;
        case 'f':
          value += '\f';
          break;
        case 'n':
          value += '\n';
          break;
        case 'r':
          value += '\r';
          break;
        case 't':
          value += '\t';
          break;
        case 'v':
          value += '\v';
          break;
        case '\\':
          value += '\\';
          break;
        case '"':
        case '\'':
          if (e != quote) return Error(pos_ - 2, "unknown escape sequence");
          value += e;
          break;
        case 'x':
        case 'u':
        case 'U': {
          const int count = e == 'x' ? 2 : e == 'u' ? 4 : 8;
          std::uint32_t cp = 0;
          for (int i = 0; i < count; ++i) {
            const int h = pos_ < input_.size() ? HexValue(input_[pos_]) : -1;
            if (h < 0) return Error(pos_, "illegal character in escape sequence");
            cp = cp * 16 + static_cast<std::uint32_t>(h);
            ++pos_;
          }
          if (e == 'x') {
            value += static_cast<char>(cp);
          } else {
            if (cp > 0x10FFFF || (cp >= 0xD800 && cp < 0xE000)) {
              return Error(start, "escape sequence is an invalid Unicode code point");
            }
            AppendUtf8(value, cp);
          }
          break;
        }
        default:
          if (e >= '0' && e <= '7') {
            std::uint32_t cp = static_cast<std::uint32_t>(e - '0');
            for (int i = 0; i < 2; ++i) {
              if (pos_ >= input_.size() || input_[pos_] < '0' || input_[pos_] > '7') {
                return Error(pos_, "illegal character in escape sequence");
              }
              cp = cp * 8 + static_cast<std::uint32_t>(input_[pos_++] - '0');
            }
            if (cp > 255) return Error(start, "octal escape value > 255");
            value += static_cast<char>(cp);
            break;
          }
          return Error(pos_ - 2, "unknown escape sequence");
      }
    }
    return Make(TokenKind::kString, start, std::move(value));
  }

  Token LexRawString() {
    const std::size_t start = pos_;
    ++pos_;
    const std::size_t end = input_.find('`', pos_);
    if (end == std::string_view::npos) {
      pos_ = input_.size();
      return Error(start, "unterminated raw string");
    }
    std::string value(input_.substr(pos_, end - pos_));
    pos_ = end + 1;
    return Make(TokenKind::kString, start, std::move(value));
  }

  std::string_view input_;
  std::size_t pos_ = 0;
  int bracket_depth_ = 0;
};

}  // namespace

std::vector<Token> Tokenize(std::string_view input) {
  return Lexer(input).Run();
}

std::string DescribeToken(const Token& token) {
  switch (token.kind) {
    case TokenKind::kIdentifier:
      return "identifier \"" + token.text + "\"";
    case TokenKind::kNumber:
      return "number \"" + token.text + "\"";
    case TokenKind::kDuration:
      return "duration \"" + token.text + "\"";
    case TokenKind::kString:
      return "string";
    case TokenKind::kOperator:
      return "<op:" + token.text + ">";
    case TokenKind::kLeftParen:
      return "left parenthesis \"(\"";
    case TokenKind::kRightParen:
      return "right parenthesis \")\"";
    case TokenKind::kLeftBrace:
      return "left brace \"{\"";
    case TokenKind::kRightBrace:
      return "right brace \"}\"";
    case TokenKind::kLeftBracket:
      return "left bracket \"[\"";
    case TokenKind::kRightBracket:
      return "right bracket \"]\"";
    case TokenKind::kComma:
      return "\",\"";
    case TokenKind::kColon:
      return "\":\"";
    case TokenKind::kAt:
      return "<@>";
    case TokenKind::kEnd:
      return "end of input";
    case TokenKind::kError:
      return token.text;
  }
  return "token";
}

}  // namespace inferwatch::rules::promql
