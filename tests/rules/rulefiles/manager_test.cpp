// Group evaluation: same-round visibility, error isolation, limits, staleness, scheduling and
// alert state, checked against a collecting sink.
#include <algorithm>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include "rules/manager/rule_manager.h"
#include "rules/promql/memory_storage.h"
#include "rules/rulefile/loader.h"

namespace rf = inferwatch::rules::rulefile;
namespace mg = inferwatch::rules::manager;
using inferwatch::rules::IsStaleNaN;
using inferwatch::rules::Labels;
using inferwatch::rules::promql::MemoryStorage;

namespace {

struct Written {
  std::string series;
  std::int64_t t_ms;
  double value;
};

class CollectingSink : public mg::OutputSink {
 public:
  void Append(const Labels& labels, std::int64_t t_ms, double value) override {
    written.push_back(Written{labels.ToString(), t_ms, value});
  }
  std::vector<Written> written;
  const Written* Find(const std::string& series, std::int64_t t_ms) const {
    for (const Written& w : written) {
      if (w.series == series && w.t_ms == t_ms) return &w;
    }
    return nullptr;
  }
};

std::vector<rf::RuleGroup> Load(const std::string& text) {
  rf::LoadResult result = rf::LoadRuleText(text, "test.yml");
  for (const auto& d : result.diagnostics) INFO(rf::FormatDiagnostic(d));
  REQUIRE(result.ok());
  return std::move(result.groups);
}

Labels L(std::vector<Labels::Pair> pairs) {
  return Labels(std::move(pairs));
}

}  // namespace

TEST_CASE("rules see earlier rules' outputs from the same round", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "llm_requests_running"}, {"target", "a"}}), 0, 3);
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: chain
    rules:
      - record: running:doubled
        expr: llm_requests_running * 2
      - record: running:doubled_plus_one
        expr: running:doubled + 1
)"));
  CollectingSink sink;
  manager.EvaluateAll(0, storage, sink);
  const Written* doubled = sink.Find("running:doubled{target=\"a\"}", 0);
  const Written* chained = sink.Find("running:doubled_plus_one{target=\"a\"}", 0);
  REQUIRE(doubled != nullptr);
  CHECK(doubled->value == 6);
  REQUIRE(chained != nullptr);
  CHECK(chained->value == 7);
}

TEST_CASE("a series two rules of a round write is one series to later rules", "[manager]") {
  // The second rule writes the very series the first wrote this round: its write must find the
  // first one's, not add a copy that later selections would count twice.
  MemoryStorage storage;
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: twice
    rules:
      - record: shared
        expr: vector(1)
        labels: {k: a}
      - record: shared
        expr: vector(2)
        labels: {k: a}
      - record: shared:count
        expr: count(shared)
      - record: shared:sum
        expr: sum(shared)
)"));
  CollectingSink sink;
  manager.EvaluateAll(0, storage, sink);
  const Written* count = sink.Find("shared:count{}", 0);
  const Written* sum = sink.Find("shared:sum{}", 0);
  REQUIRE(count != nullptr);
  CHECK(count->value == 1);
  REQUIRE(sum != nullptr);
  CHECK(sum->value == 2);
}

TEST_CASE("a failing rule is counted and the group goes on", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 0, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 0, 2);
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: g
    rules:
      - record: collapsed
        expr: m
        labels:
          k: ""
      - record: total
        expr: sum(m)
)"));
  CollectingSink sink;
  manager.EvaluateAll(0, storage, sink);
  const auto status = manager.Status();
  REQUIRE(status.size() == 1);
  CHECK(status[0].failures == 1);
  CHECK(status[0].rules[0].last_error ==
        "vector contains metrics with the same labelset after applying rule labels");
  CHECK(status[0].rules[1].last_error.empty());
  REQUIRE(sink.Find("total{}", 0) != nullptr);
  CHECK(sink.Find("total{}", 0)->value == 3);
}

TEST_CASE("group limit fails a rule with too many series", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 0, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 0, 2);
  mg::RuleManager manager;
  manager.SetGroups(
      Load("groups:\n  - name: g\n    limit: 1\n    rules:\n      - record: r\n"
           "        expr: m\n"));
  CollectingSink sink;
  manager.EvaluateAll(0, storage, sink);
  CHECK(manager.Status()[0].rules[0].last_error == "exceeded limit of 1 with 2 series");
  CHECK(sink.written.empty());
}

TEST_CASE("series a rule stops producing get a staleness marker", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 0, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 0, 5);
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 60000, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 60000, 0);
  mg::RuleManager manager;
  manager.SetGroups(
      Load("groups:\n  - name: g\n    rules:\n      - record: high\n"
           "        expr: m > 2\n"));
  CollectingSink sink;
  manager.EvaluateAll(0, storage, sink);
  manager.EvaluateAll(60000, storage, sink);
  const Written* first = sink.Find("high{k=\"2\"}", 0);
  const Written* marker = sink.Find("high{k=\"2\"}", 60000);
  REQUIRE(first != nullptr);
  CHECK(first->value == 5);
  REQUIRE(marker != nullptr);
  CHECK(IsStaleNaN(marker->value));
}

TEST_CASE("EvaluateDue runs each group once per interval boundary", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "up"}}), 50000, 1);
  mg::RuleManager manager;
  manager.SetGroups(
      Load("groups:\n  - name: fast\n    interval: 30s\n    rules:\n"
           "      - record: r\n        expr: up\n"
           "  - name: slow\n    interval: 2m\n    rules:\n"
           "      - record: s\n        expr: up\n"));
  CollectingSink sink;
  CHECK(manager.EvaluateDue(65000, storage, sink) == 2);
  CHECK(manager.Status()[0].last_eval_ms == 60000);
  CHECK(manager.Status()[1].last_eval_ms == 0);
  CHECK(manager.EvaluateDue(80000, storage, sink) == 0);
  CHECK(manager.EvaluateDue(95000, storage, sink) == 1);
  CHECK(manager.Status()[0].last_eval_ms == 90000);
  CHECK(manager.EvaluateDue(120000, storage, sink) == 2);
}

TEST_CASE("alerts go pending, fire after `for` and keep firing for keep_firing_for", "[manager]") {
  MemoryStorage storage;
  const Labels series = L({{"__name__", "llm_requests_waiting"}, {"target", "a"}});
  const double values[] = {80, 90, 95, 10, 10, 10, 10};
  for (int i = 0; i < 7; ++i) storage.Append(series, i * 60000, values[i]);
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: alerts
    rules:
      - alert: QueueBuildup
        expr: llm_requests_waiting > 50
        for: 2m
        keep_firing_for: 2m
        annotations:
          summary: '{{ $value }} waiting'
)"));
  CollectingSink sink;
  std::vector<std::string> states;
  for (int i = 0; i < 7; ++i) {
    manager.EvaluateAll(i * 60000, storage, sink);
    const auto alerts = manager.groups()[0]->alert_state(0)->ActiveAlerts();
    states.push_back(alerts.empty() ? "-" : std::string(mg::AlertStateName(alerts[0].state)));
  }
  CHECK(states ==
        std::vector<std::string>{"pending", "pending", "firing", "firing", "firing", "-", "-"});
  const Written* pending =
      sink.Find("ALERTS{alertname=\"QueueBuildup\", alertstate=\"pending\", target=\"a\"}", 60000);
  REQUIRE(pending != nullptr);
  const Written* for_state =
      sink.Find("ALERTS_FOR_STATE{alertname=\"QueueBuildup\", target=\"a\"}", 120000);
  REQUIRE(for_state != nullptr);
  CHECK(for_state->value == 0);
  const Written* ended =
      sink.Find("ALERTS{alertname=\"QueueBuildup\", alertstate=\"firing\", target=\"a\"}", 300000);
  REQUIRE(ended != nullptr);
  CHECK(IsStaleNaN(ended->value));
  const auto firing_at_2m =
      sink.Find("ALERTS{alertname=\"QueueBuildup\", alertstate=\"firing\", target=\"a\"}", 120000);
  CHECK(firing_at_2m != nullptr);
}

TEST_CASE("Load keeps the running groups when a file has errors", "[manager]") {
  mg::RuleManager manager;
  manager.SetGroups(Load("groups:\n  - name: kept\n    rules: []\n"));
  const auto diagnostics =
      manager.Load({std::string(INFERWATCH_TEST_DATA) + "/rules/rulefiles/data/broken.rules.yml"});
  CHECK(rf::HasErrors(diagnostics));
  REQUIRE(manager.Status().size() == 1);
  CHECK(manager.Status()[0].name == "kept");
}

TEST_CASE("rules share a subexpression only when no rule writes what it reads", "[manager]") {
  MemoryStorage storage;
  for (std::int64_t t = 0; t <= 60000; t += 15000) {
    storage.Append(L({{"__name__", "x"}, {"target", "a"}}), t, 1);
    storage.Append(L({{"__name__", "x"}, {"target", "b"}}), t, 2);
  }
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: shared
    rules:
      - record: total
        expr: sum(x)
      - record: total_doubled
        expr: sum(x) * 2
      - record: tripled_sum_before
        expr: sum(tripled)
      - record: tripled
        expr: x * 3
      - record: tripled_sum_after
        expr: sum(tripled)
)"));
  // sum(x) twice; sum(tripled) reads a recorded series, so each rule computes its own.
  CHECK(manager.shared_subexpressions().shared_subexpressions() == 1);
  CollectingSink sink;
  manager.EvaluateAll(60000, storage, sink);
  REQUIRE(sink.Find("total{}", 60000) != nullptr);
  CHECK(sink.Find("total{}", 60000)->value == 3);
  REQUIRE(sink.Find("total_doubled{}", 60000) != nullptr);
  CHECK(sink.Find("total_doubled{}", 60000)->value == 6);
  CHECK(sink.Find("tripled_sum_before{}", 60000) == nullptr);
  REQUIRE(sink.Find("tripled_sum_after{}", 60000) != nullptr);
  CHECK(sink.Find("tripled_sum_after{}", 60000)->value == 9);
  CHECK(manager.shared_subexpressions().hits() == 1);
  // A new round computes afresh, then shares again.
  storage.Append(L({{"__name__", "x"}, {"target", "a"}}), 75000, 10);
  manager.EvaluateAll(75000, storage, sink);
  REQUIRE(sink.Find("total_doubled{}", 75000) != nullptr);
  CHECK(sink.Find("total_doubled{}", 75000)->value == 24);
  CHECK(manager.shared_subexpressions().hits() == 2);
}

TEST_CASE("a rule's remembered outputs follow its series round after round", "[manager]") {
  // Round 0: m{k="1"} alone. Round 1: n{k="1"} joins, which the record name makes a duplicate.
  // Round 2: the same inputs as round 1, which must fail again. Round 3: n is gone (stale), so
  // the rule succeeds with the series of round 0, and m{k="2"} arrives in round 4.
  MemoryStorage storage;
  const Labels m1 = L({{"__name__", "m"}, {"k", "1"}});
  const Labels n1 = L({{"__name__", "n"}, {"k", "1"}});
  const Labels m2 = L({{"__name__", "m"}, {"k", "2"}});
  for (std::int64_t t = 0; t <= 240000; t += 60000) storage.Append(m1, t, 1);
  storage.Append(n1, 60000, 2);
  storage.Append(n1, 120000, 2);
  storage.Append(n1, 180000, inferwatch::rules::StaleNaN());
  storage.Append(m2, 240000, 3);
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: g
    rules:
      - record: r
        expr: '{__name__=~"m|n"}'
        labels:
          source: mn
)"));
  CollectingSink sink;
  std::vector<std::string> errors;
  for (std::int64_t t = 0; t <= 240000; t += 60000) {
    manager.EvaluateAll(t, storage, sink);
    errors.push_back(manager.Status()[0].rules[0].last_error);
  }
  const std::string duplicate =
      "vector contains metrics with the same labelset after applying rule labels";
  CHECK(errors == std::vector<std::string>{"", duplicate, duplicate, "", ""});
  for (std::int64_t t : {0, 180000, 240000}) {
    INFO("t=" << t);
    REQUIRE(sink.Find("r{k=\"1\", source=\"mn\"}", t) != nullptr);
    CHECK(sink.Find("r{k=\"1\", source=\"mn\"}", t)->value == 1);
  }
  REQUIRE(sink.Find("r{k=\"2\", source=\"mn\"}", 240000) != nullptr);
  CHECK(sink.Find("r{k=\"2\", source=\"mn\"}", 240000)->value == 3);
  CHECK(sink.Find("r{k=\"1\", source=\"mn\"}", 60000) == nullptr);
}

TEST_CASE("live series are what the rules wrote last and have not ended", "[manager]") {
  MemoryStorage storage;
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 0, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 0, 5);
  storage.Append(L({{"__name__", "m"}, {"k", "1"}}), 60000, 1);
  storage.Append(L({{"__name__", "m"}, {"k", "2"}}), 60000, 0);
  mg::RuleManager manager;
  manager.SetGroups(Load(R"(groups:
  - name: g
    rules:
      - record: high
        expr: m > 0
      - record: total
        expr: sum(m)
)"));
  CollectingSink sink;
  auto live = [&] {
    std::vector<std::string> names;
    for (const Labels& labels : manager.LiveSeries()) names.push_back(labels.ToString());
    std::sort(names.begin(), names.end());
    return names;
  };
  CHECK(live().empty());
  manager.EvaluateAll(0, storage, sink);
  CHECK(live() == std::vector<std::string>{"high{k=\"1\"}", "high{k=\"2\"}", "total{}"});
  manager.EvaluateAll(60000, storage, sink);  // high{k="2"} ends with a staleness marker
  CHECK(live() == std::vector<std::string>{"high{k=\"1\"}", "total{}"});
}
