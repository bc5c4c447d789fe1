#include "exporter/store/short_term_store.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <map>
#include <random>
#include <span>
#include <string>
#include <vector>

#include <catch2/catch.hpp>

#include <re2/re2.h>

namespace store = inferwatch::exporter::store;
namespace rules = inferwatch::rules;
using namespace std::chrono_literals;

namespace {

rules::LabelMatcher Matcher(rules::MatchType type, std::string name, std::string value) {
  rules::LabelMatcher matcher;
  std::string error;
  REQUIRE(rules::MakeLabelMatcher(type, std::move(name), std::move(value), &matcher, &error));
  return matcher;
}

rules::Labels Series(const std::string& name, const std::string& target) {
  return rules::Labels({{"__name__", name}, {"target", target}});
}

std::vector<rules::SamplePoint> PointsOf(const store::ShortTermStore& db, const rules::Labels& l,
                                         std::int64_t mint = 0, std::int64_t maxt = 1 << 30) {
  std::vector<rules::LabelMatcher> matchers;
  for (const auto& [name, value] : l.pairs()) {
    matchers.push_back(Matcher(rules::MatchType::kEqual, std::string(name), std::string(value)));
  }
  std::vector<rules::SamplePoint> out;
  db.Select(matchers, mint, maxt, [&](const rules::Labels&, std::span<const rules::SamplePoint> p) {
    out.assign(p.begin(), p.end());
  });
  return out;
}

std::vector<std::string> Current(const store::ShortTermStore& db, std::int64_t now) {
  std::vector<std::string> out;
  db.ForEachCurrent(now, [&](const rules::Labels& labels, const rules::SamplePoint& point) {
    out.push_back(labels.ToString() + "=" + std::to_string(point.v));
  });
  return out;
}

}  // namespace

TEST_CASE("appended points are selected by matchers and time range", "[store]") {
  store::ShortTermStore db;
  for (int i = 0; i < 5; ++i) {
    db.AppendBatch("t1",
                   {{Series("llm_requests_running", "a:1"), {1000 * i, double(i)}},
                    {Series("llm_requests_waiting", "a:1"), {1000 * i, double(10 + i)}}},
                   1000 * i);
  }
  const auto points = PointsOf(db, Series("llm_requests_running", "a:1"), 1000, 3000);
  REQUIRE(points.size() == 3);
  CHECK(points[0].t_ms == 1000);
  CHECK(points[2].v == 3);

  std::vector<rules::LabelMatcher> regex = {
      Matcher(rules::MatchType::kRegexMatch, "__name__", "llm_requests_.*")};
  int series = 0;
  db.Select(regex, 0, 10000, [&](const rules::Labels&, std::span<const rules::SamplePoint> p) {
    ++series;
    CHECK(p.size() == 5);
  });
  CHECK(series == 2);
  CHECK(db.SeriesCount() == 2);
}

TEST_CASE("a series missing from a source's next batch gets a staleness marker", "[store]") {
  store::ShortTermStore db;
  db.AppendBatch("t1",
                 {{Series("llm_requests_running", "a:1"), {1000, 3}},
                  {Series("llm_requests_waiting", "a:1"), {1000, 4}}},
                 1000);
  db.AppendBatch("t1", {{Series("llm_requests_running", "a:1"), {2000, 5}}}, 2000);
  const auto waiting = PointsOf(db, Series("llm_requests_waiting", "a:1"));
  REQUIRE(waiting.size() == 2);
  CHECK(waiting[1].t_ms == 2000);
  CHECK(rules::IsStaleNaN(waiting[1].v));
  CHECK(Current(db, 2000) ==
        std::vector<std::string>{"llm_requests_running{target=\"a:1\"}=5.000000"});
}

TEST_CASE("a failed source makes all its series stale, other sources stay", "[store]") {
  store::ShortTermStore db;
  db.AppendBatch("t1", {{Series("llm_requests_running", "a:1"), {1000, 3}}}, 1000);
  db.AppendBatch("t2", {{Series("llm_requests_running", "b:1"), {1000, 7}}}, 1000);
  db.MarkSourceStale("t1", 1500);
  CHECK(rules::IsStaleNaN(PointsOf(db, Series("llm_requests_running", "a:1")).back().v));
  CHECK(Current(db, 1600) ==
        std::vector<std::string>{"llm_requests_running{target=\"b:1\"}=7.000000"});
  // The source comes back: its series are current again.
  db.AppendBatch("t1", {{Series("llm_requests_running", "a:1"), {2000, 4}}}, 2000);
  CHECK(Current(db, 2000).size() == 2);
}

TEST_CASE("series older than the lookback are not current", "[store]") {
  store::ShortTermStore db({1h, 64, 5min, {}});
  db.AppendBatch("t1", {{Series("llm_requests_running", "a:1"), {0, 3}}}, 0);
  CHECK(Current(db, 60'000).size() == 1);
  CHECK(Current(db, 301'000).empty());
}

TEST_CASE("memory per series is bounded and old points are compacted away", "[store]") {
  store::ShortTermStore db({std::chrono::milliseconds(10'000), 8, 5min, {}});
  const auto labels = Series("llm_requests_running", "a:1");
  for (int i = 0; i < 100; ++i) db.AppendBatch("t1", {{labels, {i * 100, double(i)}}}, i * 100);
  auto points = PointsOf(db, labels);
  CHECK(points.size() <= 8);
  CHECK(points.back().v == 99);
  // Out-of-order points are dropped.
  db.AppendBatch("t1", {{labels, {50, -1}}}, 50);
  CHECK(PointsOf(db, labels).back().v == 99);

  db.Compact(9'900 + 10'000 + 1);
  CHECK(db.SeriesCount() == 0);
}

TEST_CASE("expired points are gone at compaction even while they are left in place", "[store]") {
  store::ShortTermStore db({std::chrono::milliseconds(10'000), 64, 5min, {}});
  const rules::Labels labels = Series("llm_requests_running", "a:1");
  for (int i = 1; i <= 20; ++i) db.AppendBatch("t1", {{labels, {i * 1000, double(i)}}}, i * 1000);
  // One point of twenty expired: not worth moving the rest, but no selection returns it.
  const store::ShortTermStore::Held held = db.Compact(12'000);
  CHECK(held.series == 1);
  CHECK(held.points == 19);  // the expired point is not counted though it is still there
  auto points = PointsOf(db, labels, std::numeric_limits<std::int64_t>::min());
  REQUIRE(points.size() == 19);
  CHECK(points.front().t_ms == 2000);
  CHECK(PointsOf(db, labels, 0, 1500).empty());
  // New points still go after the newest, and a later compaction moves the expired ones out.
  for (int i = 21; i <= 40; ++i) db.AppendBatch("t1", {{labels, {i * 1000, double(i)}}}, i * 1000);
  points = PointsOf(db, labels);
  REQUIRE(points.size() == 39);
  CHECK(points.back().t_ms == 40'000);
  db.Compact(41'000);
  points = PointsOf(db, labels);
  REQUIRE(points.size() == 10);
  CHECK(points.front().t_ms == 31'000);
  db.Compact(60'000);
  CHECK(db.SeriesCount() == 0);  // nothing left within the retention
}

TEST_CASE("ended series are dropped by compaction after the lookback", "[store]") {
  store::ShortTermStore db({1h, 64, 1min, {}});
  db.AppendBatch("t1", {{Series("a", "x:1"), {1000, 1}}}, 1000);
  db.MarkSourceStale("t1", 2000);
  db.Compact(30'000);
  CHECK(db.SeriesCount() == 1);  // within the lookback rules still see the marker
  db.Compact(2000 + 61'000);
  CHECK(db.SeriesCount() == 0);
}

TEST_CASE("current series come out in label order whatever the order they arrived in", "[store]") {
  store::ShortTermStore db({1h, 64, 5min, {}});
  db.AppendBatch("t1", {{Series("m", "c:1"), {1000, 1}}, {Series("m", "a:1"), {1000, 2}}}, 1000);
  db.Compact(1000);  // sorts what is there
  db.AppendBatch("t2", {{Series("m", "b:1"), {1000, 3}}, {Series("l", "z:1"), {1000, 4}}}, 1000);
  CHECK(Current(db, 1000) ==
        std::vector<std::string>{"l{target=\"z:1\"}=4.000000", "m{target=\"a:1\"}=2.000000",
                                 "m{target=\"b:1\"}=3.000000", "m{target=\"c:1\"}=1.000000"});
}

TEST_CASE("selections of one metric come in label order, and say so", "[store]") {
  store::ShortTermStore db({1h, 64, 5min, {}});
  db.AppendBatch("t1", {{Series("m", "c:1"), {1000, 1}}, {Series("m", "a:1"), {1000, 2}}}, 1000);
  db.AppendBatch("t2", {{Series("m", "b:1"), {1000, 3}}, {Series("l", "z:1"), {1000, 4}}}, 1000);
  auto select = [&](std::vector<rules::LabelMatcher> matchers, rules::Storage::VisitOrder* order) {
    std::vector<rules::Labels> visited;
    *order = db.Select(
        matchers, 0, 2000,
        [&](const rules::Labels& l, std::span<const rules::SamplePoint>) { visited.push_back(l); });
    return visited;
  };
  rules::Storage::VisitOrder order{};
  const auto by_name = select({Matcher(rules::MatchType::kEqual, "__name__", "m")}, &order);
  CHECK(order == rules::Storage::VisitOrder::kLabelOrder);
  CHECK(by_name.size() == 3);
  CHECK(std::is_sorted(by_name.begin(), by_name.end()));
  const auto across_names =
      select({Matcher(rules::MatchType::kNotEqual, "target", "none")}, &order);
  CHECK(order == rules::Storage::VisitOrder::kUnordered);
  CHECK(across_names.size() == 4);
}

TEST_CASE("a source keeps working after compaction dropped some of its series", "[store]") {
  store::ShortTermStore db({std::chrono::milliseconds(10'000), 64, 1min, {}});
  db.AppendBatch("t1", {{Series("a", "x:1"), {1000, 1}}, {Series("b", "x:1"), {1000, 1}}}, 1000);
  // "b" stops being reported; after retention and lookback it is compacted away.
  for (int i = 2; i <= 80; ++i) {
    db.AppendBatch("t1", {{Series("a", "x:1"), {i * 1000, double(i)}}}, i * 1000);
  }
  db.Compact(80'000);
  CHECK(db.SeriesCount() == 1);
  // The source reports "b" again and then drops "a": markers and current values stay right.
  db.AppendBatch("t1", {{Series("b", "x:1"), {81'000, 5}}}, 81'000);
  CHECK(rules::IsStaleNaN(PointsOf(db, Series("a", "x:1")).back().v));
  CHECK(Current(db, 81'000) == std::vector<std::string>{"b{target=\"x:1\"}=5.000000"});
  db.MarkSourceStale("t1", 82'000);
  CHECK(Current(db, 82'000).empty());
}

TEST_CASE("equality selections stay exact as series come and go", "[store]") {
  store::ShortTermStore db({std::chrono::milliseconds(10'000), 64, 1min, {}});
  auto labels = [](const std::string& slo, const std::string& target) {
    return rules::Labels({{"__name__", "burn"}, {"slo", slo}, {"target", target}});
  };
  auto selected = [&](const std::string& slo) {
    std::vector<rules::LabelMatcher> matchers = {
        Matcher(rules::MatchType::kEqual, "__name__", "burn"),
        Matcher(rules::MatchType::kEqual, "slo", slo)};
    std::vector<std::string> out;
    db.Select(matchers, 0, 1 << 30,
              [&](const rules::Labels& l, std::span<const rules::SamplePoint>) {
                out.push_back(std::string(l.Get("target")));
              });
    return out;
  };
  db.AppendBatch("t", {{labels("ttft", "b"), {1000, 1}}, {labels("itl", "a"), {1000, 1}}}, 1000);
  CHECK(selected("ttft") == std::vector<std::string>{"b"});
  // A new series sorts before the indexed one: positions shift, the answer must not.
  db.AppendBatch("t2", {{labels("ttft", "a"), {2000, 1}}}, 2000);
  CHECK(selected("ttft") == std::vector<std::string>{"a", "b"});
  CHECK(selected("itl") == std::vector<std::string>{"a"});
  CHECK(selected("e2e").empty());
  // "t" stops reporting; compaction drops its series once they are old and ended.
  db.AppendBatch("t", {}, 3000);
  for (int i = 3; i <= 70; ++i) {
    db.AppendBatch("t2", {{labels("ttft", "a"), {i * 1000, 1}}}, i * 1000);
  }
  db.Compact(70'000);
  CHECK(db.SeriesCount() == 1);
  CHECK(selected("ttft") == std::vector<std::string>{"a"});
  CHECK(selected("itl").empty());
}

TEST_CASE("every window of a long series selects exactly the points inside it", "[store]") {
  // Windows of every width and position, near and far from the newest point, so the search
  // from the end walks, strides and falls back to binary search.
  store::ShortTermStore db;
  const rules::Labels series = Series("llm_requests_running", "a:1");
  for (int i = 0; i < 300; ++i) db.AppendBatch("t1", {{series, {10 * i, double(i)}}}, 10 * i);
  for (int end : {2990, 2995, 2950, 2000, 100, 0, 5000}) {
    for (int width : {0, 5, 10, 70, 80, 85, 160, 1290, 1300, 3000}) {
      INFO("window [" << end - width << ", " << end << "]");
      std::vector<double> expected;
      for (int i = 0; i < 300; ++i) {
        if (10 * i >= end - width && 10 * i <= end) expected.push_back(double(i));
      }
      std::vector<double> got;
      for (const auto& point : PointsOf(db, series, end - width, end)) got.push_back(point.v);
      CHECK(got == expected);
    }
  }
}

TEST_CASE("untracked appends reach their series whatever the order of the calls", "[store]") {
  // Rule outputs usually repeat their order; here they shift, skip an end of an unknown series
  // and change order, and each point must still land on its own series.
  store::ShortTermStore db;
  const rules::Labels a = Series("r", "a"), b = Series("r", "b"), c = Series("r", "c");
  const rules::Labels unknown = Series("r", "never");
  db.AppendUntracked({{a, {0, 1}}, {b, {0, 2}}});
  db.AppendUntracked({{a, {10, 3}}, {b, {10, 4}}});                                      // repeats
  db.AppendUntracked({{unknown, {20, rules::StaleNaN()}}, {a, {20, 5}}, {b, {20, 6}}});  // shifted
  db.AppendUntracked({{b, {30, 8}}, {c, {30, 9}}, {a, {30, 7}}});  // reordered
  db.AppendUntracked(
      {{rules::Labels({{"__name__", "r"}, {"target", "b"}}), {40, 10}}});  // equal set
  auto values = [&](const rules::Labels& labels) {
    std::vector<double> out;
    for (const auto& point : PointsOf(db, labels)) out.push_back(point.v);
    return out;
  };
  CHECK(values(a) == std::vector<double>{1, 3, 5, 7});
  CHECK(values(b) == std::vector<double>{2, 4, 6, 8, 10});
  CHECK(values(c) == std::vector<double>{9});
  CHECK(values(unknown).empty());
  CHECK(db.SeriesCount() == 3);
}

namespace {

// What the store should hold, kept the plain way: points per label set, in label order.
struct StoreModel {
  std::int64_t retention_ms;
  std::size_t max_points;
  std::int64_t lookback_ms;
  std::map<rules::Labels, std::vector<rules::SamplePoint>> series;
  std::vector<rules::Labels> reported_by_source;
  std::function<std::chrono::milliseconds(const rules::Labels&)> keep_for;  // as in the store

  void Append(const rules::Labels& labels, rules::SamplePoint point) {
    auto it = series.find(labels);
    if (it == series.end()) {
      if (rules::IsStaleNaN(point.v)) return;
      it = series.emplace(labels, std::vector<rules::SamplePoint>{}).first;
    }
    auto& points = it->second;
    if (!points.empty() && point.t_ms <= points.back().t_ms) {
      if (point.t_ms == points.back().t_ms && !rules::IsStaleNaN(point.v)) points.back() = point;
      return;
    }
    if (points.size() >= max_points) {
      points.erase(points.begin(),
                   points.begin() +
                       std::max<std::ptrdiff_t>(1, static_cast<std::ptrdiff_t>(max_points / 4)));
    }
    points.push_back(point);
  }
  void Batch(const std::vector<rules::Labels>& reported, std::int64_t now) {
    for (const auto& labels : reported) Append(labels, {now, double(now % 977)});
    for (const auto& labels : reported_by_source) {
      if (std::find(reported.begin(), reported.end(), labels) == reported.end()) {
        Append(labels, {now, rules::StaleNaN()});
      }
    }
    reported_by_source = reported;
  }
  void Compact(std::int64_t now) {
    for (auto it = series.begin(); it != series.end();) {
      auto& points = it->second;
      const std::int64_t keep_ms =
          keep_for ? std::min(retention_ms, keep_for(it->first).count()) : retention_ms;
      std::erase_if(points, [&](const auto& p) { return p.t_ms < now - keep_ms; });
      const bool ended = !points.empty() && rules::IsStaleNaN(points.back().v) &&
                         points.back().t_ms < now - lookback_ms;
      if (points.empty() || ended) {
        std::erase(reported_by_source, it->first);
        it = series.erase(it);
      } else {
        ++it;
      }
    }
  }
};

std::string Dump(const rules::Labels& labels, std::span<const rules::SamplePoint> points) {
  std::string out = labels.ToString();
  for (const auto& p : points) {
    out += ' ';
    out += std::to_string(p.t_ms);
    out += '=';
    out += rules::IsStaleNaN(p.v) ? std::string("stale") : std::to_string(p.v);
  }
  return out + "\n";
}

}  // namespace

TEST_CASE("selections match a plain model through growth, relayout and removal", "[store]") {
  // Small limits so that series outgrow their room, hit the point bound, end and come back many
  // times, and labels whose order differs from the order of creation.
  store::ShortTermStore::Options options;
  options.retention = 40s;
  options.max_points_per_series = 9;
  options.lookback = 5s;
  // Either every series keeps the retention, or each keeps its own (shorter or longer).
  if (GENERATE(false, true)) {
    options.keep_for = [](const rules::Labels& labels) {
      return labels.Get("zone") == "x" ? std::chrono::milliseconds(12s) : 1h;
    };
  }
  store::ShortTermStore db(options);
  StoreModel model{40'000, 9, 5'000, {}, {}, options.keep_for};
  std::mt19937 random(7);
  const std::vector<std::string> names = {"llm_b", "llm_a", "llm_c"};
  std::vector<rules::Labels> candidates;
  for (int i = 0; i < 90; ++i) {
    const std::string target = std::to_string((i * 37) % 90) + ":80";
    candidates.push_back(rules::Labels({{"__name__", names[static_cast<std::size_t>(i) % 3]},
                                        {"target", target},
                                        {"zone", (i % 2) ? "x" : "y"}}));
  }
  for (int step = 1; step <= 400; ++step) {
    const std::int64_t now = step * 1000;
    // Each phase favours different series, so whole groups end, vanish and return.
    const int phase = (step / 60) % 3;
    std::vector<rules::Labels> reported;
    std::vector<store::Sample> untracked;
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      const bool likely = static_cast<int>(i % 3) != phase;
      if (random() % 100 >= (likely ? 90u : 10u)) continue;
      if (candidates[i].MetricName() == "llm_a") {
        reported.push_back(candidates[i]);
      } else {
        const double v = random() % 20 == 0 ? rules::StaleNaN() : double(random() % 50);
        untracked.push_back({candidates[i], {now - static_cast<std::int64_t>(random() % 2), v}});
      }
    }
    std::vector<store::Sample> batch;
    for (const auto& labels : reported) batch.push_back({labels, {now, double(now % 977)}});
    db.AppendBatch("source", std::move(batch), now);
    model.Batch(reported, now);
    for (const auto& sample : untracked) model.Append(sample.labels, sample.point);
    db.AppendUntracked(std::move(untracked));
    if (step % 7 == 0) {
      const store::ShortTermStore::Held held = db.Compact(now);
      model.Compact(now);
      std::size_t model_points = 0;
      for (const auto& [labels, points] : model.series) model_points += points.size();
      INFO("step " << step);
      CHECK(held.series == model.series.size());
      CHECK(held.points == model_points);
    }
    for (const auto& name : names) {
      std::string expected;
      for (const auto& [labels, points] : model.series) {
        if (labels.MetricName() == name) expected += Dump(labels, points);
      }
      std::string got;
      const std::vector<rules::LabelMatcher> by_name = {
          Matcher(rules::MatchType::kEqual, "__name__", name)};
      db.Select(by_name, 0, now,
                [&](const rules::Labels& labels, auto points) { got += Dump(labels, points); });
      INFO("step " << step << " name " << name);
      REQUIRE(got == expected);
      std::string expected_zone;
      for (const auto& [labels, points] : model.series) {
        if (labels.MetricName() == name && labels.Get("zone") == "x") {
          expected_zone += Dump(labels, points);
        }
      }
      std::string got_zone;
      const std::vector<rules::LabelMatcher> by_zone = {
          Matcher(rules::MatchType::kEqual, "__name__", name),
          Matcher(rules::MatchType::kEqual, "zone", "x")};
      db.Select(by_zone, 0, now, [&](const rules::Labels& labels, auto points) {
        got_zone += Dump(labels, points);
      });
      REQUIRE(got_zone == expected_zone);
    }
    REQUIRE(db.SeriesCount() == model.series.size());
  }
}
