// Lint findings on crafted payloads that parse but are wrong.
#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "parsers/lint.h"

namespace inferwatch::parsers {
namespace {

std::vector<std::string> Findings(const std::string& body,
                                  Format format = Format::kPrometheusText) {
  const LintResult result = Lint(body, format);
  REQUIRE_FALSE(result.error);
  std::vector<std::string> out;
  for (const LintFinding& finding : result.findings) out.push_back(finding.ToString());
  return out;
}

TEST_CASE("lint: a clean payload has no findings", "[parsers][lint]") {
  const std::string body =
      "# HELP a_seconds Latency.\n"
      "# TYPE a_seconds histogram\n"
      "a_seconds_bucket{le=\"0.1\"} 1\n"
      "a_seconds_bucket{le=\"+Inf\"} 2\n"
      "a_seconds_sum 0.3\n"
      "a_seconds_count 2\n"
      "# HELP b_total Things.\n"
      "# TYPE b_total counter\n"
      "b_total 4\n";
  CHECK(Findings(body).empty());
}

TEST_CASE("lint: histogram structure", "[parsers][lint]") {
  const std::string body =
      "# HELP h Latency.\n"
      "# TYPE h histogram\n"
      "h_bucket{x=\"1\",le=\"0.1\"} 5\n"
      "h_bucket{x=\"1\",le=\"1\"} 3\n"
      "h_bucket{x=\"1\",le=\"+Inf\"} 6\n"
      "h_count{x=\"1\"} 7\n"
      "h_bucket{x=\"2\",le=\"1\"} 1\n"
      "h_bucket{x=\"2\",le=\"0.5\"} 1\n"
      "h_count{x=\"2\"} 1\n";
  CHECK(Findings(body) ==
        std::vector<std::string>{
            "4:1: histogram buckets of \"h\" are not cumulative: le=\"1\" counts 3, le=\"0.1\" "
            "counts 5",
            "6:1: histogram \"h\": _count 7 differs from the +Inf bucket 6",
            "7:1: histogram \"h\" has no le=\"+Inf\" bucket",
            "8:1: histogram bucket le=\"0.5\" of \"h\" is out of order (after le=\"1\")",
        });
}

TEST_CASE("lint: duplicates, names and units", "[parsers][lint]") {
  const std::string body =
      "# HELP requests Requests.\n"
      "# TYPE requests counter\n"
      "requests{a=\"1\",b=\"2\"} 1\n"
      "requests{b=\"2\",a=\"1\"} 1\n"
      "# TYPE latency_milliseconds gauge\n"
      "latency_milliseconds 3\n"
      "# HELP fooBar x\n"
      "# TYPE fooBar gauge\n"
      "fooBar 1\n";
  CHECK(Findings(body) ==
        std::vector<std::string>{
            "3:1: counter \"requests\" should have the \"_total\" suffix",
            "4:1: duplicate series \"requests\" (first on line 3)",
            "5:1: \"latency_milliseconds\" has no help text",
            "5:1: \"latency_milliseconds\": use the base unit \"seconds\" instead of "
            "\"milliseconds\"",
            "7:1: \"fooBar\": metric names should be snake_case, not camelCase",
        });
}

TEST_CASE("lint: samples at different timestamps are not duplicates", "[parsers][lint]") {
  const std::string body = "# HELP g G.\n# TYPE g gauge\ng 1 1000\ng 2 2000\n";
  CHECK(Findings(body).empty());
}

TEST_CASE("lint: a parse error is reported instead of findings", "[parsers][lint]") {
  const LintResult result = Lint("a{\n", Format::kPrometheusText);
  REQUIRE(result.error);
  CHECK(result.error->ToString() == "1:3: unterminated label set");
  CHECK(result.findings.empty());
}

}  // namespace
}  // namespace inferwatch::parsers
