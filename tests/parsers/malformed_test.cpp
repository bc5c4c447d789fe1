// Malformed payloads fail with the exact line, column and reason of the first problem.
#include <catch2/catch.hpp>
#include <string>

#include "tests/parsers/test_support.h"

namespace inferwatch::parsers {
namespace {

struct Malformed {
  Format format;
  std::string body;
  std::size_t line;
  std::size_t column;
  std::string reason;
};

constexpr Format kText = Format::kPrometheusText;
constexpr Format kOm = Format::kOpenMetrics;

std::string Repeat(const std::string& line, int times) {
  std::string out;
  for (int i = 0; i < times; ++i) out += line;
  return out;
}

// Samples a{x="FIRST"} .. a{x="LAST"} of gauge family "a", one group each.
std::string Gauges(int first, int last) {
  std::string out;
  for (int i = first; i <= last; ++i) out += "a{x=\"" + std::to_string(i) + "\"} 1\n";
  return out;
}

// Two histogram groups with timestamps, the second bucket of the second one (line 8) replaced:
// the first group fills the bound cache, so line 8 follows a bucket of its own group with a bound
// text seen at its position, the case the bucket-run shortcut takes when nothing is wrong.
std::string SecondGroupWith(const std::string& line8) {
  return "# TYPE h histogram\n"
         "h_bucket{a=\"1\",le=\"1\",z=\"q\"} 0 1\n"
         "h_bucket{a=\"1\",le=\"2\",z=\"q\"} 1 1\n"
         "h_bucket{a=\"1\",le=\"+Inf\",z=\"q\"} 2 1\n"
         "h_count{a=\"1\",z=\"q\"} 2 1\n"
         "h_sum{a=\"1\",z=\"q\"} 3 1\n"
         "h_bucket{a=\"2\",le=\"1\",z=\"q\"} 1 1\n" +
         line8 +
         "\nh_bucket{a=\"2\",le=\"+Inf\",z=\"q\"} 2 1\n"
         "h_count{a=\"2\",z=\"q\"} 2 1\n"
         "h_sum{a=\"2\",z=\"q\"} 3 1\n# EOF\n";
}

// SecondGroupWith with the usual OpenMetrics timestamps, which the bucket-run shortcut compares as
// milliseconds.
std::string SecondGroupAtUsualTimeWith(const std::string& line8) {
  std::string body = SecondGroupWith(line8);
  std::string out;
  std::size_t start = 0;
  while (start < body.size()) {
    std::size_t end = body.find('\n', start);
    std::string line = body.substr(start, end - start);
    if (line.starts_with("h_") && line.ends_with(" 1")) {
      line = line.substr(0, line.size() - 2) + " 1732284140.891";
    }
    out += line + "\n";
    start = end + 1;
  }
  return out;
}

// One histogram family of the given sample lines (each ending in a newline).
std::string HistogramOf(const std::string& lines) {
  return "# TYPE h histogram\n" + lines + "# EOF\n";
}

// One gaugehistogram family "g" of the given sample lines (each ending in a newline).
std::string GaugeHistogramOf(const std::string& lines) {
  return "# TYPE g gaugehistogram\n" + lines + "# EOF\n";
}

TEST_CASE("malformed payloads report the first error with its location", "[parsers]") {
  const Malformed cases[] = {
      {kText, "a{b=\"c} 1\n", 1, 5, "unterminated label value"},
      {kText, "# TYPE a counter\na{b=\"c\"} x\n", 2, 10, "invalid value \"x\""},
      {kText, "a 1 12x\n", 1, 5, "invalid timestamp \"12x\""},
      {kText, "a{1b=\"c\"} 1\n", 1, 3, "invalid label name: unexpected '1'"},
      {kText, "a{b \"c\"} 1\n", 1, 5, "expected '=' after label name, found '\"'"},
      {kText, "# TYPE a bogus\n", 1, 10, "invalid metric type \"bogus\""},
      {kText, "a{b=\"c\",b=\"d\"} 1\n", 1, 9, "duplicate label name \"b\""},
      {kText, "a{b=\"c\" d=\"e\"} 1\n", 1, 9, "expected ',' or '}' after label value, found 'd'"},
      {kText, "a 1 2 3\n", 1, 7, "unexpected text after timestamp"},
      // 13 bytes that end the line, the shape of the digit-word path, but not all digits.
      {kText, "a 1 173228414089x\n", 1, 5, "invalid timestamp \"173228414089x\""},
      {kText, "a 1 1732284:40891\n", 1, 5, "invalid timestamp \"1732284:40891\""},
      {kText, "a 1 1732284140 91\n", 1, 16, "unexpected text after timestamp"},
      {kText, "a 1 1732284140891\r\n", 1, 5, "invalid timestamp \"1732284140891\r\""},
      {kText, "a\n", 1, 2, "missing value"},
      {kText, "{b=\"c\"} 1\n", 1, 1, "invalid metric name: unexpected '{'"},
      {kText, "a{b=\"c\"\n", 1, 8, "unterminated label set"},
      {kText, "a.b 1\n", 1, 2, "unexpected '.' after metric name"},
      {kText, "a 0x10\n", 1, 3, "invalid value \"0x10\""},
      {kText, "# HELP\n", 1, 7, "expected a metric name after # HELP"},
      {kText, "a{b=c} 1\n", 1, 5, "expected '\"' to open the label value, found 'c'"},
      // Labels written as in the line before are copied from it; what follows is parsed.
      {kText, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",b=\"c\"} 1\n", 2, 9, "duplicate label name \"b\""},
      {kText, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",d=\"e\",b=\"c\"} 1\n", 2, 15,
       "duplicate label name \"b\""},
      {kText, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\"x} 1\n", 2, 8,
       "expected ',' or '}' after label value, found 'x'"},
      {kText, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",d=\"e\" 1\n", 2, 15,
       "expected ',' or '}' after label value, found '1'"},
      {kText, "a{b=\"c\\\"\",d=\"e\"} 1\na{b=\"c\\\"\",d=\"e} 1\n", 2, 13,
       "unterminated label value"},
      {kText, "a{ b = \"c\" } 1\na{ b = \"c\" , b = \"c\" } 1\n", 2, 14,
       "duplicate label name \"b\""},
      {kText, "a{b=\"c\",d=\"e\"} 1\nb{b=\"c\",d=\"e\"} x\n", 2, 16, "invalid value \"x\""},
      {kText, Repeat("a 1\n", 16) + "vllm:x{model_name=\"m\",b=\"c} 1\n", 17, 25,
       "unterminated label value"},
      {kOm, "a 1\n\n# EOF\n", 2, 1, "blank line (not allowed in OpenMetrics)"},
      {kOm, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",} 1\n# EOF\n", 2, 8, "trailing comma in label set"},
      {kOm, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\",d=\"e\"}1\n# EOF\n", 2, 15,
       "unexpected '1' after label set"},
      {kOm, "a{b=\"c\",d=\"e\"} 1\na{b=\"c\", d=\"e\"} 1\n# EOF\n", 2, 9,
       "invalid label name: unexpected ' '"},
      {kOm, "a 1\n", 2, 1, "missing \"# EOF\" at the end"},
      {kOm, "a 1", 1, 4, "missing \"# EOF\" at the end"},
      {kOm, "# TYPE a counter\na_total -1\n# EOF\n", 2, 1,
       "counter-like sample _total is negative"},
      {kOm, "a{b=\"c\",} 1\n# EOF\n", 1, 8, "trailing comma in label set"},
      {kOm, "a  1\n# EOF\n", 1, 3, "missing value"},
      {kOm, "# TYPE a histogram\na_bucket{le=\"1\"} 2\na_bucket{le=\"+Inf\"} 1\n# EOF\n", 3, 1,
       "histogram bucket counts must be cumulative (this one is lower than the one before)"},
      {kOm, "# TYPE a histogram\na_bucket{le=\"1\"} 2\n# EOF\n", 2, 1,
       "histogram \"a\" has no +Inf bucket"},
      // The end-of-group messages name the type's _count and _sum.
      {kOm, "# TYPE a histogram\na_bucket{le=\"+Inf\"} 2\na_count 3\na_sum 1\n# EOF\n", 3, 1,
       "_count differs from the +Inf bucket of \"a\""},
      {kOm, "# TYPE a gaugehistogram\na_bucket{le=\"+Inf\"} 2\na_gcount 3\na_gsum 1\n# EOF\n", 3, 1,
       "_gcount differs from the +Inf bucket of \"a\""},
      {kOm, "# TYPE a histogram\na_bucket{le=\"+Inf\"} 2\na_sum 1\n# EOF\n", 3, 1,
       "histogram \"a\" has _sum but no _count"},
      {kOm, "# TYPE a gaugehistogram\na_bucket{le=\"+Inf\"} 2\na_gcount 2\n# EOF\n", 3, 1,
       "histogram \"a\" has _gcount but no _gsum"},
      // Bucket bounds are remembered by position between groups: a text that differs from the
      // remembered one (in its last bytes, or in spelling) is parsed again.
      {kOm,
       "# TYPE a histogram\na_bucket{le=\"0.1000000000051\"} 0\na_bucket{le=\"+Inf\"} 0\n"
       "a_count 0\na_sum 0\na_bucket{b=\"x\",le=\"0.1000000000059\"} 0\n"
       "a_bucket{b=\"x\",le=\"0.1000000000055\"} 0\n# EOF\n",
       7, 1, "histogram buckets must be in increasing order of \"le\""},
      // Texts of 17 to 32 bytes are remembered too: one that differs only in a middle byte
      // (the 12th byte of 22, the 18th of 32) is parsed again.
      {kOm,
       "# TYPE a histogram\na_bucket{le=\"0.00015000000000000001\"} 0\na_bucket{le=\"+Inf\"} 0\n"
       "a_count 0\na_sum 0\na_bucket{b=\"x\",le=\"0.00015000009000000001\"} 0\n"
       "a_bucket{b=\"x\",le=\"0.00015000005\"} 0\n# EOF\n",
       7, 1, "histogram buckets must be in increasing order of \"le\""},
      {kOm,
       "# TYPE a histogram\na_bucket{le=\"0.100000000000000000000000000001\"} 0\n"
       "a_bucket{le=\"+Inf\"} 0\na_count 0\na_sum 0\n"
       "a_bucket{b=\"x\",le=\"0.100000000000000900000000000001\"} 0\n"
       "a_bucket{b=\"x\",le=\"0.10000000000000005\"} 0\n# EOF\n",
       7, 1, "histogram buckets must be in increasing order of \"le\""},
      {kOm,
       "# TYPE a histogram\na_bucket{le=\"1\"} 0\na_bucket{le=\"+Inf\"} 0\n"
       "a_bucket{b=\"x\",le=\"2\"} 0\na_bucket{b=\"x\",le=\"1\"} 0\n# EOF\n",
       5, 1, "histogram buckets must be in increasing order of \"le\""},
      {kOm,
       "# TYPE a histogram\na_bucket{le=\"+Inf\"} 0\na_count 0\na_sum 0\n"
       "a_bucket{b=\"x\",le=\"Inf\"} 0\n# EOF\n",
       5, 1, "histogram bucket needs an \"le\" label holding a number"},
      {kOm, "a 1\nb 1\na 2\n# EOF\n", 3, 1,
       "metric family \"a\" clashes with an earlier family (name \"a\"); the samples of a family "
       "must be contiguous"},
      {kOm, "# TYPE a gauge\na 1\n# HELP a x\n# EOF\n", 3, 1, "# HELP for \"a\" after its samples"},
      {kOm, "a 1 # {b=\"c\"} 1\n# EOF\n", 1, 1,
       "exemplars are allowed only on counter _total and histogram _bucket samples"},
      {kOm, "# EOF\na 1\n", 2, 1, "text after \"# EOF\""},
      {kOm, "# TYPE a untyped\n# EOF\n", 1, 10, "invalid metric type \"untyped\""},
      {kOm, "a 1 NaN\n# EOF\n", 1, 5, "invalid timestamp \"NaN\""},
      // 14 bytes that end the line, the shape of the two-word path, but not all digits.
      {kOm, "a 1 1732284140.89x\n# EOF\n", 1, 5, "invalid timestamp \"1732284140.89x\""},
      {kOm, "a 1 1732284140,891\n# EOF\n", 1, 5, "invalid timestamp \"1732284140,891\""},
      {kOm, "a 1 1732284140 891\n# EOF\n", 1, 16,
       "unexpected text after timestamp (an exemplar starts with \"# {\")"},
      {kOm, "a 1 1732284140.891 \n# EOF\n", 1, 20,
       "unexpected text after timestamp (an exemplar starts with \"# {\")"},
      {kOm, "# UNIT a_s m\n# EOF\n", 1, 1, "metric name \"a_s\" does not end with its unit \"_m\""},
      {kOm, "# TYPE a counter\na_total 1 # {b=\"c\"}\n# EOF\n", 2, 20,
       "expected ' ' after exemplar labels, found end of line"},
      // A series group is its label set: label order and the spelling of escapes do not matter.
      {kOm, "a{x=\"1\",y=\"2\"} 1\na{z=\"1\"} 1\na{y=\"2\",x=\"1\"} 1\n# EOF\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm, "a{x=\"p\\q\"} 1\na{x=\"2\"} 1\na{x=\"p\\\\q\"} 1\n# EOF\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm, "a{x=\"\\\"\"} 1\na{x=\"2\"} 1\na{x=\"\\\"\"} 1\n# EOF\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm,
       "# TYPE h histogram\nh_bucket{a=\"1\",le=\"+Inf\",b=\"2\"} 1\n"
       "h_bucket{a=\"2\",b=\"2\",le=\"+Inf\"} 1\nh_bucket{le=\"+Inf\",b=\"2\",a=\"1\"} 1\n# EOF\n",
       4, 1, "samples of one series group must be contiguous within family \"h\""},
      // A repeated group is looked up some groups later (OpenMetricsChecker::NoteNewGroup), yet
      // it is reported at its own line, before any error on a later line, whatever ends the
      // wait: more groups, a syntax error, another check, the family's end or the payload's.
      {kOm, "a{x=\"1\"} 1\n" + Gauges(2, 20) + "a{x=\"1\"} 1\n" + Gauges(30, 50) + "# EOF\n", 21, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm,
       "a{x=\"1\"} 1\n" + Gauges(2, 5) + "a{x=\"1\"} 1\n" + Gauges(30, 31) + "a{x=\"2} 1\n# EOF\n",
       6, 1, "samples of one series group must be contiguous within family \"a\""},
      {kOm,
       "# TYPE a counter\na_total{x=\"1\"} 1\na_total{x=\"2\"} 1\na_total{x=\"1\"} 1\n"
       "a_total{x=\"3\"} -1\n# EOF\n",
       4, 1, "samples of one series group must be contiguous within family \"a\""},
      {kOm, "a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 1\nb 1\n# EOF\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm, "a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 1\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      {kOm, "a{x=\"1\"} 1\na{x=\"2\"} 1\na{x=\"1\"} 1\n# EOF\nb 1\n", 3, 1,
       "samples of one series group must be contiguous within family \"a\""},
      // Without a repeat, the other error stands.
      {kOm, "a{x=\"1\"} 1\n" + Gauges(2, 20) + "a{x=\"2} 1\n# EOF\n", 21, 5,
       "unterminated label value"},
      // `le` moving within one group: still one group, so its bounds must still increase.
      {kOm,
       "# TYPE h histogram\nh_bucket{a=\"1\",le=\"2\",b=\"2\"} 0\n"
       "h_bucket{a=\"1\",b=\"2\",le=\"1\"} 0\n# EOF\n",
       3, 1, "histogram buckets must be in increasing order of \"le\""},
      // A bucket that follows a bucket of its own group is judged as any other.
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 0 1"), 8, 1,
       "histogram bucket counts must be cumulative (this one is lower than the one before)"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} NaN 1"), 8, 1,
       "counter-like sample _bucket is NaN"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} -1 1"), 8, 1,
       "counter-like sample _bucket is negative"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1 0"), 8, 1,
       "timestamp goes backwards within a series group"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1"), 8, 1,
       "some samples of this series group have a timestamp and some do not"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1 2"), 7, 1,
       "histogram \"h\" has no +Inf bucket"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"1\",z=\"q\"} 1 1"), 8, 1,
       "histogram buckets must be in increasing order of \"le\""},
      {kOm, SecondGroupWith("h_bucket{a=\"1\",le=\"2\",z=\"q\"} 1 1"), 8, 1,
       "samples of one series group must be contiguous within family \"h\""},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"r\"} 1 1"), 7, 1,
       "histogram \"h\" has no +Inf bucket"},
      // Usual-shape timestamps in a run, earlier or later than the run's.
      {kOm, SecondGroupAtUsualTimeWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1 1732284140.890"), 8, 1,
       "timestamp goes backwards within a series group"},
      {kOm, SecondGroupAtUsualTimeWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1 1732284140.892"), 7, 1,
       "histogram \"h\" has no +Inf bucket"},
      {kOm, SecondGroupAtUsualTimeWith("h_bucket{a=\"2\",le=\"2\",z=\"q\"} 1"), 8, 1,
       "some samples of this series group have a timestamp and some do not"},
      // A sample with all the labels of the one before (counter _created after _total) is judged
      // in that sample's group.
      {kOm,
       "# TYPE c counter\nc_total{a=\"1\",b=\"2\"} 1 1732284140.891\nc_created{a=\"1\",b=\"2\"} 1\n"
       "# EOF\n",
       3, 1, "some samples of this series group have a timestamp and some do not"},
      {kOm,
       "# TYPE c counter\nc_total{a=\"1\",b=\"2\"} 1 1732284140.891\n"
       "c_created{a=\"1\",b=\"2\"} 1 1732284140.890\n# EOF\n",
       3, 1, "timestamp goes backwards within a series group"},
      {kOm,
       "# TYPE c counter\nc_total{a=\"1\",b=\"2\"} 1\nc_created{a=\"1\",b=\"2\"} 1\n"
       "c_total{a=\"1\",b=\"3\"} 1\nc_created{a=\"1\",b=\"2\"} 1\n# EOF\n",
       5, 1, "samples of one series group must be contiguous within family \"c\""},
      // The labels other than `le` as in the line before, plus one, or less one: another group.
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\",z=\"q\",zz=\"1\"} 1 1"), 7, 1,
       "histogram \"h\" has no +Inf bucket"},
      {kOm, SecondGroupWith("h_bucket{a=\"2\",le=\"2\"} 1 1"), 7, 1,
       "histogram \"h\" has no +Inf bucket"},
      // Buckets written as the bucket before except in `le` and in one label with escapes (which
      // the tokenizer never copies from the line before): a different value there, or the same
      // value escaped elsewhere, is another group.
      {kOm, HistogramOf(R"(h_bucket{a="x\\y",b="1",le="1",z="q"} 0
h_bucket{a="x\\y",b="1",le="2",z="q"} 1
h_bucket{a="x\\z",b="1",le="+Inf",z="q"} 2
)"),
       3, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\"q\"",z="q"} 0
h_bucket{a="1",le="2",m="p\"q\"",z="q"} 1
h_bucket{a="1",le="+Inf",m="p\"r\"",z="q"} 2
)"),
       3, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\nq"} 0
h_bucket{a="1",le="2",m="p\nq"} 1
h_bucket{a="1",le="+Inf",m="p\nr"} 2
)"),
       3, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\nq"} 0
h_bucket{a="1",le="2",m="p\nqq"} 1
)"),
       2, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\\q",z="q"} 0
h_bucket{a="1",le="2",m="\\pq",z="q"} 1
)"),
       2, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\\q",z="q"} 0
h_bucket{a="1",le="2",m="p\\q",z="r"} 1
)"),
       2, 1, "histogram \"h\" has no +Inf bucket"},
      {kOm, HistogramOf(R"(h_bucket{m="p\\q",le="1"} 0
h_bucket{m="p\\q",le="+Inf"} 1
h_count{m="p\\q"} 1
h_sum{m="p\\q"} 3
h_bucket{m="p\\r",le="1"} 0
h_bucket{m="p\\q",le="+Inf"} 1
)"),
       7, 1, "samples of one series group must be contiguous within family \"h\""},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",m="p\\q"} 0 1732284140.891
h_bucket{a="1",le="+Inf",m="p\\q"} 2 1732284140.892
)"),
       2, 1, "histogram \"h\" has no +Inf bucket"},
      // A _sum after the buckets whose labels before `le`'s place are the buckets' and whose
      // labels after it differ (or are one more) is another group.
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",z="q"} 0
h_bucket{a="1",le="+Inf",z="q"} 2
h_sum{a="1",z="r"} 3
h_count{a="1",z="q"} 2
)"),
       5, 1, "samples of one series group must be contiguous within family \"h\""},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",z="q"} 0
h_bucket{a="1",le="+Inf",z="q"} 2
h_sum{a="1",z="q",zz="1"} 3
h_count{a="1",z="q"} 2
)"),
       5, 1, "samples of one series group must be contiguous within family \"h\""},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="1",z="q"} 0 5
h_bucket{a="1",le="+Inf",z="q"} 2 5
h_sum{a="1",z="q"} 3
)"),
       4, 1, "some samples of this series group have a timestamp and some do not"},
      {kOm, HistogramOf(R"(h_bucket{le="1",z="q"} 0
h_bucket{le="+Inf",z="q"} 2
h_sum{z="q"} 3
h_count{z="q"} 2
h_bucket{le="+Inf",z="r"} 2
h_sum{z="q"} 3
)"),
       7, 1, "samples of one series group must be contiguous within family \"h\""},
      // A sample that stays in the group of the sample before, every label written as there, at
      // the usual timestamps (a _count after its _sum, a _created after its _total): its group
      // is taken from the sample before without hashing, and every other check still applies.
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_sum{a="1"} 3 1732284140.891
h_count{a="1"} NaN 1732284140.891
)"),
       4, 1, "counter-like sample _count is NaN"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_count{a="1"} 2 1732284140.891
h_sum{a="1"} -3 1732284140.891
)"),
       4, 1, "counter-like sample _sum is negative"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_sum{a="1"} 3 1732284140.891
h_count{a="1"} 1 1732284140.891
)"),
       4, 1, "_count differs from the +Inf bucket of \"h\""},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_sum{a="1"} 3 1732284140.891
h_count{a="1"} 2 1732284140.891 # {t="1"} 1
)"),
       4, 1, "exemplars are allowed only on counter _total and histogram _bucket samples"},
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_sum{a="1"} 3 1732284140.891
h_count{a="1"} 2
)"),
       4, 1, "some samples of this series group have a timestamp and some do not"},
      // A later timestamp starts another histogram group, leaving the first with a _sum only.
      {kOm, HistogramOf(R"(h_bucket{a="1",le="+Inf"} 2 1732284140.891
h_sum{a="1"} 3 1732284140.891
h_count{a="1"} 2 1732284140.892
)"),
       3, 1, "histogram \"h\" has _sum but no _count"},
      {kOm,
       "# TYPE c counter\nc_total{a=\"1\"} 2 1732284140.891\n"
       "c_created{a=\"1\"} 1 1732284140.890\n# EOF\n",
       3, 1, "timestamp goes backwards within a series group"},
      {kOm, GaugeHistogramOf(R"(g_bucket{a="1",le="+Inf"} 2 1732284140.891
g_gcount{a="1"} 2 1732284140.891
g_gsum{a="1"} -1 1732284140.891
)"),
       4, 1, "gaugehistogram \"g\" has a negative _gsum but no negative bucket"},
      {kOm, GaugeHistogramOf(R"(g_bucket{a="1",le="+Inf"} 2 1732284140.891
g_gcount{a="1"} 2 1732284140.891
g_gsum{a="1"} NaN 1732284140.891
)"),
       4, 1, "counter-like sample _gsum is NaN"},
  };
  for (const Malformed& test : cases) {
    INFO(test.body);
    testing::Recorder recorder;
    const auto error = Parse(test.body, test.format, recorder);
    REQUIRE(error);
    CHECK(error->line == test.line);
    CHECK(error->column == test.column);
    CHECK(error->reason == test.reason);
    CHECK(error->ToString() ==
          std::to_string(test.line) + ":" + std::to_string(test.column) + ": " + test.reason);
  }
}

TEST_CASE("OpenMetrics timestamps of one group compare by value whatever their spelling",
          "[parsers][openmetrics]") {
  for (const char* other : {"1732284140.8910", "1.732284140891e9", "1732284140.891"}) {
    INFO(other);
    const std::string body =
        "# TYPE h histogram\n"
        "h_bucket{a=\"1\",le=\"1\"} 0 1732284140.891\n"
        "h_bucket{a=\"1\",le=\"+Inf\"} 1 " +
        std::string(other) +
        "\n"
        "h_count{a=\"1\"} 1 1732284140.891\n"
        "h_sum{a=\"1\"} 1 " +
        std::string(other) + "\n# EOF\n";
    testing::Recorder recorder;
    const auto error = Parse(body, kOm, recorder);
    INFO((error ? error->ToString() : ""));
    CHECK_FALSE(error);
  }
  // The other way round: the group's time spelled otherwise, its next bucket in the usual shape.
  for (const char* other : {"1732284140.8910", "1.732284140891e9"}) {
    INFO(other);
    const std::string body =
        "# TYPE h histogram\n"
        "h_bucket{a=\"1\",le=\"1\"} 0 " +
        std::string(other) +
        "\n"
        "h_bucket{a=\"1\",le=\"2\"} 0 1732284140.891\n"
        "h_bucket{a=\"1\",le=\"+Inf\"} 1 1732284140.891\n"
        "h_count{a=\"1\"} 1 1732284140.891\n"
        "h_sum{a=\"1\"} 1 1732284140.891\n# EOF\n";
    testing::Recorder recorder;
    const auto error = Parse(body, kOm, recorder);
    INFO((error ? error->ToString() : ""));
    CHECK_FALSE(error);
    CHECK(recorder.samples.size() == 5);
  }
}

TEST_CASE("OpenMetrics series groups ignore label order, escapes and the le label",
          "[parsers][openmetrics]") {
  // One group per histogram series, written in every order and with equivalent escapes: all
  // valid, since each group stays contiguous.
  const std::string body =
      "# TYPE h histogram\n"
      "h_bucket{a=\"x\\\\y\",le=\"1\",b=\"2\"} 1\n"
      "h_bucket{b=\"2\",a=\"x\\\\y\",le=\"+Inf\"} 2\n"
      "h_count{a=\"x\\y\",b=\"2\"} 2\n"
      "h_sum{b=\"2\",a=\"x\\\\y\"} 3\n"
      "h_bucket{le=\"+Inf\",a=\"z\"} 0\n"
      "h_count{a=\"z\"} 0\n"
      "h_sum{a=\"z\"} 0\n"
      "# EOF\n";
  testing::Recorder recorder;
  const auto error = Parse(body, kOm, recorder);
  INFO((error ? error->ToString() : ""));
  REQUIRE_FALSE(error);
  REQUIRE(recorder.samples.size() == 7);
  CHECK(recorder.samples[2].labels[0].second == "x\\y");
}

TEST_CASE("OpenMetrics bucket runs with an escaped label stay one group",
          "[parsers][openmetrics]") {
  // The label with escapes before `le`, after it, and last, in two groups each.
  for (const char* labels : {R"(a="x\\y",b="1",{le},z="q")", R"(a="1",{le},m="p\"q\"",z="q")",
                             R"(a="1",{le},m="p\nq")", R"({le},m="p\\q")"}) {
    INFO(labels);
    std::string lines;
    for (const char* group : {"1", "2"}) {
      auto line = [&](const std::string& name, const std::string& le, const std::string& value) {
        std::string set = std::string(labels);
        const std::size_t at = set.find("{le}");
        set.replace(at, 4,
                    le.empty() ? "g=\"" + std::string(group) + "\""
                               : "g=\"" + std::string(group) + "\",le=\"" + le + "\"");
        if (set.starts_with(",")) set.erase(0, 1);
        return "h_" + name + "{" + set + "} " + value + " 1732284140.891\n";
      };
      lines += line("bucket", "0.1", "0") + line("bucket", "1", "1") + line("bucket", "+Inf", "2") +
               line("count", "", "2") + line("sum", "", "3");
    }
    testing::Recorder recorder;
    const auto error = Parse(HistogramOf(lines), kOm, recorder);
    INFO((error ? error->ToString() : ""));
    CHECK_FALSE(error);
    CHECK(recorder.samples.size() == 10);
  }
}

TEST_CASE("OpenMetrics bucket runs with an escaped label end where that label changes",
          "[parsers][openmetrics]") {
  // The tokenizer never copies an escaped label from the line before, so the run compares the
  // text around `le`: a bucket whose escaped value differs (here by one byte, or by an escape
  // written otherwise) starts another group, and the first one lacks its +Inf bucket.
  for (const char* other : {R"(x\\z)", R"(x\ny)"}) {
    INFO(other);
    const std::string lines = std::string("h_bucket{a=\"x\\\\y\",le=\"0.1\",z=\"q\"} 0\n") +
                              "h_bucket{a=\"x\\\\y\",le=\"1\",z=\"q\"} 1\n" + "h_bucket{a=\"" +
                              other + "\",le=\"+Inf\",z=\"q\"} 2\n";
    testing::Recorder recorder;
    const auto error = Parse(HistogramOf(lines), kOm, recorder);
    REQUIRE(error);
    CHECK(error->ToString() == "3:1: histogram \"h\" has no +Inf bucket");
  }
}

TEST_CASE("0.0.4 is as lenient as Prometheus's text parser", "[parsers]") {
  const std::string body =
      "# some comment\n"
      "\n"
      "  # TYPE a counter\n"
      "a{b=\"c\", d=\"e\",} 1 1700000000000\n"
      "a { b = \"x\\\\y\\\"z\\nw\\q\" } +Inf\n"
      "a\t-Inf\n"
      "b NaN -5\n";
  testing::Recorder recorder;
  const auto error = Parse(body, kText, recorder);
  INFO((error ? error->ToString() : ""));
  REQUIRE_FALSE(error);
  REQUIRE(recorder.samples.size() == 4);
  CHECK(recorder.samples[0].labels.size() == 2);
  CHECK(recorder.samples[0].labels[1].second == "e");
  CHECK(recorder.samples[0].timestamp_ms == 1700000000000);
  CHECK(recorder.samples[1].labels[0].second == "x\\y\"z\nw\\q");
  CHECK(recorder.samples[1].value == Approx(std::numeric_limits<double>::infinity()));
  CHECK(recorder.samples[2].value < 0);
  CHECK(recorder.samples[3].family == "b");
  CHECK(recorder.samples[3].type == MetricType::kUnknown);
  CHECK(recorder.samples[3].timestamp_ms == -5);
  CHECK(std::isnan(recorder.samples[3].value));
}

TEST_CASE("OpenMetrics samples are grouped into typed families", "[parsers][openmetrics]") {
  const std::string body =
      "# TYPE vllm:prompt_tokens counter\n"
      "# HELP vllm:prompt_tokens Prompt \\\"tokens\\\"\\nprocessed.\n"
      "vllm:prompt_tokens_total{model_name=\"m\"} 12 # {trace_id=\"abc\"} 3 1.5\n"
      "vllm:prompt_tokens_created{model_name=\"m\"} 1.7e9\n"
      "# TYPE vllm:iteration_tokens_total histogram\n"
      "vllm:iteration_tokens_total_bucket{le=\"1.0\"} 1 2.5\n"
      "vllm:iteration_tokens_total_bucket{le=\"+Inf\"} 3 2.5\n"
      "vllm:iteration_tokens_total_count 3 2.5\n"
      "vllm:iteration_tokens_total_sum 7 2.5\n"
      "# TYPE build info\n"
      "build_info{version=\"1\"} 1\n"
      "# TYPE ready stateset\n"
      "ready{ready=\"yes\"} 1\n"
      "ready{ready=\"no\"} 0\n"
      "# TYPE q_seconds summary\n"
      "# UNIT q_seconds seconds\n"
      "q_seconds{quantile=\"0.5\"} 0.2\n"
      "q_seconds_sum 4\n"
      "q_seconds_count 9\n"
      "# EOF\n";
  REQUIRE(DetectFormat("", body) == kOm);
  testing::Recorder recorder;
  const auto error = Parse(body, kOm, recorder);
  INFO((error ? error->ToString() : ""));
  REQUIRE_FALSE(error);
  REQUIRE(recorder.families.size() == 5);
  CHECK(recorder.families[0].name == "vllm:prompt_tokens");
  CHECK(recorder.families[0].type == MetricType::kCounter);
  CHECK(recorder.families[0].help == "Prompt \"tokens\"\nprocessed.");
  CHECK(recorder.families[1].name == "vllm:iteration_tokens_total");
  CHECK(recorder.families[1].type == MetricType::kHistogram);
  CHECK(recorder.families[2].type == MetricType::kInfo);
  CHECK(recorder.families[3].type == MetricType::kStateSet);
  CHECK(recorder.families[4].unit == "seconds");
  REQUIRE(recorder.samples.size() == 12);
  CHECK(recorder.samples[0].family == "vllm:prompt_tokens");
  CHECK(recorder.samples[0].has_exemplar);
  CHECK(recorder.samples[1].name == "vllm:prompt_tokens_created");
  CHECK(recorder.samples[1].family == "vllm:prompt_tokens");
  CHECK(recorder.samples[2].timestamp_ms == 2500);
  CHECK(recorder.samples[5].family == "vllm:iteration_tokens_total");
  CHECK(recorder.samples[11].family == "q_seconds");
}

TEST_CASE("the format is chosen by Content-Type, else by the body", "[parsers]") {
  CHECK(DetectFormat("application/openmetrics-text; version=1.0.0; charset=utf-8", "a 1\n") == kOm);
  CHECK(DetectFormat("text/plain; version=0.0.4", "a 1\n# EOF\n") == kText);
  CHECK(DetectFormat("", "a 1\n# EOF\n") == kOm);
  CHECK(DetectFormat("", "a 1\n# EOF") == kOm);
  CHECK(DetectFormat("", "# EOF") == kOm);
  CHECK(DetectFormat("", "a 1\n") == kText);
  CHECK(DetectFormat("", "a 1\nx# EOF\n") == kText);
  CHECK(DetectFormat("application/json", "") == kText);
}

class StopAfter : public SampleHandler {
 public:
  explicit StopAfter(std::size_t limit) : limit_(limit) {}
  bool OnSample(const Sample& /*sample*/) override { return ++seen < limit_; }
  std::size_t seen = 0;

 private:
  std::size_t limit_;
};

TEST_CASE("a handler can stop the parse early", "[parsers]") {
  StopAfter handler(2);
  const auto error = Parse("a 1\nb 2\nc 3\nd{\n", kText, handler);
  CHECK_FALSE(error);
  CHECK(handler.seen == 2);
}

}  // namespace
}  // namespace inferwatch::parsers
