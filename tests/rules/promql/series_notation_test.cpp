#include <catch2/catch.hpp>

#include <cmath>

#include "rules/promql/series_notation.h"
#include "rules/storage.h"

using inferwatch::rules::IsStaleNaN;
using namespace inferwatch::rules::promql;

namespace {
SeriesValues Expand(std::string_view text) {
  auto result = ExpandSeriesValues(text);
  REQUIRE(std::holds_alternative<SeriesValues>(result));
  return std::get<SeriesValues>(result);
}
}  // namespace

TEST_CASE("Series notation expands increments, repeats, gaps and stale markers") {
  CHECK(Expand("1+2x3") == SeriesValues{1, 3, 5, 7});
  CHECK(Expand("-1-1x3") == SeriesValues{-1, -2, -3, -4});
  CHECK(Expand("1x2") == SeriesValues{1, 1, 1});
  CHECK(Expand("0x3") == SeriesValues{0, 0, 0, 0});  // never hex
  CHECK(Expand("_x2 5") == SeriesValues{std::nullopt, std::nullopt, 5});
  const SeriesValues mixed = Expand("_ stale 4-1x2 Inf -Inf");
  REQUIRE(mixed.size() == 7);
  CHECK_FALSE(mixed[0]);
  CHECK(IsStaleNaN(*mixed[1]));
  CHECK(*mixed[4] == 2);
  CHECK(std::isinf(*mixed[5]));
  CHECK(*mixed[6] < 0);
  CHECK(std::isnan(*Expand("NaN")[0]));
}

TEST_CASE("Series notation reports the column of a bad item") {
  auto result = ExpandSeriesValues("1 2 1+ax3");
  REQUIRE(std::holds_alternative<SeriesNotationError>(result));
  CHECK(std::get<SeriesNotationError>(result).column == 4);
}
