#include "parsers/lint.h"

#include <algorithm>
#include <cmath>

#include "parsers/label_hash.h"
#include "parsers/number.h"

namespace inferwatch::parsers {
namespace {

struct UnitAdvice {
  std::string_view token;
  std::string_view base;
};

// Name tokens that spell a non-base unit, and the base unit Prometheus conventions ask for.
constexpr UnitAdvice kNonBaseUnits[] = {
    {"milliseconds", "seconds"},
    {"millisecond", "seconds"},
    {"ms", "seconds"},
    {"microseconds", "seconds"},
    {"us", "seconds"},
    {"nanoseconds", "seconds"},
    {"ns", "seconds"},
    {"minutes", "seconds"},
    {"hours", "seconds"},
    {"days", "seconds"},
    {"kilobytes", "bytes"},
    {"megabytes", "bytes"},
    {"gigabytes", "bytes"},
    {"kib", "bytes"},
    {"mib", "bytes"},
    {"gib", "bytes"},
    {"kb", "bytes"},
    {"mb", "bytes"},
    {"gb", "bytes"},
    {"percent", "ratio"},
    {"perc", "ratio"},
};

std::string_view NonBaseUnit(std::string_view name, std::string_view& base) {
  std::size_t start = 0;
  while (start <= name.size()) {
    std::size_t end = name.find_first_of("_:", start);
    if (end == std::string_view::npos) end = name.size();
    const std::string_view token = name.substr(start, end - start);
    for (const UnitAdvice& advice : kNonBaseUnits) {
      if (token.size() != advice.token.size()) continue;
      bool same = true;
      for (std::size_t i = 0; i < token.size() && same; ++i) {
        same = (token[i] | 0x20) == advice.token[i];
      }
      if (same) {
        base = advice.base;
        return token;
      }
    }
    start = end + 1;
  }
  return {};
}

bool IsCamelCase(std::string_view name) {
  for (std::size_t i = 1; i < name.size(); ++i) {
    if (name[i - 1] >= 'a' && name[i - 1] <= 'z' && name[i] >= 'A' && name[i] <= 'Z') return true;
  }
  return false;
}

std::string FormatBound(double bound) {
  if (std::isinf(bound)) return bound > 0 ? "+Inf" : "-Inf";
  std::string text = std::to_string(bound);
  while (text.size() > 1 && text.back() == '0') text.pop_back();
  if (!text.empty() && text.back() == '.') text.pop_back();
  return text;
}

}  // namespace

std::string LintFinding::ToString() const {
  return std::to_string(line) + ":" + std::to_string(column) + ": " + message;
}

void LintChecker::Add(std::size_t line, std::string message) {
  findings_.push_back(LintFinding{line, 1, std::move(message)});
}

bool LintChecker::OnFamily(const Family& family) {
  FinishFamily();
  in_family_ = true;
  family_name_.assign(family.name);
  family_type_ = family.type;
  reported_counter_suffix_ = false;
  const std::string quoted = "\"" + family_name_ + "\"";
  if (family.help.empty()) Add(family.line, quoted + " has no help text");
  if (IsCamelCase(family.name)) {
    Add(family.line, quoted + ": metric names should be snake_case, not camelCase");
  }
  std::string_view base;
  const std::string_view unit = NonBaseUnit(family.name, base);
  if (!unit.empty()) {
    Add(family.line, quoted + ": use the base unit \"" + std::string(base) + "\" instead of \"" +
                         std::string(unit) + "\"");
  }
  return true;
}

bool LintChecker::OnSample(const Sample& sample) {
  if (sample.type == MetricType::kCounter && !reported_counter_suffix_ &&
      !sample.name.ends_with("_total") && !sample.name.ends_with("_created")) {
    reported_counter_suffix_ = true;
    Add(sample.line,
        "counter \"" + std::string(sample.name) + "\" should have the \"_total\" suffix");
  }

  uint64_t series = HashBytes(sample.name, HashLabelSet(sample.labels));
  if (sample.timestamp_ms) series = MixHash(series ^ static_cast<uint64_t>(*sample.timestamp_ms));
  const auto [previous, inserted] = series_lines_.try_emplace(series, sample.line);
  if (!inserted) {
    Add(sample.line, "duplicate series \"" + std::string(sample.name) + "\" (first on line " +
                         std::to_string(previous->second) + ")");
  }

  const bool histogram =
      sample.type == MetricType::kHistogram || sample.type == MetricType::kGaugeHistogram;
  if (!histogram) return true;
  const std::string_view suffix = sample.name.substr(sample.family.size());
  const bool bucket = suffix == "_bucket";
  const bool count = suffix == "_count" || suffix == "_gcount";
  if (!bucket && !count) return true;
  const uint64_t group = HashLabelSet(sample.labels, bucket ? "le" : "");
  auto [entry, created] = histograms_.try_emplace(group);
  HistogramSeries& series_state = entry->second;
  if (created) {
    histogram_order_.push_back(group);
    series_state.first_line = sample.line;
  }
  if (count) {
    series_state.has_count = true;
    series_state.count = sample.value;
    series_state.count_line = sample.line;
    return true;
  }
  std::optional<double> bound;
  for (const Label& label : sample.labels) {
    if (label.name == "le") bound = ParseValue(label.value);
  }
  if (!bound || std::isnan(*bound)) {
    Add(sample.line, "histogram bucket of \"" + family_name_ + "\" has no numeric \"le\" label");
    return true;
  }
  if (!series_state.buckets.empty()) {
    const Bucket& before = series_state.buckets.back();
    if (*bound <= before.bound) {
      Add(sample.line, "histogram bucket le=\"" + FormatBound(*bound) + "\" of \"" + family_name_ +
                           "\" is out of order (after le=\"" + FormatBound(before.bound) + "\")");
    } else if (sample.value < before.count) {
      Add(sample.line, "histogram buckets of \"" + family_name_ + "\" are not cumulative: le=\"" +
                           FormatBound(*bound) + "\" counts " + FormatBound(sample.value) +
                           ", le=\"" + FormatBound(before.bound) + "\" counts " +
                           FormatBound(before.count));
    }
  }
  series_state.buckets.push_back(Bucket{*bound, sample.value, sample.line});
  return true;
}

void LintChecker::FinishFamily() {
  if (!in_family_) return;
  in_family_ = false;
  for (const uint64_t group : histogram_order_) {
    const HistogramSeries& series = histograms_[group];
    const Bucket* infinite = nullptr;
    for (const Bucket& bucket : series.buckets) {
      if (std::isinf(bucket.bound) && bucket.bound > 0) infinite = &bucket;
    }
    if (infinite == nullptr) {
      Add(series.first_line, "histogram \"" + family_name_ + "\" has no le=\"+Inf\" bucket");
    } else if (series.has_count && series.count != infinite->count) {
      Add(series.count_line, "histogram \"" + family_name_ + "\": _count " +
                                 FormatBound(series.count) + " differs from the +Inf bucket " +
                                 FormatBound(infinite->count));
    }
  }
  histogram_order_.clear();
  histograms_.clear();
}

std::vector<LintFinding> LintChecker::Finish() {
  FinishFamily();
  std::stable_sort(findings_.begin(), findings_.end(),
                   [](const LintFinding& a, const LintFinding& b) { return a.line < b.line; });
  return std::move(findings_);
}

LintResult Lint(std::string_view body, Format format, const Limits& limits) {
  LintChecker checker;
  LintResult result;
  result.error = Parse(body, format, checker, limits);
  if (!result.error) result.findings = checker.Finish();
  return result;
}

}  // namespace inferwatch::parsers
