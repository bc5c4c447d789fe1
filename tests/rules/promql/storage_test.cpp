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

TEST_CASE("Label sets built from sorted views drop empty values and keep the last duplicate") {
  const std::vector<Labels::View> views = {{"a", "1"}, {"b", "x"}, {"b", "2"}, {"c", ""}};
  const Labels labels = Labels::FromSorted(views);
  CHECK(labels == L({{"a", "1"}, {"b", "2"}}));
  CHECK(labels.size() == 2);
  CHECK(Labels::FromSorted({}).empty());
  std::vector<Labels::View> unsorted = {{"z", "9"}, {"a", "1"}};
  CHECK(Labels::FromUnsorted(unsorted) == L({{"a", "1"}, {"z", "9"}}));
}

TEST_CASE("Changing a label set leaves its copies alone") {
  const Labels original = L({{"__name__", "up"}, {"job", "api"}, {"zone", "a"}});
  Labels copy = original;
  copy.Set("job", "web");
  copy.Set("new", "1");
  copy.Remove("zone");
  CHECK(original.ToString() == "up{job=\"api\", zone=\"a\"}");
  CHECK(copy.ToString() == "up{job=\"web\", new=\"1\"}");
  copy.Set("job", copy.Get("new"));  // a value that points into the set itself
  CHECK(copy.Get("job") == "1");
}

TEST_CASE("Dropping the metric name gives the same set every time, and no other label does") {
  const Labels series = L({{"__name__", "x_bucket"}, {"le", "1"}, {"target", "a"}});
  Labels first = series;
  first.Remove("__name__");
  Labels second = series;
  second.Remove("__name__");
  CHECK(first == L({{"le", "1"}, {"target", "a"}}));
  CHECK(second == first);
  CHECK(series.MetricName() == "x_bucket");
  Labels only_name = L({{"__name__", "up"}});
  only_name.Remove("__name__");
  CHECK(only_name.empty());
  Labels without_le = series;
  without_le.Remove("le");
  CHECK(without_le == L({{"__name__", "x_bucket"}, {"target", "a"}}));
}

TEST_CASE("A copy without the name is the remembered set once one exists, and equal before") {
  const Labels series = L({{"__name__", "x_bucket"}, {"le", "1"}, {"target", "a"}});
  const Labels before = series.WithoutName();  // nothing remembered yet: builds and remembers
  CHECK(before == L({{"le", "1"}, {"target", "a"}}));
  CHECK(series.MetricName() == "x_bucket");
  Labels removed = series;
  removed.Remove("__name__");
  const Labels after = series.WithoutName();
  CHECK(after == before);
  CHECK(after.address() == removed.address());  // the remembered set, not a new one
  CHECK(series.WithoutName().address() == after.address());
  CHECK(L({{"le", "1"}}).WithoutName() == L({{"le", "1"}}));
  CHECK(L({{"__name__", "up"}}).WithoutName().empty());
  CHECK(Labels().WithoutName().empty());
}

TEST_CASE("Label sets order by pairs, then by size, as Prometheus's labels.Compare") {
  CHECK(L({{"a", "1"}}) < L({{"a", "2"}}));
  CHECK(L({{"a", "1"}}) < L({{"a", "1"}, {"b", "0"}}));
  CHECK(L({{"a", "9"}}) < L({{"b", "0"}}));
  CHECK(Labels() < L({{"a", "1"}}));
  CHECK(std::is_eq(L({{"a", "1"}}) <=> L({{"a", "1"}})));
}

TEST_CASE("A value holding the separator byte is not mistaken for two pairs") {
  const Labels one = L({{"a",
                         "1\xff"
                         "b\xff"
                         "2"},
                        {"c", "3"}});
  const Labels two = L({{"a", "1"},
                        {"b",
                         "2\xff"
                         "c\xff"
                         "3"}});
  CHECK_FALSE(one == two);
}

TEST_CASE("Hashes of kept pairs agree across label sets and ignore the rest") {
  const auto no_name = [](std::string_view name) { return name != "__name__"; };
  CHECK(L({{"__name__", "a"}, {"x", "1"}}).HashOfPairs(no_name) ==
        L({{"__name__", "b"}, {"x", "1"}}).HashOfPairs(no_name));
  CHECK(L({{"__name__", "a"}, {"x", "1"}}).HashOfPairs(no_name) !=
        L({{"__name__", "a"}, {"x", "2"}}).HashOfPairs(no_name));
  CHECK(L({{"x", "1"}}).HashOfPairs(no_name) == L({{"x", "1"}}).HashOfPairs(no_name));
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

TEST_CASE("Overrides set, replace and remove labels in one go") {
  const Labels base = L({{"__name__", "x"}, {"b", "2"}, {"d", "4"}});
  const std::vector<Labels::View> overrides = {
      {"__name__", "y"}, {"a", "1"}, {"b", ""}, {"c", "3"}, {"e", "5"}};
  CHECK(base.WithOverrides(overrides) ==
        L({{"__name__", "y"}, {"a", "1"}, {"c", "3"}, {"d", "4"}, {"e", "5"}}));
  CHECK(Labels().WithOverrides(overrides) ==
        L({{"__name__", "y"}, {"a", "1"}, {"c", "3"}, {"e", "5"}}));
  CHECK(base.WithOverrides({}) == base);
}

TEST_CASE("Simple regexes decide as RE2 would without running it") {
  const std::vector<std::string> regexes = {".*",  ".+",  "vllm", "a|b|", "prefill_bound|x-y",
                                            "a.b", "(a)", "a*"};
  const std::vector<std::string> values = {"",     "vllm", "a",  "b",    "x-y", "prefill_bound",
                                           "a\nb", "axb",  "aa", "vllm2"};
  for (const auto& regex : regexes) {
    LabelMatcher fast;
    std::string error;
    REQUIRE(MakeLabelMatcher(MatchType::kRegexMatch, "l", regex, &fast, &error));
    LabelMatcher slow = fast;
    slow.shortcut = inferwatch::rules::RegexShortcut::kNone;
    for (const auto& value : values) {
      INFO(regex << " against " << value);
      CHECK(fast.Matches(value) == slow.Matches(value));
    }
  }
  LabelMatcher literal;
  std::string error;
  REQUIRE(MakeLabelMatcher(MatchType::kRegexNoMatch, "l", "a|b", &literal, &error));
  CHECK(literal.shortcut == inferwatch::rules::RegexShortcut::kLiterals);
  CHECK_FALSE(literal.Matches("a"));
  CHECK(literal.Matches("c"));
}
