// Maps positions inside a YAML scalar's value back to the file, so a PromQL error at byte N of an
// expression is reported where that byte sits in the rule file.
#pragma once

#include <cstddef>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

namespace inferwatch::rules::rulefile {

struct LineColumn {
  int line = 0;    // 1-based
  int column = 0;  // 1-based
};

class SourceText {
 public:
  explicit SourceText(std::string_view text);
  // Where byte `offset` of the scalar value starting at `mark` lies. Exact for plain, quoted and
  // block scalars on one line and for literal blocks; an estimate for folded multi-line scalars.
  LineColumn Locate(const YAML::Mark& mark, std::size_t offset) const;

 private:
  std::string_view Line(std::size_t index) const;  // 0-based, without the newline
  LineColumn LocateQuoted(std::size_t line, std::size_t column, std::size_t offset) const;
  LineColumn LocateBlock(std::size_t line, std::size_t offset) const;
  LineColumn LocatePlain(std::size_t line, std::size_t column, std::size_t offset) const;

  std::string_view text_;
  std::vector<std::size_t> line_starts_;
};

}  // namespace inferwatch::rules::rulefile
