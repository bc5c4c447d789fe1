#include "exporter/daemon/rule_runner.h"

#include <cmath>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rules/manager/rule_manager.h"
#include "test_support.h"

namespace exporter = inferwatch::exporter;
namespace rules = inferwatch::rules;
using inferwatch::testing::TempDir;
using inferwatch::testing::WriteText;
using namespace std::chrono_literals;

namespace {

// Rules that read different spans: a window, a window an offset back, a subquery, an instant
// selector, and a rule over another rule's output.
constexpr const char* kRules = R"(groups:
  - name: reach
    interval: 15s
    rules:
      - record: target:llm_requests:rate5m
        expr: rate(llm_requests_total[5m])
      - record: target:llm_requests:rate5m_20m_ago
        expr: rate(llm_requests_total[5m] offset 20m)
      - record: target:llm_requests_running:max10m
        expr: max_over_time(llm_requests_running[10m:1m])
      - record: target:llm_kv_cache_usage_ratio:now
        expr: llm_kv_cache_usage_ratio
      - record: target:llm_requests:rate5m_avg30m
        expr: avg_over_time(target:llm_requests:rate5m[30m])
)";

class Collect final : public rules::manager::OutputSink {
 public:
  void Append(const rules::Labels& labels, std::int64_t t_ms, double value) override {
    samples.push_back({labels, {t_ms, value}});
    text += labels.ToString() + " " + std::to_string(t_ms) + " " +
            (rules::IsStaleNaN(value) ? std::string("stale") : std::to_string(value)) + "\n";
  }
  std::vector<exporter::store::Sample> samples;
  std::string text;
};

std::vector<exporter::store::Sample> Scrape(int step, std::int64_t t_ms) {
  std::vector<exporter::store::Sample> out;
  for (const char* target : {"a:1", "b:1"}) {
    const auto labels = [&](const char* name) {
      return rules::Labels({{"__name__", name}, {"target", target}});
    };
    out.push_back({labels("llm_kv_cache_usage_ratio"), {t_ms, std::fmod(step * 0.037, 1.0)}});
    out.push_back({labels("llm_requests_running"), {t_ms, double((step * 7) % 23)}});
    // A counter that resets now and then.
    out.push_back({labels("llm_requests_total"), {t_ms, double((step % 97) * (step % 5 + 1))}});
    out.push_back({labels("llm_not_read_by_rules"), {t_ms, double(step)}});
  }
  return out;
}

std::size_t PointsOf(const exporter::store::ShortTermStore& store, const std::string& name) {
  rules::LabelMatcher matcher;
  std::string error;
  REQUIRE(rules::MakeLabelMatcher(rules::MatchType::kEqual, "__name__", name, &matcher, &error));
  std::size_t points = 0;
  store.Select({&matcher, 1}, 0, std::numeric_limits<std::int64_t>::max(),
               [&](const rules::Labels&, std::span<const rules::SamplePoint> span) {
                 points = std::max(points, span.size());
               });
  return points;
}

}  // namespace

TEST_CASE("a store that keeps what the rules read evaluates them as one that keeps everything",
          "[daemon]") {
  TempDir dir;
  WriteText(dir.File("reach.yml"), kRules);
  rules::manager::ManagerOptions options;
  options.default_interval_ms = 15'000;
  rules::manager::RuleManager kept_rules(options);
  rules::manager::RuleManager all_rules(options);
  REQUIRE_FALSE(rules::rulefile::HasErrors(kept_rules.Load({dir.File("reach.yml")})));
  REQUIRE_FALSE(rules::rulefile::HasErrors(all_rules.Load({dir.File("reach.yml")})));

  exporter::store::ShortTermStore::Options keep_all;
  keep_all.retention = 2h;
  exporter::store::ShortTermStore::Options keep_needed = keep_all;
  keep_needed.keep_for =
      exporter::daemon::KeepPolicy(std::make_shared<rules::manager::RetentionNeeds>(
                                       kept_rules.groups(), options.lookback_delta_ms),
                                   keep_needed.lookback);
  exporter::store::ShortTermStore kept(keep_needed);
  exporter::store::ShortTermStore all(keep_all);

  const std::int64_t start_ms = 1'700'000'000'000;
  for (int step = 0; step < 360; ++step) {  // 90 minutes of 15 s scrapes and evaluations
    const std::int64_t now = start_ms + std::int64_t{step} * 15'000;
    kept.AppendBatch("t", Scrape(step, now), now);
    all.AppendBatch("t", Scrape(step, now), now);
    const auto kept_held = kept.Compact(now);
    const auto all_held = all.Compact(now);
    REQUIRE(kept_held.series == all_held.series);
    REQUIRE(kept_held.points <= all_held.points);
    Collect from_kept;
    Collect from_all;
    kept_rules.EvaluateAll(now, kept, from_kept);
    all_rules.EvaluateAll(now, all, from_all);
    INFO("step " << step);
    REQUIRE(from_kept.text == from_all.text);
    kept.AppendUntracked(std::move(from_kept.samples));
    all.AppendUntracked(std::move(from_all.samples));
  }
  // The offset rule produced results, so the comparison covered the 25-minute reach.
  CHECK(PointsOf(all, "target:llm_requests:rate5m_20m_ago") > 0);
  // What no rule reads keeps the lookback and a minute; what they read, its reach.
  CHECK(PointsOf(all, "llm_not_read_by_rules") == 360);
  CHECK(PointsOf(kept, "llm_not_read_by_rules") <= 6 * 4 + 1);
  CHECK(PointsOf(kept, "llm_requests_total") <= (25 + 1) * 4 + 2);
  CHECK(PointsOf(kept, "target:llm_requests:rate5m") <= (30 + 1) * 4 + 2);
}
