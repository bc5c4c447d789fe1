#include "rules/manager/retention_needs.h"

#include <string>

#include <catch2/catch.hpp>

#include "rules/promql/parser.h"

namespace rules = inferwatch::rules;
namespace promql = inferwatch::rules::promql;
using rules::Labels;
using rules::manager::RetentionNeeds;

namespace {

constexpr std::int64_t kMinute = 60'000;
constexpr std::int64_t kInterval = 15'000;

RetentionNeeds NeedsOf(std::initializer_list<std::string_view> expressions) {
  RetentionNeeds needs(/*groups=*/{}, /*lookback_ms=*/5 * kMinute);
  for (const std::string_view text : expressions) {
    auto parsed = promql::ParseExpr(text);
    REQUIRE(std::holds_alternative<promql::ExprPtr>(parsed));
    needs.Add(*std::get<promql::ExprPtr>(parsed), kInterval);
  }
  return needs;
}

Labels Series(std::string name, std::string le = "") {
  if (le.empty()) return Labels({{"__name__", std::move(name)}, {"target", "a:1"}});
  return Labels({{"__name__", std::move(name)}, {"le", std::move(le)}, {"target", "a:1"}});
}

}  // namespace

TEST_CASE("a series needs the longest reach of the selectors that match it, plus an interval") {
  const RetentionNeeds needs = NeedsOf({
      "rate(llm_requests_total[5m])",
      "llm_requests_running",  // instant: the lookback
      "rate(llm_ttft_seconds_bucket{le=~\"1(\\\\.0*)?\"}[1h]) / rate(llm_ttft_seconds_count[1h])",
      "rate(llm_ttft_seconds_bucket[10m] offset 30m)",
  });
  CHECK(needs.For(Series("llm_requests_total")) == 5 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_requests_running")) == 5 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_ttft_seconds_count")) == 60 * kMinute + kInterval);
  // Only the bucket the 1h selector matches needs the hour; the others the offset window.
  CHECK(needs.For(Series("llm_ttft_seconds_bucket", "1.0")) == 60 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_ttft_seconds_bucket", "2.5")) == 40 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_not_read")) == 0);
}

TEST_CASE("subqueries add their range and offset to what they contain") {
  const RetentionNeeds needs = NeedsOf({
      "max_over_time(rate(llm_requests_total[5m])[30m:1m] offset 10m)",
      "min_over_time((llm_requests_running > 0)[20m:])",
  });
  CHECK(needs.For(Series("llm_requests_total")) == 45 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_requests_running")) == 25 * kMinute + kInterval);
}

TEST_CASE("selectors without a metric name apply to every name they match") {
  const RetentionNeeds needs = NeedsOf({
      "count_over_time({__name__=~\"llm_.*_total\"}[20m])",
      "rate(llm_requests_total[5m])",
  });
  CHECK(needs.For(Series("llm_requests_total")) == 20 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_requests_running")) == 0);
}

TEST_CASE("a negative offset shortens the reach; a fixed @ time may read anything") {
  const RetentionNeeds needs = NeedsOf({
      "rate(llm_requests_total[10m] offset -4m)",
      "llm_requests_running @ 1700000000",
  });
  CHECK(needs.For(Series("llm_requests_total")) == 6 * kMinute + kInterval);
  CHECK(needs.For(Series("llm_requests_running")) == RetentionNeeds::kEverything);
}
