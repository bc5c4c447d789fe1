#include "rules/manager/overlay_storage.h"

#include <catch2/catch.hpp>

#include "rules/promql/engine.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"

namespace rules = inferwatch::rules;
namespace promql = inferwatch::rules::promql;
using rules::Labels;
using rules::Storage;

namespace {

Labels Series(const std::string& target) {
  return Labels({{"__name__", "up"}, {"target", target}});
}

struct Visited {
  Storage::VisitOrder order;
  std::vector<std::string> targets;
};

Visited SelectUp(const Storage& storage) {
  rules::LabelMatcher name;
  std::string error;
  REQUIRE(rules::MakeLabelMatcher(rules::MatchType::kEqual, "__name__", "up", &name, &error));
  const std::vector<rules::LabelMatcher> matchers = {name};
  Visited out;
  out.order = storage.Select(matchers, 0, 10'000,
                             [&](const Labels& labels, std::span<const rules::SamplePoint>) {
                               out.targets.emplace_back(labels.Get("target"));
                             });
  return out;
}

}  // namespace

TEST_CASE("the overlay keeps the base's label order until it visits a series of its own") {
  promql::MemoryStorage base;
  base.Append(Series("a"), 1000, 1);
  base.Append(Series("c"), 1000, 1);
  rules::manager::OverlayStorage overlay(base);
  overlay.Append(Series("c"), 2000, 2);  // merges into the base's series
  Visited merged = SelectUp(overlay);
  CHECK(merged.order == Storage::VisitOrder::kLabelOrder);
  CHECK(merged.targets == std::vector<std::string>{"a", "c"});

  overlay.Append(Series("b"), 2000, 3);  // a series only this round has
  Visited own = SelectUp(overlay);
  CHECK(own.order == Storage::VisitOrder::kUnordered);
  CHECK(own.targets == std::vector<std::string>{"a", "c", "b"});
}

TEST_CASE("the evaluator restores label order over an overlay's own series") {
  promql::MemoryStorage base;
  base.Append(Series("a"), 1000, 1);
  base.Append(Series("c"), 1000, 1);
  rules::manager::OverlayStorage overlay(base);
  overlay.Append(Series("b"), 2000, 3);
  auto parsed = promql::ParseExpr("up");
  REQUIRE(std::holds_alternative<promql::ExprPtr>(parsed));
  auto result = promql::EvalInstant(*std::get<promql::ExprPtr>(parsed), overlay, 2000, {});
  REQUIRE(std::holds_alternative<promql::Value>(result));
  const auto& vector = std::get<promql::Vector>(std::get<promql::Value>(result).data);
  REQUIRE(vector.size() == 3);
  CHECK(vector[0].labels.Get("target") == "a");
  CHECK(vector[1].labels.Get("target") == "b");
  CHECK(vector[2].labels.Get("target") == "c");
}
