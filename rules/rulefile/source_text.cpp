#include "rules/rulefile/source_text.h"

#include <algorithm>

namespace inferwatch::rules::rulefile {

namespace {

bool IsBlank(char c) {
  return c == ' ' || c == '\t';
}

std::size_t Indent(std::string_view line) {
  std::size_t i = 0;
  while (i < line.size() && IsBlank(line[i])) ++i;
  return i;
}

}  // namespace

SourceText::SourceText(std::string_view text) : text_(text) {
  line_starts_.push_back(0);
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] == '\n') line_starts_.push_back(i + 1);
  }
}

std::string_view SourceText::Line(std::size_t index) const {
  if (index >= line_starts_.size()) return {};
  const std::size_t start = line_starts_[index];
  std::size_t end = index + 1 < line_starts_.size() ? line_starts_[index + 1] - 1 : text_.size();
  if (end > start && text_[end - 1] == '\r') --end;
  return text_.substr(start, end - start);
}

LineColumn SourceText::Locate(const YAML::Mark& mark, std::size_t offset) const {
  if (mark.is_null() || mark.line < 0 || mark.column < 0) return {};
  const auto line = static_cast<std::size_t>(mark.line);
  const auto column = static_cast<std::size_t>(mark.column);
  const std::string_view first = Line(line);
  const char indicator = column < first.size() ? first[column] : '\0';
  if (indicator == '"' || indicator == '\'') return LocateQuoted(line, column, offset);
  if (indicator == '|' || indicator == '>') return LocateBlock(line, offset);
  return LocatePlain(line, column, offset);
}

LineColumn SourceText::LocateQuoted(std::size_t line, std::size_t column,
                                    std::size_t offset) const {
  const char quote = Line(line)[column];
  std::size_t value_offset = 0;
  std::size_t col = column + 1;
  while (line < line_starts_.size()) {
    const std::string_view text = Line(line);
    while (col < text.size()) {
      if (value_offset >= offset) return {static_cast<int>(line) + 1, static_cast<int>(col) + 1};
      const char c = text[col];
      if (c == quote && !(quote == '\'' && col + 1 < text.size() && text[col + 1] == '\'')) {
        return {static_cast<int>(line) + 1, static_cast<int>(col) + 1};
      }
      if (quote == '\'' && c == '\'') {
        col += 2;  // '' is one quote in the value
      } else if (quote == '"' && c == '\\') {
        const char escape = col + 1 < text.size() ? text[col + 1] : '\0';
        col += escape == 'x' ? 4 : escape == 'u' ? 6 : escape == 'U' ? 10 : 2;
      } else {
        ++col;
      }
      ++value_offset;
    }
    // A line break inside quotes folds to one space; the next line's indentation is dropped.
    ++line;
    if (value_offset >= offset) return {static_cast<int>(line), static_cast<int>(col) + 1};
    ++value_offset;
    col = Indent(Line(line));
  }
  return {static_cast<int>(line), 1};
}

LineColumn SourceText::LocateBlock(std::size_t line, std::size_t offset) const {
  // Content starts on the line after the indicator; its indentation is the first non-blank
  // line's. Each content line contributes its text plus one byte for the line break.
  std::size_t index = line + 1;
  std::size_t indent = 0;
  for (std::size_t probe = index; probe < line_starts_.size(); ++probe) {
    const std::string_view text = Line(probe);
    if (Indent(text) < text.size()) {
      indent = Indent(text);
      break;
    }
  }
  std::size_t remaining = offset;
  for (; index < line_starts_.size(); ++index) {
    const std::string_view text = Line(index);
    const std::size_t length = text.size() > indent ? text.size() - indent : 0;
    if (remaining <= length) {
      return {static_cast<int>(index) + 1, static_cast<int>(indent + remaining) + 1};
    }
    remaining -= length + 1;
  }
  return {static_cast<int>(line) + 2, static_cast<int>(indent) + 1};
}

LineColumn SourceText::LocatePlain(std::size_t line, std::size_t column, std::size_t offset) const {
  std::size_t remaining = offset;
  std::size_t start = column;
  for (std::size_t index = line; index < line_starts_.size(); ++index) {
    std::string_view text = Line(index);
    // A comment ends a plain scalar's line; trailing blanks are not part of the value.
    const std::size_t comment = text.find(" #", start);
    if (comment != std::string_view::npos) text = text.substr(0, comment);
    while (!text.empty() && IsBlank(text.back())) text.remove_suffix(1);
    const std::size_t length = text.size() > start ? text.size() - start : 0;
    if (remaining <= length) {
      return {static_cast<int>(index) + 1, static_cast<int>(start + remaining) + 1};
    }
    remaining -= length + 1;
    if (index + 1 < line_starts_.size()) start = Indent(Line(index + 1));
  }
  return {static_cast<int>(line) + 1, static_cast<int>(column) + 1};
}

}  // namespace inferwatch::rules::rulefile
