// PromQL tokenizer (internal to the parser).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace inferwatch::rules::promql {

enum class TokenKind {
  kIdentifier,  // names, keywords, function and aggregation names (may contain ':')
  kNumber,
  kDuration,
  kString,    // text holds the unquoted value
  kOperator,  // + - * / % ^ == != > < >= <= = =~ !~
  kLeftParen,
  kRightParen,
  kLeftBrace,
  kRightBrace,
  kLeftBracket,
  kRightBracket,
  kComma,
  kColon,
  kAt,
  kEnd,
  kError,  // text holds the message
};

struct Token {
  TokenKind kind = TokenKind::kEnd;
  std::string text;
  std::size_t position = 0;
  std::size_t length = 0;
};

// Tokenizes the whole expression; the last token is kEnd or kError.
std::vector<Token> Tokenize(std::string_view input);

// Human description of a token for "unexpected ..." messages, as Prometheus words them.
std::string DescribeToken(const Token& token);

}  // namespace inferwatch::rules::promql
