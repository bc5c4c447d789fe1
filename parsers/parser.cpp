// Parse(): the line loop of both grammars, metadata, and the grouping of samples into families.
#include <cstring>
#include <string>

#include "parsers/char_class.h"
#include "parsers/exposition.h"
#include "parsers/openmetrics_checks.h"
#include "parsers/sample_line.h"
#include "parsers/suffix.h"

namespace inferwatch::parsers {
namespace {

std::optional<MetricType> TypeFromName(std::string_view name, Format format) {
  if (name == "counter") return MetricType::kCounter;
  if (name == "gauge") return MetricType::kGauge;
  if (name == "histogram") return MetricType::kHistogram;
  if (name == "summary") return MetricType::kSummary;
  if (format == Format::kPrometheusText) {
    if (name == "untyped") return MetricType::kUnknown;
    return std::nullopt;
  }
  if (name == "unknown") return MetricType::kUnknown;
  if (name == "gaugehistogram") return MetricType::kGaugeHistogram;
  if (name == "info") return MetricType::kInfo;
  if (name == "stateset") return MetricType::kStateSet;
  return std::nullopt;
}

void UnescapeHelp(std::string_view text, Format format, std::string& out) {
  out.clear();
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '\\' || i + 1 == text.size()) {
      out.push_back(text[i]);
      continue;
    }
    const char next = text[i + 1];
    if (next == '\\') {
      out.push_back('\\');
    } else if (next == 'n') {
      out.push_back('\n');
    } else if (next == '"' && format == Format::kOpenMetrics) {
      out.push_back('"');
    } else {
      out.push_back('\\');
      out.push_back(next);
    }
    ++i;
  }
}

class Parser {
 public:
  Parser(std::string_view body, Format format, SampleHandler& handler, const Limits& limits)
      : body_(body), format_(format), handler_(handler), limits_(limits), lines_(limits, body) {
    for (std::size_t type = 0; type < kMetricTypes; ++type) {
      suffixes_[type] = FamilySuffixes(static_cast<MetricType>(type), format);
    }
  }

  std::optional<ParseError> Run();

 private:
  struct FamilyState {
    bool active = false;
    bool announced = false;
    bool has_help = false;
    bool has_type = false;
    bool has_unit = false;
    std::string_view name;
    MetricType type = MetricType::kUnknown;
    std::string_view help;
    std::string_view unit;
    std::size_t unit_line = 0;
    std::size_t line = 0;
    std::size_t samples = 0;
  };

  ParseError Error(std::size_t column, std::string reason) const {
    return ParseError{line_number_, column, std::move(reason)};
  }
  // A repeated series group the OpenMetrics checker has yet to look up (only that grammar queues
  // lookups): it lies before anything found since, so it comes first.
  std::optional<ParseError> PendingGroupError() {
    if (format_ != Format::kOpenMetrics) return std::nullopt;
    return checker_.CheckPendingGroups();
  }
  // `error`, unless the OpenMetrics checker has yet to report an earlier one.
  ParseError FirstError(ParseError error) {
    if (auto earlier = PendingGroupError()) return std::move(*earlier);
    return error;
  }

  // The line loop, once per grammar: the text grammar's copy holds none of the OpenMetrics checks,
  // so what OpenMetrics inlines there (NextBucketOfRun) cannot slow text (docs/parsing.md, tenth
  // round).
  template <Format kFormat>
  std::optional<ParseError> RunLines();
  template <Format kFormat>
  std::optional<ParseError> HandleLine(std::string_view line);
  std::optional<ParseError> HandleOpenMetricsComment(std::string_view line);
  std::optional<ParseError> HandlePrometheusComment(std::string_view line, std::size_t pos);
  template <Format kFormat>
  std::optional<ParseError> HandleSample(std::string_view line, std::size_t pos);
  // The OpenMetrics checker's verdict on the sample just parsed; false leaves its error in
  // checker_error_. Out of line: with the checker's ParseError handling inlined into
  // HandleSample, text parsed about 8% and OpenMetrics about 5% slower (measured,
  // docs/parsing.md, ninth round); in OpenMetrics' own copy of HandleSample, inlined, it gains
  // nothing (tenth round).
  [[gnu::noinline]] bool CheckOpenMetricsSample(Suffix suffix) {
    checker_error_ = checker_.CheckSample(parsed_, suffix, line_number_);
    return !checker_error_.has_value();
  }
  std::optional<ParseError> StartFamily(std::string_view name);
  std::optional<ParseError> FinishFamily();
  bool Announce();

  static constexpr std::size_t kMetricTypes = static_cast<std::size_t>(MetricType::kStateSet) + 1;

  std::string_view body_;
  Format format_;
  uint32_t suffixes_[kMetricTypes];  // FamilySuffixes of each type in this format
  SampleHandler& handler_;
  const Limits& limits_;
  SampleLineParser lines_;
  OpenMetricsChecker checker_;
  FamilyState family_;
  std::string help_storage_;
  ParsedSample parsed_;
  std::optional<ParseError> checker_error_;
  Exemplar exemplar_;
  std::size_t line_number_ = 0;
  std::size_t sample_count_ = 0;
  bool seen_eof_ = false;
  bool stopped_ = false;  // the handler asked to stop
};

bool Parser::Announce() {
  if (family_.announced) return true;
  family_.announced = true;
  Family family;
  family.name = family_.name;
  family.type = family_.type;
  family.help = family_.help;
  family.unit = family_.unit;
  family.line = family_.line;
  if (!handler_.OnFamily(family)) stopped_ = true;
  return !stopped_;
}

std::optional<ParseError> Parser::StartFamily(std::string_view name) {
  if (auto error = FinishFamily()) return error;
  family_ = FamilyState{};
  family_.active = true;
  family_.name = name;
  family_.line = line_number_;
  if (format_ == Format::kOpenMetrics) {
    if (auto error = checker_.CheckNewFamilyName(name, MetricType::kUnknown, line_number_))
      return error;
    checker_.StartFamily(name, MetricType::kUnknown);
  }
  return std::nullopt;
}

std::optional<ParseError> Parser::FinishFamily() {
  if (!family_.active) return std::nullopt;
  family_.active = false;
  if (!Announce()) return std::nullopt;
  if (format_ != Format::kOpenMetrics) return std::nullopt;
  if (auto error = checker_.FinishFamily(line_number_)) return error;
  if (family_.has_unit && !family_.unit.empty()) {
    const std::string_view name = family_.name;
    const std::string_view unit = family_.unit;
    const bool suffixed = name.size() > unit.size() + 1 && name.ends_with(unit) &&
                          name[name.size() - unit.size() - 1] == '_';
    if (!suffixed) {
      return ParseError{family_.unit_line, 1,
                        "metric name \"" + std::string(name) + "\" does not end with its unit \"_" +
                            std::string(unit) + "\""};
    }
    if (family_.type == MetricType::kInfo || family_.type == MetricType::kStateSet) {
      return ParseError{family_.unit_line, 1,
                        std::string(MetricTypeName(family_.type)) + " metrics cannot have a unit"};
    }
  }
  return std::nullopt;
}

template <Format kFormat>
std::optional<ParseError> Parser::RunLines() {
  const char* cursor = body_.data();
  const char* const end = body_.data() + body_.size();
  while (cursor < end && !stopped_) {
    ++line_number_;
    const auto* newline =
        static_cast<const char*>(std::memchr(cursor, '\n', static_cast<std::size_t>(end - cursor)));
    const char* line_end = newline != nullptr ? newline : end;
    const std::string_view line(cursor, static_cast<std::size_t>(line_end - cursor));
    if (limits_.max_line_bytes != 0 && line.size() > limits_.max_line_bytes) {
      return FirstError(Error(1, "line is " + std::to_string(line.size()) +
                                     " bytes, over the limit of " +
                                     std::to_string(limits_.max_line_bytes)));
    }
    if (auto error = HandleLine<kFormat>(line)) return FirstError(std::move(*error));
    cursor = newline != nullptr ? newline + 1 : end;
  }
  return std::nullopt;
}

std::optional<ParseError> Parser::Run() {
  if (limits_.max_body_bytes != 0 && body_.size() > limits_.max_body_bytes) {
    return ParseError{1, 1,
                      "payload is " + std::to_string(body_.size()) + " bytes, over the limit of " +
                          std::to_string(limits_.max_body_bytes)};
  }
  auto lines_error = format_ == Format::kOpenMetrics ? RunLines<Format::kOpenMetrics>()
                                                     : RunLines<Format::kPrometheusText>();
  if (lines_error) return lines_error;
  if (stopped_) return PendingGroupError();
  if (auto error = FinishFamily()) return error;
  if (format_ == Format::kOpenMetrics && !seen_eof_) {
    const bool ends_with_newline = body_.empty() || body_.back() == '\n';
    const std::size_t last_line_start =
        body_.rfind('\n', body_.size() - (ends_with_newline ? 0 : 1));
    if (ends_with_newline) return ParseError{line_number_ + 1, 1, "missing \"# EOF\" at the end"};
    const std::size_t column =
        body_.size() - (last_line_start == std::string_view::npos ? 0 : last_line_start + 1) + 1;
    return ParseError{line_number_, column, "missing \"# EOF\" at the end"};
  }
  return std::nullopt;
}

template <Format kFormat>
std::optional<ParseError> Parser::HandleLine(std::string_view line) {
  if constexpr (kFormat == Format::kOpenMetrics) {
    if (seen_eof_) return Error(1, "text after \"# EOF\"");
    if (line.empty()) return Error(1, "blank line (not allowed in OpenMetrics)");
    if (line[0] == '#') {
      if (line == "# EOF") {
        seen_eof_ = true;
        return FinishFamily();
      }
      return HandleOpenMetricsComment(line);
    }
    return HandleSample<kFormat>(line, 0);
  } else {
    std::size_t pos = 0;
    while (pos < line.size() && (line[pos] == ' ' || line[pos] == '\t')) ++pos;
    if (pos == line.size()) return std::nullopt;
    if (line[pos] == '#') return HandlePrometheusComment(line, pos);
    return HandleSample<kFormat>(line, pos);
  }
}

std::optional<ParseError> Parser::HandleOpenMetricsComment(std::string_view line) {
  // "# KEYWORD NAME REST": the separators are single spaces and REST may be empty.
  const std::size_t keyword_start = 2;
  const std::size_t keyword_end = line.find(' ', keyword_start);
  if (line.size() < 2 || line[1] != ' ' || keyword_end == std::string_view::npos) {
    return Error(1,
                 "invalid comment: only \"# HELP\", \"# TYPE\", \"# UNIT\" and \"# EOF\" lines "
                 "are allowed in OpenMetrics");
  }
  const std::string_view keyword = line.substr(keyword_start, keyword_end - keyword_start);
  if (keyword != "HELP" && keyword != "TYPE" && keyword != "UNIT") {
    return Error(keyword_start + 1,
                 "unknown metadata \"" + std::string(keyword) + "\" (expected HELP, TYPE or UNIT)");
  }
  const std::size_t name_start = keyword_end + 1;
  const std::size_t name_end = line.find(' ', name_start);
  if (name_end == std::string_view::npos) {
    return Error(line.size() + 1, "# " + std::string(keyword) + " needs a metric name and a value");
  }
  const std::string_view name = line.substr(name_start, name_end - name_start);
  if (!IsMetricName(name)) {
    return Error(name_start + 1, "invalid metric name \"" + std::string(name) + "\"");
  }
  const std::string_view rest = line.substr(name_end + 1);
  if (family_.active && name == family_.name) {
    if (family_.samples > 0) {
      return Error(
          1, "# " + std::string(keyword) + " for \"" + std::string(name) + "\" after its samples");
    }
  } else if (auto error = StartFamily(name)) {
    return error;
  }
  if (keyword == "HELP") {
    if (family_.has_help) return Error(1, "second # HELP for \"" + std::string(name) + "\"");
    family_.has_help = true;
    if (rest.find('\\') == std::string_view::npos) {
      family_.help = rest;
    } else {
      UnescapeHelp(rest, format_, help_storage_);
      family_.help = help_storage_;
    }
  } else if (keyword == "TYPE") {
    if (family_.has_type) return Error(1, "second # TYPE for \"" + std::string(name) + "\"");
    const auto type = TypeFromName(rest, format_);
    if (!type) return Error(name_end + 2, "invalid metric type \"" + std::string(rest) + "\"");
    if (auto error = checker_.CheckNewFamilyName(name, *type, line_number_)) return error;
    family_.has_type = true;
    family_.type = *type;
    checker_.StartFamily(name, *type);
  } else {
    if (family_.has_unit) return Error(1, "second # UNIT for \"" + std::string(name) + "\"");
    for (std::size_t i = 0; i < rest.size(); ++i) {
      if (!char_class::Is(rest[i], char_class::kName)) {
        return Error(name_end + 2 + i, "invalid character in unit \"" + std::string(rest) + "\"");
      }
    }
    family_.has_unit = true;
    family_.unit = rest;
    family_.unit_line = line_number_;
  }
  return std::nullopt;
}

std::optional<ParseError> Parser::HandlePrometheusComment(std::string_view line, std::size_t pos) {
  auto skip_blanks = [&line](std::size_t at) {
    while (at < line.size() && (line[at] == ' ' || line[at] == '\t')) ++at;
    return at;
  };
  auto token_end = [&line](std::size_t at) {
    while (at < line.size() && line[at] != ' ' && line[at] != '\t') ++at;
    return at;
  };
  const std::size_t keyword_start = skip_blanks(pos + 1);
  const std::size_t keyword_end = token_end(keyword_start);
  const std::string_view keyword = line.substr(keyword_start, keyword_end - keyword_start);
  const bool is_help = keyword == "HELP";
  if (!is_help && keyword != "TYPE") return std::nullopt;  // any other comment is ignored
  const std::size_t name_start = skip_blanks(keyword_end);
  const std::size_t name_length = MetricNameLength(line.substr(name_start));
  const std::size_t name_end = name_start + name_length;
  if (name_length == 0 || name_start == keyword_end ||
      (name_end < line.size() && line[name_end] != ' ' && line[name_end] != '\t')) {
    return Error(name_start + 1, "expected a metric name after # " + std::string(keyword));
  }
  const std::string_view name = line.substr(name_start, name_length);
  if (!family_.active || name != family_.name || family_.announced) {
    if (auto error = StartFamily(name)) return error;
  }
  const std::size_t text_start = skip_blanks(name_end);
  if (is_help) {
    const std::string_view text = line.substr(text_start);
    family_.has_help = true;
    if (text.find('\\') == std::string_view::npos) {
      family_.help = text;
    } else {
      UnescapeHelp(text, format_, help_storage_);
      family_.help = help_storage_;
    }
    return std::nullopt;
  }
  const std::size_t type_end = token_end(text_start);
  const std::string_view type_name = line.substr(text_start, type_end - text_start);
  const auto type = TypeFromName(type_name, format_);
  if (!type) {
    return Error(text_start + 1, "invalid metric type \"" + std::string(type_name) + "\"");
  }
  if (skip_blanks(type_end) != line.size()) {
    return Error(skip_blanks(type_end) + 1, "unexpected text after the metric type");
  }
  family_.has_type = true;
  family_.type = *type;
  return std::nullopt;
}

template <Format kFormat>
std::optional<ParseError> Parser::HandleSample(std::string_view line, std::size_t pos) {
  if (auto error = lines_.Parse<kFormat>(line, pos, parsed_)) {
    return Error(error->offset + 1, std::move(error->reason));
  }
  if (limits_.max_samples != 0 && sample_count_ >= limits_.max_samples) {
    return Error(pos + 1, "more than " + std::to_string(limits_.max_samples) + " samples");
  }
  ++sample_count_;
  const std::string_view name = parsed_.name;
  Suffix suffix = Suffix::kOther;
  if (family_.active && name.starts_with(family_.name)) {
    suffix = ClassifySuffix(name.substr(family_.name.size()));
  }
  if ((suffixes_[static_cast<std::size_t>(family_.type)] & SuffixBit(suffix)) == 0) {
    if (auto error = StartFamily(name)) return error;
    if (stopped_) return std::nullopt;
    suffix = Suffix::kNone;
  }
  if (!Announce()) return std::nullopt;
  ++family_.samples;
  if constexpr (kFormat == Format::kOpenMetrics) {
    if (!(suffix == Suffix::kBucket && checker_.NextBucketOfRun(parsed_, line_number_)) &&
        !CheckOpenMetricsSample(suffix)) {
      return std::move(checker_error_);
    }
  }
  Sample sample;
  sample.family = family_.name;
  sample.type = family_.type;
  sample.name = name;
  sample.labels = parsed_.labels;
  sample.value = parsed_.value;
  if (parsed_.has_timestamp) sample.timestamp_ms = parsed_.timestamp_ms;
  if (parsed_.has_exemplar) sample.exemplar = &parsed_.exemplar;
  sample.line = line_number_;
  if (!handler_.OnSample(sample)) stopped_ = true;
  return std::nullopt;
}

}  // namespace

std::optional<ParseError> Parse(std::string_view body, Format format, SampleHandler& handler,
                                const Limits& limits) {
  Parser parser(body, format, handler, limits);
  return parser.Run();
}

}  // namespace inferwatch::parsers
