#include <catch2/catch.hpp>

#include "rules/promql/duration.h"

using inferwatch::rules::promql::FormatDurationMs;
using inferwatch::rules::promql::ParseDurationMs;

TEST_CASE("Durations parse as Prometheus's model.ParseDuration") {
  CHECK(ParseDurationMs("5m") == 300000);
  CHECK(ParseDurationMs("1h30m") == 5400000);
  CHECK(ParseDurationMs("1d") == 86400000);
  CHECK(ParseDurationMs("1w") == 604800000);
  CHECK(ParseDurationMs("1y") == 31536000000LL);
  CHECK(ParseDurationMs("250ms") == 250);
  CHECK(ParseDurationMs("0") == 0);
  CHECK_FALSE(ParseDurationMs(""));
  CHECK_FALSE(ParseDurationMs("5"));
  CHECK_FALSE(ParseDurationMs("1m1h"));  // units out of order
  CHECK_FALSE(ParseDurationMs("1.5h"));
  CHECK_FALSE(ParseDurationMs("5x"));
}

TEST_CASE("Durations format as model.Duration.String") {
  CHECK(FormatDurationMs(0) == "0s");
  CHECK(FormatDurationMs(5400000) == "1h30m");
  CHECK(FormatDurationMs(90LL * 86400000) == "90d");
  CHECK(FormatDurationMs(14LL * 86400000) == "2w");
  CHECK(FormatDurationMs(1500) == "1s500ms");
}
