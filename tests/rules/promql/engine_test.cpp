#include <catch2/catch.hpp>

#include <cmath>
#include <cstdio>
#include <limits>

#include "rules/promql/engine.h"
#include "rules/promql/eval_internal.h"
#include "rules/promql/eval_memory.h"
#include "rules/promql/memory_storage.h"
#include "rules/promql/parser.h"

using inferwatch::rules::Labels;
using inferwatch::rules::StaleNaN;
using namespace inferwatch::rules::promql;

namespace {

std::variant<Value, EvalError> Run(const inferwatch::rules::Storage& storage, std::string_view expr,
                                   std::int64_t t_ms) {
  auto parsed = ParseExpr(expr);
  if (auto* error = std::get_if<ParseError>(&parsed)) FAIL(error->message);
  return EvalInstant(*std::get<ExprPtr>(parsed), storage, t_ms);
}

Vector RunVector(const inferwatch::rules::Storage& storage, std::string_view expr,
                 std::int64_t t_ms) {
  auto result = Run(storage, expr, t_ms);
  if (auto* error = std::get_if<EvalError>(&result)) FAIL(error->message);
  return std::get<Vector>(std::get<Value>(result).data);
}

std::string RunError(const MemoryStorage& storage, std::string_view expr, std::int64_t t_ms) {
  auto result = Run(storage, expr, t_ms);
  REQUIRE(std::holds_alternative<EvalError>(result));
  return std::get<EvalError>(result).message;
}

Labels LabelSet(std::vector<Labels::Pair> pairs) {
  return Labels(std::move(pairs));
}

Labels MakeSeries(std::string name, std::vector<Labels::Pair> pairs = {}) {
  pairs.emplace_back("__name__", std::move(name));
  return Labels(std::move(pairs));
}

}  // namespace

TEST_CASE("Instant selectors look back 5 minutes and stop at staleness markers") {
  MemoryStorage storage;
  storage.Append(MakeSeries("a"), 0, 1);
  storage.Append(MakeSeries("b"), 0, 2);
  storage.Append(MakeSeries("b"), 30000, StaleNaN());
  CHECK(RunVector(storage, "a", 300000).size() == 1);
  CHECK(RunVector(storage, "a", 300001).empty());
  CHECK(RunVector(storage, "b", 20000).size() == 1);
  CHECK(RunVector(storage, "b", 31000).empty());
  // The @ modifier pins the evaluation time of the selector.
  const Vector pinned = RunVector(storage, "a @ 10", 3600000);
  REQUIRE(pinned.size() == 1);
  CHECK(pinned[0].value == 1);
}

TEST_CASE("rate extrapolates and handles counter resets") {
  MemoryStorage storage;
  for (int i = 0; i <= 10; ++i) storage.Append(MakeSeries("c"), i * 10000, i * 10.0);
  const Vector rate = RunVector(storage, "rate(c[50s])", 100000);
  REQUIRE(rate.size() == 1);
  CHECK(rate[0].value == Approx(1.0));
  CHECK_FALSE(rate[0].labels.Has("__name__"));

  MemoryStorage reset;
  const double values[] = {0, 10, 20, 5, 15};
  for (int i = 0; i < 5; ++i) reset.Append(MakeSeries("c"), i * 10000, values[i]);
  // 10 + 10 + 5 (after the reset, counting from zero) + 10 = 35 over 40s, extrapolated to 40s.
  const Vector increase = RunVector(reset, "increase(c[40s])", 40000);
  REQUIRE(increase.size() == 1);
  CHECK(increase[0].value == Approx(35.0));
}

TEST_CASE("Subquery steps align to absolute multiples of the step") {
  MemoryStorage storage;
  // Steps in [40s, 100s] that are multiples of 15s: 45, 60, 75, 90.
  const Vector count = RunVector(storage, "count_over_time(vector(1)[60s:15s])", 100000);
  REQUIRE(count.size() == 1);
  CHECK(count[0].value == 4);
}

TEST_CASE("Vector matching reports many-to-many and duplicate label sets") {
  MemoryStorage storage;
  storage.Append(MakeSeries("a", {{"job", "x"}, {"i", "1"}}), 0, 1);
  storage.Append(MakeSeries("b", {{"job", "x"}, {"i", "1"}}), 0, 2);
  storage.Append(MakeSeries("b", {{"job", "x"}, {"i", "2"}}), 0, 3);
  CHECK(RunError(storage, "a + on(job) b", 0)
            .rfind("found duplicate series for the match group "
                   "{job=\"x\"} on the right hand-side",
                   0) == 0);
  const Vector grouped = RunVector(storage, "b / on(job) group_left a", 0);
  CHECK(grouped.size() == 2);
  CHECK(RunError(storage, "-{__name__=~\"a|b\", i=\"1\"}", 0) ==
        "vector cannot contain metrics with the same labelset");
  CHECK(RunError(storage, "label_replace(a, \"d\", \"$1\", \"job\", \"(\")", 0) ==
        "invalid regular expression in label_replace(): (");
}

TEST_CASE("Comparisons filter or return bools, and NaN never compares equal") {
  MemoryStorage storage;
  storage.Append(MakeSeries("v", {{"k", "1"}}), 0, 1);
  storage.Append(MakeSeries("v", {{"k", "2"}}), 0, std::nan(""));
  const Vector filtered = RunVector(storage, "v == 1", 0);
  REQUIRE(filtered.size() == 1);
  CHECK(filtered[0].labels.MetricName() == "v");  // filtering keeps the name
  const Vector bools = RunVector(storage, "v != bool v", 0);
  REQUIRE(bools.size() == 2);
  for (const auto& sample : bools) {
    CHECK(sample.value == (sample.labels.Get("k") == "2" ? 1 : 0));
    CHECK_FALSE(sample.labels.Has("__name__"));
  }
}

TEST_CASE("histogram_quantile interpolates inside the bucket") {
  MemoryStorage storage;
  storage.Append(MakeSeries("h_bucket", {{"le", "1"}}), 0, 10);
  storage.Append(MakeSeries("h_bucket", {{"le", "2"}}), 0, 20);
  storage.Append(MakeSeries("h_bucket", {{"le", "+Inf"}}), 0, 20);
  const Vector q = RunVector(storage, "histogram_quantile(0.75, h_bucket)", 0);
  REQUIRE(q.size() == 1);
  CHECK(q[0].value == Approx(1.5));
  CHECK(q[0].labels.empty());
}

TEST_CASE("Aggregation groups keep sorted, unique label sets however the grouping is written") {
  MemoryStorage storage;
  storage.Append(MakeSeries("m", {{"b", "x"}, {"z", "1"}}), 0, 7);
  storage.Append(MakeSeries("m", {{"b", "y"}, {"z", "1"}}), 0, 7);
  storage.Append(MakeSeries("m", {{"b", "y"}, {"z", "2"}}), 0, 3);
  // count_values's label sorts before the grouping label: the output set must still be sorted.
  const Vector counted = RunVector(storage, R"(count_values("a", m) by (b))", 1000);
  REQUIRE(counted.size() == 3);
  for (const auto& sample : counted) {
    CHECK(sample.labels.size() == 2);
    CHECK(sample.labels[0].first == "a");
    CHECK(sample.labels[1].first == "b");
  }
  CHECK(counted[0].labels == LabelSet({{"a", "7"}, {"b", "x"}}));
  // A grouping naming every label shares the input's set; a repeated name counts once.
  const Vector every = RunVector(storage, "sum by (z, b, b) (m)", 1000);
  REQUIRE(every.size() == 3);
  CHECK(every[0].labels == LabelSet({{"b", "x"}, {"z", "1"}}));
  const Vector repeated = RunVector(storage, "sum by (b, b) (m)", 1000);
  REQUIRE(repeated.size() == 2);
  CHECK(repeated[0].labels == LabelSet({{"b", "x"}}));
  CHECK(repeated[1].labels == LabelSet({{"b", "y"}}));
  CHECK(repeated[1].value == 10);
}

TEST_CASE("histogram_quantile parses every spelling of a bound, repeated or long") {
  MemoryStorage storage;
  // The same bounds over many histograms, one written in more than 32 bytes, one in exponent
  // form or in 20 bytes, and +Inf in two spellings.
  for (int h = 0; h < 40; ++h) {
    const std::string id = std::to_string(h);
    const bool odd = h % 2 == 1;
    storage.Append(MakeSeries("b", {{"h", id}, {"le", "0.1000000000000000055511151231257827"}}), 0,
                   10);
    storage.Append(MakeSeries("b", {{"h", id}, {"le", odd ? "2e-1" : "0.200000000000000011"}}), 0,
                   20);
    storage.Append(MakeSeries("b", {{"h", id}, {"le", odd ? "+inf" : "+Inf"}}), 0, 20);
  }
  storage.Append(MakeSeries("b", {{"h", "bad"}, {"le", "one"}}), 0, 5);
  const Vector out = RunVector(storage, "histogram_quantile(0.75, b)", 1000);
  REQUIRE(out.size() == 40);
  for (const auto& sample : out) CHECK(sample.value == Approx(0.15));
}

namespace {

// Visits what the wrapped storage visits but promises no order, as a selection across an
// overlay of a round's own outputs may.
class UnorderedStorage : public inferwatch::rules::Storage {
 public:
  explicit UnorderedStorage(const Storage& base) : base_(base) {}
  VisitOrder Select(std::span<const inferwatch::rules::LabelMatcher> matchers, std::int64_t mint_ms,
                    std::int64_t maxt_ms, const SeriesVisitor& visit) const override {
    base_.Select(matchers, mint_ms, maxt_ms, visit);
    return VisitOrder::kUnordered;
  }

 private:
  const Storage& base_;
};

std::string Dump(const Vector& vector) {
  std::string out;
  for (const auto& sample : vector) {
    char value[64];
    std::snprintf(value, sizeof value, " %.17g\n", sample.value);
    out += sample.labels.ToString() + value;
  }
  return out;
}

}  // namespace

TEST_CASE("Aggregations over a range function of stored series match the general path") {
  MemoryStorage storage;
  const char* groups[] = {"a", "b", "c"};
  for (int s = 0; s < 24; ++s) {
    const Labels series = MakeSeries(
        "x_total", {{"g", groups[s % 3]}, {"h", std::to_string(s % 4)}, {"i", std::to_string(s)}});
    for (int p = 0; p <= 12; ++p) {
      double value = p * (s + 1) * 0.7 + (p > 6 && s % 5 == 0 ? -3 : 0);  // some resets
      if (s == 7 && p == 12) value = std::numeric_limits<double>::infinity();
      if (s == 11 && p == 12) value = std::nan("");
      storage.Append(series, p * 15000, value);
    }
  }
  storage.Append(MakeSeries("other", {{"g", "a"}}), 0, 1);
  const UnorderedStorage unordered(storage);
  const char* ops[] = {"sum", "avg", "min", "max", "count", "group", "stddev", "stdvar"};
  const char* groupings[] = {"by (g)",         "by (g, h)", "without (i)",
                             "without (g, i)", "",          "by (h, h)"};
  const char* functions[] = {"rate(x_total[2m])", "increase(x_total[1m])",
                             "max_over_time(x_total[90s])", "quantile_over_time(0.3, x_total[3m])",
                             "deriv(x_total{g!=\"c\"}[2m])"};
  for (const char* op : ops) {
    for (const char* grouping : groupings) {
      for (const char* function : functions) {
        const std::string fused = std::string(op) + " " + grouping + " (" + function + ")";
        // The same through a binary operation, which the fused path never takes.
        const std::string general = std::string(op) + " " + grouping + " (" + function + " * 1)";
        INFO(fused);
        const std::string expected = Dump(RunVector(storage, general, 180000));
        CHECK(Dump(RunVector(storage, fused, 180000)) == expected);
        // A storage without label order makes the fused path give way to the general one.
        CHECK(Dump(RunVector(unordered, fused, 180000)) == expected);
      }
    }
  }
}

TEST_CASE("Aggregations remembered across rounds give what a fresh evaluation gives") {
  // Series come and go between rounds, in and out of the middle of the label order, and a
  // filter changes which samples reach the aggregation: the remembered grouping must replay
  // exactly while the inputs repeat and start over where they differ.
  MemoryStorage storage;
  const char* groups[] = {"a", "b", "c", "d"};
  for (int s = 0; s < 30; ++s) {
    char index[8];
    std::snprintf(index, sizeof index, "%02d", (s * 7) % 30);
    const Labels series = MakeSeries(
        "x_total", {{"g", groups[(s * 5) % 4]}, {"h", std::to_string(s % 3)}, {"i", index}});
    const int first = (s % 6) * 4;                  // scrapes 15 s apart
    const int last = s % 4 == 0 ? 20 + s % 5 : 40;  // some end early
    for (int p = first; p <= last; ++p) storage.Append(series, p * 15000, p * (s % 7 + 1) * 0.5);
  }
  // Histograms whose buckets come and go too, bounds in an order unlike the label order.
  const char* bounds[] = {"0.5", "1", "10", "2.5", "+Inf"};
  for (int s = 0; s < 20; ++s) {
    const Labels bucket = MakeSeries(
        "x_bucket", {{"g", groups[s % 4]}, {"h", std::to_string(s % 2)}, {"le", bounds[s % 5]}});
    const int first = (s % 3) * 6;
    const int last = s % 7 == 0 ? 25 : 40;
    for (int p = first; p <= last; ++p) storage.Append(bucket, p * 15000, p * (s % 5 + 1));
  }
  const char* expressions[] = {
      "sum by (g) (rate(x_total[1m]))", "avg without (i) (increase(x_total[2m]))",
      "max by (g, h) (x_total)", "count without (i) (x_total > 20)", "stddev by (h) (x_total * 2)",
      "group by (g) (x_total{h!=\"1\"})", "sum(x_total)", "topk by (g) (1, x_total)",
      "histogram_quantile(0.9, sum by (le, g) (rate(x_bucket[1m])))",
      "histogram_quantile(0.5, rate(x_bucket[2m]))", "histogram_quantile(0.3, x_bucket)",
      // Binary operations reuse their result label sets.
      "rate(x_total[1m]) / on (g, h, i) (x_total + 1)",
      "x_total * on (g, h) group_left sum by (g, h) (x_total)",
      "x_total > bool on (g, h, i) (x_total * 0 + 20)",
      "(x_total > on (g, h, i) (x_total * 0 + 20))"
      " - ignoring (i) group_left max by (g, h) (x_total)",
      "max by (g, h) (x_total) / on (g) group_left (i) x_total{h=\"1\"}",
      "label_replace(x_total, \"i\", \"\", \"\", \"\")"
      " * on (g, h) group_left sum by (g, h) (x_total)",
      // So do label_replace and label_join.
      "label_replace(rate(x_total[1m]), \"k\", \"$1\", \"g\", \"(a|b)\")",
      "label_join(x_total > 20, \"k\", \"-\", \"g\", \"h\")",
      "label_replace(x_total, \"i\", \"x\", \"h\", \"1\")"};
  for (const char* text : expressions) {
    INFO(text);
    auto parsed = ParseExpr(text);
    REQUIRE(std::holds_alternative<ExprPtr>(parsed));
    const Expr& expr = *std::get<ExprPtr>(parsed);
    EvalMemory memory;
    EvalOptions remembering;
    remembering.memory = &memory;
    for (std::int64_t t = 30000; t <= 700000; t += 15000) {
      INFO("t=" << t);
      auto fresh = EvalInstant(expr, storage, t);
      auto remembered = EvalInstant(expr, storage, t, remembering);
      // Some matchings fail in some rounds only: then both fail alike.
      if (const auto* error = std::get_if<EvalError>(&fresh)) {
        REQUIRE(std::holds_alternative<EvalError>(remembered));
        CHECK(std::get<EvalError>(remembered).message == error->message);
        continue;
      }
      REQUIRE(std::holds_alternative<Value>(remembered));
      CHECK(Dump(std::get<Vector>(std::get<Value>(remembered).data)) ==
            Dump(std::get<Vector>(std::get<Value>(fresh).data)));
    }
  }
}

TEST_CASE("a remembered join takes its copied labels from the partner of this round") {
  // The many side stays the same series while its partner on the one side is replaced: the
  // result's copied label must follow the partner, not the label set remembered at its position.
  MemoryStorage storage;
  for (int p = 0; p <= 20; ++p) storage.Append(MakeSeries("m", {{"g", "a"}}), p * 15000, 2);
  for (int p = 0; p <= 7; ++p) {
    storage.Append(MakeSeries("o", {{"g", "a"}, {"v", "1"}}), p * 15000, 3);
  }
  storage.Append(MakeSeries("o", {{"g", "a"}, {"v", "1"}}), 8 * 15000, StaleNaN());
  for (int p = 8; p <= 20; ++p) {
    storage.Append(MakeSeries("o", {{"g", "a"}, {"v", "2"}}), p * 15000, 5);
  }
  auto parsed = ParseExpr("m * on (g) group_left (v) o");
  REQUIRE(std::holds_alternative<ExprPtr>(parsed));
  EvalMemory memory;
  EvalOptions remembering;
  remembering.memory = &memory;
  for (std::int64_t t = 0; t <= 300000; t += 15000) {
    INFO("t=" << t);
    auto remembered = EvalInstant(*std::get<ExprPtr>(parsed), storage, t, remembering);
    REQUIRE(std::holds_alternative<Value>(remembered));
    const auto& vector = std::get<Vector>(std::get<Value>(remembered).data);
    REQUIRE(vector.size() == 1);
    CHECK(vector[0].labels.Get("v") == (t < 120000 ? "1" : "2"));
  }
}

TEST_CASE(
    "histogram_quantile rebuilds a remembered layout for other label sets of the same count") {
  auto bucket = [](const char* histogram, const char* le, double value) {
    return VectorSample{LabelSet({{"h", histogram}, {"le", le}}), value, 0};
  };
  const Vector first = {bucket("a", "1", 2), bucket("a", "+Inf", 4), bucket("b", "0.5", 1),
                        bucket("b", "+Inf", 3)};
  // As many buckets, grouped and ordered otherwise.
  const Vector second = {bucket("a", "+Inf", 8), bucket("a", "0.5", 2), bucket("a", "2", 6),
                         bucket("b", "+Inf", 3)};
  detail::HistogramLayout layout;
  auto fresh = [](double q, const Vector& input) {
    detail::HistogramLayout unremembered;
    return Dump(detail::HistogramQuantile(q, input, unremembered, false));
  };
  for (const Vector* input : {&first, &first, &second, &second, &first}) {
    CHECK(Dump(detail::HistogramQuantile(0.5, *input, layout, true)) == fresh(0.5, *input));
  }
  // Samples that are the same label sets replay the layout with their new values.
  Vector changed = second;
  for (auto& sample : changed) sample.value *= 3;
  CHECK(Dump(detail::HistogramQuantile(0.25, changed, layout, true)) == fresh(0.25, changed));
}
