// Lint: what is legal in an exposition but wrong, in the spirit of `promtool check metrics`.
// A SampleHandler, so it runs in the same single pass as any other consumer.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

struct LintFinding {
  std::size_t line = 0;    // 1-based
  std::size_t column = 0;  // 1-based
  std::string message;
  std::string ToString() const;  // "LINE:COL: message"
};

class LintChecker : public SampleHandler {
 public:
  bool OnFamily(const Family& family) override;
  bool OnSample(const Sample& sample) override;

  // Closes the last family and returns every finding, in payload order within each family.
  std::vector<LintFinding> Finish();

 private:
  struct Bucket {
    double bound;
    double count;
    std::size_t line;
  };
  struct HistogramSeries {
    std::size_t first_line = 0;
    std::vector<Bucket> buckets;
    bool has_count = false;
    double count = 0;
    std::size_t count_line = 0;
  };

  void FinishFamily();
  void Add(std::size_t line, std::string message);

  std::vector<LintFinding> findings_;
  bool in_family_ = false;
  std::string family_name_;
  MetricType family_type_ = MetricType::kUnknown;
  bool reported_counter_suffix_ = false;
  std::vector<uint64_t> histogram_order_;
  std::unordered_map<uint64_t, HistogramSeries> histograms_;
  std::unordered_map<uint64_t, std::size_t> series_lines_;  // duplicate detection
};

struct LintResult {
  std::optional<ParseError> error;  // set when the payload does not parse; findings are then empty
  std::vector<LintFinding> findings;
};

LintResult Lint(std::string_view body, Format format, const Limits& limits = {});

}  // namespace inferwatch::parsers
