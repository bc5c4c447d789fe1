// Tokenizer for one sample line, in either grammar, with the byte column of the first problem.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

struct LineError {
  std::size_t offset = 0;  // 0-based byte offset in the line
  std::string reason;
};

struct ParsedSample {
  std::string_view name;
  std::span<const Label> labels;
  // Where the label set's text ends in the line (its '}'; null without labels), and whether
  // every escape in it is one a writer must use (\\, \", \n), so that the text between the
  // braces is exactly the labels re-escaped.
  const char* labels_end = nullptr;
  bool labels_escaped_canonically = true;
  // Bit i: label i has the name and value of label i of the previous sample line, written with
  // the same bytes (labels past 63 never have it).
  uint64_t labels_as_before = 0;
  // Bit i: label i was compared with label i of the previous sample line and differs from it in
  // its name, its value or how they are written.
  uint64_t labels_not_as_before = 0;
  double value = 0;
  bool has_timestamp = false;
  double timestamp_seconds = 0;  // OpenMetrics only, as written; see TimestampSeconds
  int64_t timestamp_ms = 0;
  // timestamp_seconds is left to compute from timestamp_ms (the usual shape, where that is
  // exact): most samples' seconds are only compared, and equal milliseconds say as much.
  bool timestamp_seconds_pending = false;
  double TimestampSeconds() const {
    return timestamp_seconds_pending ? static_cast<double>(timestamp_ms) / 1000.0
                                     : timestamp_seconds;
  }
  bool has_exemplar = false;
  Exemplar exemplar;
  std::size_t exemplar_runes = 0;  // code points in the exemplar's label names and values
};

class SampleLineParser {
 public:
  // `body` is the whole payload: scans of a line may read ahead into it, never past its end.
  SampleLineParser(const Limits& limits, std::string_view body);

  // Parses `line` (no newline) from byte `start`. The views in `out` stay valid until the next
  // call. `kFormat` is the payload's grammar: each has its own copy of the tokenizer, so that
  // neither tests the format per token (OpenMetrics has no blanks to skip).
  template <Format kFormat>
  std::optional<LineError> Parse(std::string_view line, std::size_t start, ParsedSample& out);

 private:
  // `as_before` and `not_as_before` (null for exemplars) receive ParsedSample::labels_as_before
  // and labels_not_as_before.
  template <Format kFormat>
  std::optional<LineError> ParseLabelSet(std::string_view line, std::size_t& pos,
                                         std::vector<Label>& labels, uint64_t* as_before,
                                         uint64_t* not_as_before);
  std::optional<LineError> ReadLabelValue(std::string_view line, std::size_t& pos,
                                          std::string_view& value);
  std::optional<LineError> ParseOpenMetricsTail(std::string_view line, std::size_t pos,
                                                ParsedSample& out);
  std::optional<LineError> ParseExemplar(std::string_view line, std::size_t pos, ParsedSample& out);
  template <Format kFormat>
  std::size_t SkipBlanks(std::string_view line, std::size_t pos) const;
  template <Format kFormat>
  std::size_t TokenEnd(std::string_view line, std::size_t pos) const;

  Limits limits_;
  const char* body_end_;  // where 16-byte scans must stop reading
  std::vector<Label> labels_;
  // The previous sample line's labels, and which of them (bit per index) were sliced from their
  // line without unescaping: a label written with the same bytes at the same index of the next
  // line is copied from there, shifted, instead of parsed. Most lines repeat most labels of the
  // line before (a histogram's buckets differ in `le` only).
  std::vector<Label> previous_labels_;
  uint64_t sliced_ = 0;
  uint64_t previous_sliced_ = 0;
  std::vector<Label> exemplar_labels_;
  std::string scratch_;      // unescaped label values of the current line
  bool odd_escape_ = false;  // a label value of this line kept an unknown escape as written
};

}  // namespace inferwatch::parsers
