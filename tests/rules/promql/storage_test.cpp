#include <catch2/catch.hpp>

#include "rules/storage.h"

using inferwatch::rules::LabelMatcher;
using inferwatch::rules::Labels;
using inferwatch::rules::MakeLabelMatcher;
using inferwatch::rules::MatchType;

namespace {
Labels L(std::vector<Labels::Pair> pairs) {
  return Labels(std::move(pairs));
}
}  // namespace

TEST_CASE("Labels sort by name and let later duplicates win") {
  Labels labels({{"b", "2"}, {"a", "1"}, {"b", "3"}, {"__name__", "up"}});
  REQUIRE(labels.pairs().size() == 3);
  CHECK(labels.pairs()[0].first == "__name__");
  CHECK(labels.Get("b") == "3");
  CHECK(labels.ToString() == "up{a=\"1\", b=\"3\"}");
  labels.Set("a", "");
  CHECK_FALSE(labels.Has("a"));
}

TEST_CASE("Equal label sets hash equally, different ones differently") {
  CHECK(L({{"a", "1"}, {"b", "2"}}).Hash() == L({{"b", "2"}, {"a", "1"}}).Hash());
  CHECK(L({{"a", "1"}, {"b", ""}}).Hash() == L({{"a", "1"}}).Hash());  // empty = absent
  CHECK(L({{"a", "12"}}).Hash() != L({{"a1", "2"}}).Hash());
}

TEST_CASE("Regex matchers are fully anchored like Prometheus's") {
  LabelMatcher matcher;
  std::string error;
  REQUIRE(MakeLabelMatcher(MatchType::kRegexMatch, "job", "api|web", &matcher, &error));
  CHECK(matcher.Matches("api"));
  CHECK(matcher.Matches("web"));
  CHECK_FALSE(matcher.Matches("api-server"));
  CHECK_FALSE(matcher.Matches("xweb"));
  REQUIRE(MakeLabelMatcher(MatchType::kRegexNoMatch, "job", "a.*", &matcher, &error));
  CHECK(matcher.Matches("ba"));
  CHECK_FALSE(matcher.Matches("abc"));
  CHECK_FALSE(MakeLabelMatcher(MatchType::kRegexMatch, "job", "(", &matcher, &error));
  CHECK_FALSE(error.empty());
}
