#include "parsers/sample_line.h"

#include <algorithm>
#include <cstring>

#include "parsers/char_class.h"
#include "parsers/number.h"
#include "parsers/scan.h"

namespace inferwatch::parsers {
namespace {

constexpr std::size_t kMaxExemplarRunes = 128;

LineError Error(std::size_t offset, std::string reason) {
  return {offset, std::move(reason)};
}

std::string Quoted(std::string_view text) {
  constexpr std::size_t kShown = 40;
  std::string quoted = "\"";
  quoted.append(text.substr(0, kShown));
  if (text.size() > kShown) quoted.append("...");
  quoted.push_back('"');
  return quoted;
}

std::string Describe(std::string_view line, std::size_t pos) {
  if (pos >= line.size()) return "end of line";
  const char c = line[pos];
  if (c == ' ') return "' '";
  if (c == '\t') return "tab";
  if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7f) {
    return "byte " + std::to_string(static_cast<unsigned char>(c));
  }
  return std::string("'") + c + "'";
}

std::size_t CountRunes(std::string_view text) {
  std::size_t runes = 0;
  for (const char c : text) {
    if ((static_cast<unsigned char>(c) & 0xC0) != 0x80) ++runes;
  }
  return runes;
}

}  // namespace

SampleLineParser::SampleLineParser(const Limits& limits, std::string_view body)
    : limits_(limits), body_end_(body.data() + body.size()) {}

template <Format kFormat>
std::size_t SampleLineParser::SkipBlanks(std::string_view line, std::size_t pos) const {
  if constexpr (kFormat == Format::kOpenMetrics) return pos;
  while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
  return pos;
}

template <Format kFormat>
std::size_t SampleLineParser::TokenEnd(std::string_view line, std::size_t pos) const {
  const char* const found = scan::FindBlank(line.data() + pos, line.data() + line.size(), body_end_,
                                            kFormat != Format::kOpenMetrics);
  return static_cast<std::size_t>(found - line.data());
}

std::optional<LineError> SampleLineParser::ReadLabelValue(std::string_view line, std::size_t& pos,
                                                          std::string_view& value) {
  const std::size_t open = pos;
  const char* start = line.data() + open + 1;
  const char* line_end = line.data() + line.size();
  const char* quote = scan::FindQuoteOrBackslash(start, line_end, body_end_);
  if (quote == line_end) return Error(open, "unterminated label value");
  if (*quote == '"') {
    value = std::string_view(start, static_cast<std::size_t>(quote - start));
  } else {
    if (std::memchr(quote, '"', static_cast<std::size_t>(line_end - quote)) == nullptr) {
      return Error(open, "unterminated label value");
    }
    // Unescaped values never outgrow their line, so reserving the line's size before the first
    // one keeps the views of earlier values in this line valid.
    if (scratch_.capacity() < line.size()) {
      if (!scratch_.empty()) return Error(open, "internal error: unescape buffer too small");
      scratch_.reserve(line.size());
    }
    const std::size_t out_start = scratch_.size();
    const char* p = start;
    while (p < line_end && *p != '"') {
      if (*p != '\\') {
        scratch_.push_back(*p++);
        continue;
      }
      if (p + 1 >= line_end) break;
      switch (p[1]) {
        case 'n':
          scratch_.push_back('\n');
          break;
        case '\\':
          scratch_.push_back('\\');
          break;
        case '"':
          scratch_.push_back('"');
          break;
        default:  // Prometheus keeps unknown escapes as written
          odd_escape_ = true;
          scratch_.push_back('\\');
          scratch_.push_back(p[1]);
      }
      p += 2;
    }
    if (p >= line_end) return Error(open, "unterminated label value");
    quote = p;
    value = std::string_view(scratch_.data() + out_start, scratch_.size() - out_start);
  }
  const auto raw_size = static_cast<std::size_t>(quote - start);
  if (limits_.max_label_value_bytes != 0 && raw_size > limits_.max_label_value_bytes) {
    return Error(open, "label value is " + std::to_string(raw_size) + " bytes, over the limit of " +
                           std::to_string(limits_.max_label_value_bytes));
  }
  pos = static_cast<std::size_t>(quote - line.data()) + 1;
  return std::nullopt;
}

template <Format kFormat>
std::optional<LineError> SampleLineParser::ParseLabelSet(std::string_view line, std::size_t& pos,
                                                         std::vector<Label>& labels,
                                                         uint64_t* as_before,
                                                         uint64_t* not_as_before) {
  constexpr bool open_metrics = kFormat == Format::kOpenMetrics;
  const char* const begin = line.data();
  const char* const end = begin + line.size();
  const char* p = begin + pos + 1;  // after '{'
  auto offset = [begin](const char* at) { return static_cast<std::size_t>(at - begin); };
  // OpenMetrics has no blanks to skip: the test folds away in its copy.
  auto skip_blanks = [end](const char* at) {
    while (!open_metrics && at < end && (*at == ' ' || *at == '\t')) ++at;
    return at;
  };
  // One bit per (first byte, length) of the names seen so far: only a hit needs the full scan
  // for a duplicate name.
  uint64_t name_filter = 0;
  // Labels of the previous sample line that may be copied here (previous_labels_); two misses in
  // a line stop the tries, since then its labels are mostly new (a gauge's next series).
  const std::size_t reusable =
      as_before != nullptr ? std::min<std::size_t>(previous_labels_.size(), 64) : 0;
  int misses = 0;
  if (open_metrics && p < end && *p == '}') {
    pos = offset(p + 1);
    return std::nullopt;
  }
  while (true) {
    p = skip_blanks(p);
    if (!open_metrics && p < end && *p == '}') {
      pos = offset(p + 1);  // 0.0.4 allows "{}" and a trailing comma
      return std::nullopt;
    }
    const char* name_start = p;
    const std::size_t index = labels.size();
    std::string_view name;
    std::string_view value;
    bool reused = false;
    if (index < reusable && misses < 2 && ((previous_sliced_ >> index) & 1) != 0) {
      // The previous sample line's label at this index, from its name to its closing quote, had
      // no escape: when this line has the same bytes here, parsing them gives the same name and
      // value (and no error), only shifted.
      const Label& before = previous_labels_[index];
      const char* const from = before.name.data();
      const auto size =
          static_cast<std::size_t>(before.value.data() + before.value.size() + 1 - from);
      if (size <= static_cast<std::size_t>(end - p) && scan::SameBytes(p, from, size)) {
        const std::ptrdiff_t shift = p - from;
        name = std::string_view(before.name.data() + shift, before.name.size());
        value = std::string_view(before.value.data() + shift, before.value.size());
        p += size;
        reused = true;
        *as_before |= uint64_t{1} << index;
        sliced_ |= uint64_t{1} << index;
      } else {
        ++misses;
        *not_as_before |= uint64_t{1} << index;
      }
    }
    if (!reused) {
      if (p >= end || !char_class::Is(*p, char_class::kLabelStart)) {
        if (p >= end) return Error(offset(p), "unterminated label set");
        if (open_metrics && *p == '}' && p > begin && p[-1] == ',') {
          return Error(offset(p) - 1, "trailing comma in label set");
        }
        return Error(offset(p), "invalid label name: unexpected " + Describe(line, offset(p)));
      }
      ++p;
      while (p < end && char_class::Is(*p, char_class::kLabel)) ++p;
      name = std::string_view(name_start, static_cast<std::size_t>(p - name_start));
      if (p >= end || *p != '=') {
        p = skip_blanks(p);
        if (p >= end || *p != '=') {
          return Error(offset(p),
                       "expected '=' after label name, found " + Describe(line, offset(p)));
        }
      }
      p = skip_blanks(p + 1);
      if (p >= end || *p != '"') {
        return Error(offset(p),
                     "expected '\"' to open the label value, found " + Describe(line, offset(p)));
      }
      // Most values have no escapes and fit the limit: slice them here and leave escapes, errors
      // and limits to ReadLabelValue.
      const char* const close = scan::FindQuoteOrBackslash(p + 1, end, body_end_);
      if (close < end && *close == '"' &&
          (limits_.max_label_value_bytes == 0 ||
           static_cast<std::size_t>(close - p - 1) <= limits_.max_label_value_bytes)) {
        value = std::string_view(p + 1, static_cast<std::size_t>(close - p - 1));
        p = close + 1;
        if (as_before != nullptr && index < 64) sliced_ |= uint64_t{1} << index;
      } else {
        std::size_t value_pos = offset(p);
        if (auto error = ReadLabelValue(line, value_pos, value)) return error;
        p = begin + value_pos;
      }
    }
    if (limits_.max_labels_per_sample != 0 && labels.size() >= limits_.max_labels_per_sample) {
      return Error(
          offset(name_start),
          "more than " + std::to_string(limits_.max_labels_per_sample) + " labels in one sample");
    }
    const uint64_t name_bit =
        uint64_t{1} << ((std::size_t{static_cast<unsigned char>(name[0])} * 7u + name.size()) &
                        63u);
    if ((name_filter & name_bit) != 0) {
      for (const Label& previous : labels) {
        if (previous.name == name) {
          return Error(offset(name_start), "duplicate label name \"" + std::string(name) + "\"");
        }
      }
    }
    name_filter |= name_bit;
    labels.push_back(Label{name, value});
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    if (p < end && *p == '}') {
      pos = offset(p + 1);
      return std::nullopt;
    }
    p = skip_blanks(p);
    if (p < end && *p == '}') {
      pos = offset(p + 1);
      return std::nullopt;
    }
    if (p < end && *p == ',') {
      ++p;
      continue;
    }
    if (p >= end) return Error(offset(p), "unterminated label set");
    return Error(offset(p),
                 "expected ',' or '}' after label value, found " + Describe(line, offset(p)));
  }
}

// Inlined: Parse of 0.0.4 reads its timestamp inline too, and a call per sample costs as much
// as the common tail (" 1732284140.891").
[[gnu::always_inline]] inline std::optional<LineError> SampleLineParser::ParseOpenMetricsTail(
    std::string_view line, std::size_t pos, ParsedSample& out) {
  if (pos >= line.size()) return std::nullopt;
  ++pos;  // the ' ' that ended the value
  if (pos < line.size() && line[pos] == '#') return ParseExemplar(line, pos, out);
  // The usual tail, a timestamp that ends the line, needs no scan for its end.
  if (line.size() - pos == 14 &&
      ParseUsualOpenMetricsMilliseconds(line.data() + pos, out.timestamp_ms)) {
    out.has_timestamp = true;
    out.timestamp_seconds_pending = true;
    return std::nullopt;
  }
  const std::size_t timestamp_end = TokenEnd<Format::kOpenMetrics>(line, pos);
  const std::string_view timestamp_text = line.substr(pos, timestamp_end - pos);
  if (timestamp_text.empty()) {
    return Error(pos, pos >= line.size() ? "trailing space after value"
                                         : "expected one space between value and timestamp");
  }
  if (!ParseOpenMetricsTimestamp(timestamp_text, out.timestamp_seconds, out.timestamp_ms)) {
    return Error(pos, "invalid timestamp " + Quoted(timestamp_text));
  }
  out.has_timestamp = true;
  pos = timestamp_end;
  if (pos >= line.size()) return std::nullopt;
  ++pos;
  if (pos < line.size() && line[pos] == '#') return ParseExemplar(line, pos, out);
  return Error(pos, "unexpected text after timestamp (an exemplar starts with \"# {\")");
}

template <Format kFormat>
std::optional<LineError> SampleLineParser::Parse(std::string_view line, std::size_t start,
                                                 ParsedSample& out) {
  scratch_.clear();
  odd_escape_ = false;
  labels_.swap(previous_labels_);
  labels_.clear();
  previous_sliced_ = sliced_;
  sliced_ = 0;
  out.labels_as_before = 0;
  out.labels_not_as_before = 0;
  out.has_timestamp = false;
  out.timestamp_seconds_pending = false;
  out.has_exemplar = false;
  out.exemplar_runes = 0;

  std::size_t pos = start;
  const std::size_t name_length = MetricNameLength(line.substr(pos));
  if (name_length == 0) {
    return Error(pos, "invalid metric name: unexpected " + Describe(line, pos));
  }
  out.name = line.substr(pos, name_length);
  pos += name_length;
  bool has_labels = false;
  const std::size_t label_start = SkipBlanks<kFormat>(line, pos);
  if (label_start < line.size() && line[label_start] == '{') {
    pos = label_start;
    if (auto error = ParseLabelSet<kFormat>(line, pos, labels_, &out.labels_as_before,
                                            &out.labels_not_as_before))
      return error;
    has_labels = true;
  }
  out.labels = labels_;
  out.labels_end = has_labels ? line.data() + pos - 1 : nullptr;
  out.labels_escaped_canonically = !odd_escape_;

  if constexpr (kFormat == Format::kOpenMetrics) {
    if (pos >= line.size()) return Error(pos, "missing value");
    if (line[pos] != ' ') {
      return Error(pos, std::string("unexpected ") + Describe(line, pos) + " after " +
                            (has_labels ? "label set" : "metric name"));
    }
    ++pos;
  } else {
    const std::size_t before_blanks = pos;
    pos = SkipBlanks<kFormat>(line, pos);
    if (pos >= line.size()) return Error(pos, "missing value");
    if (pos == before_blanks) {
      return Error(pos, std::string("unexpected ") + Describe(line, pos) + " after " +
                            (has_labels ? "label set" : "metric name"));
    }
  }

  const std::size_t value_end = TokenEnd<kFormat>(line, pos);
  const std::string_view value_text = line.substr(pos, value_end - pos);
  if (value_text.empty()) return Error(pos, "missing value");
  const auto value = ParseValue(value_text);
  if (!value) return Error(pos, "invalid value " + Quoted(value_text));
  out.value = *value;
  pos = value_end;

  if constexpr (kFormat == Format::kOpenMetrics) {
    return ParseOpenMetricsTail(line, pos, out);
  }

  pos = SkipBlanks<kFormat>(line, pos);
  if (pos >= line.size()) return std::nullopt;
  // The usual tail, 13 digits of milliseconds that end the line, needs no scan for its end and
  // no digit loop.
  if (line.size() - pos == 13 && ParseThirteenDigitTimestamp(line.data() + pos, out.timestamp_ms)) {
    out.has_timestamp = true;
    return std::nullopt;
  }
  const std::size_t timestamp_end = TokenEnd<kFormat>(line, pos);
  const std::string_view timestamp_text = line.substr(pos, timestamp_end - pos);
  const auto timestamp = ParsePrometheusTimestamp(timestamp_text);
  if (!timestamp) return Error(pos, "invalid timestamp " + Quoted(timestamp_text));
  out.has_timestamp = true;
  out.timestamp_ms = *timestamp;
  pos = SkipBlanks<kFormat>(line, timestamp_end);
  if (pos < line.size()) return Error(pos, "unexpected text after timestamp");
  return std::nullopt;
}

template std::optional<LineError> SampleLineParser::Parse<Format::kPrometheusText>(
    std::string_view line, std::size_t start, ParsedSample& out);
template std::optional<LineError> SampleLineParser::Parse<Format::kOpenMetrics>(
    std::string_view line, std::size_t start, ParsedSample& out);

std::optional<LineError> SampleLineParser::ParseExemplar(std::string_view line, std::size_t pos,
                                                         ParsedSample& out) {
  if (line.substr(pos, 3) != "# {") return Error(pos, "invalid exemplar: expected \"# {\"");
  pos += 2;
  exemplar_labels_.clear();
  if (auto error =
          ParseLabelSet<Format::kOpenMetrics>(line, pos, exemplar_labels_, nullptr, nullptr)) {
    return error;
  }
  std::size_t runes = 0;
  for (const Label& label : exemplar_labels_)
    runes += CountRunes(label.name) + CountRunes(label.value);
  if (runes > kMaxExemplarRunes) {
    return Error(pos - 1, "exemplar labels have " + std::to_string(runes) +
                              " characters, over the limit of 128");
  }
  if (pos >= line.size() || line[pos] != ' ') {
    return Error(pos, "expected ' ' after exemplar labels, found " + Describe(line, pos));
  }
  ++pos;
  const std::size_t value_end = TokenEnd<Format::kOpenMetrics>(line, pos);
  const std::string_view value_text = line.substr(pos, value_end - pos);
  if (value_text.empty()) return Error(pos, "missing exemplar value");
  const auto value = ParseValue(value_text);
  if (!value) return Error(pos, "invalid exemplar value " + Quoted(value_text));
  out.exemplar.labels = exemplar_labels_;
  out.exemplar.value = *value;
  out.exemplar.timestamp_seconds.reset();
  out.exemplar_runes = runes;
  out.has_exemplar = true;
  pos = value_end;
  if (pos >= line.size()) return std::nullopt;
  ++pos;
  const std::size_t timestamp_end = TokenEnd<Format::kOpenMetrics>(line, pos);
  const std::string_view timestamp_text = line.substr(pos, timestamp_end - pos);
  if (timestamp_text.empty()) return Error(pos, "missing exemplar timestamp after ' '");
  const auto timestamp = ParseOpenMetricsTimestamp(timestamp_text);
  if (!timestamp) return Error(pos, "invalid exemplar timestamp " + Quoted(timestamp_text));
  out.exemplar.timestamp_seconds = *timestamp;
  if (timestamp_end < line.size()) return Error(timestamp_end, "unexpected text after exemplar");
  return std::nullopt;
}

}  // namespace inferwatch::parsers
