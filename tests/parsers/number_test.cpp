// The number grammars: values, timestamps in both formats.
#include <catch2/catch.hpp>
#include <cmath>
#include <limits>

#include "parsers/number.h"

namespace inferwatch::parsers {
namespace {

TEST_CASE("values: integers, decimals, exponents and the special values", "[parsers][number]") {
  CHECK(ParseValue("0") == 0.0);
  CHECK(ParseValue("31") == 31.0);
  CHECK(ParseValue("-7") == -7.0);
  CHECK(ParseValue("+7") == 7.0);
  CHECK(ParseValue("1.5") == 1.5);
  CHECK(ParseValue(".5") == 0.5);
  CHECK(ParseValue("8.128902e+06") == 8128902.0);
  CHECK(ParseValue("2.84331e+06") == 2843310.0);
  CHECK(ParseValue("1E-3") == 0.001);
  CHECK(ParseValue("9223372036854775794") == 9223372036854775794.0);
  CHECK(ParseValue("0000000000000000000000000000000000000000001.2e-1") == Approx(0.12));
  CHECK(ParseValue("+Inf") == std::numeric_limits<double>::infinity());
  CHECK(ParseValue("-Inf") == -std::numeric_limits<double>::infinity());
  CHECK(ParseValue("inf") == std::numeric_limits<double>::infinity());
  CHECK(ParseValue("Infinity") == std::numeric_limits<double>::infinity());
  CHECK(std::isnan(*ParseValue("NaN")));
  for (const char* bad : {"", "+", "-", "a", "1_2", "0x1p-3", "0x10", "0b1", "1.1.1", "1e", "1 ",
                          " 1", "nan(1)", "Infx", "1,5", "--1", "+-1"}) {
    INFO(bad);
    CHECK_FALSE(ParseValue(bad));
  }
}

TEST_CASE("timestamps: OpenMetrics seconds and 0.0.4 milliseconds", "[parsers][number]") {
  CHECK(ParseOpenMetricsTimestamp("1.5e3") == 1500.0);
  CHECK(ParseOpenMetricsTimestamp("000") == 0.0);
  CHECK_FALSE(ParseOpenMetricsTimestamp("NaN"));
  CHECK_FALSE(ParseOpenMetricsTimestamp("Inf"));
  CHECK_FALSE(ParseOpenMetricsTimestamp("1z"));
  CHECK(SecondsToMilliseconds(1.1) == 1100);
  CHECK(SecondsToMilliseconds(1732284140.891) == 1732284140891);
  // "DDDDDDDDDD.DDD", the usual shape, has a path of its own; the results are the general ones.
  for (const char* text : {"1732284140.891", "0000000000.000", "9999999999.999", "1732284140.8",
                           "1732284140.89", "1732284140", "173228414.0891", "17322841408.91"}) {
    INFO(text);
    double seconds = 0;
    int64_t milliseconds = 0;
    REQUIRE(ParseOpenMetricsTimestamp(text, seconds, milliseconds));
    CHECK(seconds == *ParseOpenMetricsTimestamp(std::string_view(text)));
    CHECK(milliseconds == SecondsToMilliseconds(seconds));
  }
  // Of that size but not all digits: the general grammar decides.
  for (const char* other : {"1732284140.8a1", "1732284140.+91", "173228414a.891", "1732284140/891",
                            "173228414:.891", "1732284140.89 ", "-732284140.891"}) {
    INFO(other);
    double seconds = 0;
    int64_t milliseconds = 0;
    const bool general = ParseOpenMetricsTimestamp(std::string_view(other)).has_value();
    CHECK(ParseOpenMetricsTimestamp(other, seconds, milliseconds) == general);
  }
  CHECK(SecondsToMilliseconds(12345678901234567890.0) == std::numeric_limits<int64_t>::max());
  CHECK(ParsePrometheusTimestamp("1700000000000") == 1700000000000);
  CHECK(ParsePrometheusTimestamp("-5") == -5);
  CHECK(ParsePrometheusTimestamp("9223372036854775807") == std::numeric_limits<int64_t>::max());
  CHECK(ParsePrometheusTimestamp("-9223372036854775808") == std::numeric_limits<int64_t>::min());
  CHECK_FALSE(ParsePrometheusTimestamp("9223372036854775808"));
  CHECK_FALSE(ParsePrometheusTimestamp("1.5"));
  CHECK_FALSE(ParsePrometheusTimestamp(""));
  CHECK_FALSE(ParsePrometheusTimestamp("-"));
  // Thirteen digits, the usual 0.0.4 shape, have a path of their own; the results are the general
  // ones, and any other 13 bytes are left to the general grammar.
  for (const char* text : {"1732284140891", "0000000000000", "9999999999999", "0000000000001"}) {
    INFO(text);
    int64_t milliseconds = 0;
    REQUIRE(ParseThirteenDigitTimestamp(text, milliseconds));
    CHECK(milliseconds == *ParsePrometheusTimestamp(text));
  }
  for (const char* other : {"173228414089a", "a732284140891", "1732284/40891", "17322841408:1",
                            "-732284140891", "+732284140891", "1732284140 91", "1732284140.91"}) {
    INFO(other);
    int64_t milliseconds = 0;
    CHECK_FALSE(ParseThirteenDigitTimestamp(other, milliseconds));
  }
}

}  // namespace
}  // namespace inferwatch::parsers
