// Every limit fails the payload with a clear, located error instead of growing without bound.
#include <catch2/catch.hpp>
#include <string>

#include "tests/parsers/test_support.h"

namespace inferwatch::parsers {
namespace {

std::string ErrorFor(const std::string& body, const Limits& limits,
                     Format format = Format::kPrometheusText) {
  testing::Recorder recorder;
  const auto error = Parse(body, format, recorder, limits);
  return error ? error->ToString() : "no error";
}

TEST_CASE("limits: body size", "[parsers][limits]") {
  Limits limits;
  limits.max_body_bytes = 8;
  CHECK(ErrorFor("a 1\nb 2\n", limits) == "no error");
  CHECK(ErrorFor("a 1\nb 22\n", limits) == "1:1: payload is 9 bytes, over the limit of 8");
}

TEST_CASE("limits: line length", "[parsers][limits]") {
  Limits limits;
  limits.max_line_bytes = 10;
  CHECK(ErrorFor("a 1\nabcdefgh 1\n", limits) == "no error");
  CHECK(ErrorFor("a 1\nabcdefghi 1\n", limits) == "2:1: line is 11 bytes, over the limit of 10");
}

TEST_CASE("limits: labels per sample", "[parsers][limits]") {
  Limits limits;
  limits.max_labels_per_sample = 2;
  CHECK(ErrorFor("a{x=\"1\",y=\"2\"} 1\n", limits) == "no error");
  CHECK(ErrorFor("a{x=\"1\",y=\"2\",z=\"3\"} 1\n", limits) ==
        "1:15: more than 2 labels in one sample");
  // Labels copied from the line before count as well.
  CHECK(ErrorFor("a{x=\"1\",y=\"2\"} 1\na{x=\"1\",y=\"2\",z=\"3\"} 1\n", limits) ==
        "2:15: more than 2 labels in one sample");
}

TEST_CASE("limits: label value length", "[parsers][limits]") {
  Limits limits;
  limits.max_label_value_bytes = 4;
  CHECK(ErrorFor("a{x=\"abcd\"} 1\n", limits) == "no error");
  CHECK(ErrorFor("a{x=\"abcde\"} 1\n", limits) ==
        "1:5: label value is 5 bytes, over the limit of 4");
  CHECK(ErrorFor("a{x=\"abcd\"} 1\na{x=\"abcd\",y=\"abcde\"} 1\n", limits) ==
        "2:14: label value is 5 bytes, over the limit of 4");
  // Escaped values are measured as written.
  CHECK(ErrorFor("a{x=\"a\\\\b\"} 1\n", limits) == "no error");
  CHECK(ErrorFor("a{x=\"a\\\\bc\"} 1\n", limits) ==
        "1:5: label value is 5 bytes, over the limit of 4");
}

TEST_CASE("limits: sample count", "[parsers][limits]") {
  Limits limits;
  limits.max_samples = 2;
  CHECK(ErrorFor("a 1\nb 2\n# c\n", limits) == "no error");
  CHECK(ErrorFor("a 1\nb 2\nc 3\n", limits) == "3:1: more than 2 samples");
}

TEST_CASE("limits: zero means unlimited, defaults are finite", "[parsers][limits]") {
  const Limits defaults;
  CHECK(defaults.max_body_bytes > 0);
  CHECK(defaults.max_line_bytes > 0);
  CHECK(defaults.max_labels_per_sample > 0);
  CHECK(defaults.max_label_value_bytes > 0);
  CHECK(defaults.max_samples > 0);
  Limits unlimited{0, 0, 0, 0, 0};
  std::string many_labels = "a{";
  for (int i = 0; i < 300; ++i) {
    // Appended piece by piece: GCC 12 at -O3 warns (-Wrestrict, a false positive) on
    // "l" + std::to_string(i).
    many_labels += 'l';
    many_labels += std::to_string(i);
    many_labels += "=\"v\",";
  }
  many_labels += "} 1\n";
  CHECK(ErrorFor(many_labels, unlimited) == "no error");
  // Label 129 starts after "a{", ten 7-byte, ninety 8-byte and twenty-eight 9-byte labels.
  CHECK(ErrorFor(many_labels, defaults) == "1:1045: more than 128 labels in one sample");
}

}  // namespace
}  // namespace inferwatch::parsers
