#include "exporter/server/exposition_writer.h"

#include <catch2/catch.hpp>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

#include <set>
#include <string_view>

#include "exporter/engines/canonical_series.h"

namespace server = inferwatch::exporter::server;
namespace store = inferwatch::exporter::store;
namespace rules = inferwatch::rules;

TEST_CASE("OpenMetrics is chosen only when the Accept header prefers it", "[exposition]") {
  CHECK(server::WantsOpenMetrics(
      "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;version=0.0.4;q=0.5,*/*;q=0.1"));
  CHECK(server::WantsOpenMetrics("application/openmetrics-text; version=1.0.0"));
  CHECK_FALSE(server::WantsOpenMetrics(""));
  CHECK_FALSE(server::WantsOpenMetrics("text/plain;version=0.0.4"));
  CHECK_FALSE(server::WantsOpenMetrics(
      "application/openmetrics-text;q=0.2,text/plain;version=0.0.4;q=0.5"));
  CHECK_FALSE(server::WantsOpenMetrics("*/*"));
}

TEST_CASE("values are written as Prometheus writes them", "[exposition]") {
  CHECK(server::FormatValue(3) == "3");
  CHECK(server::FormatValue(0.25) == "0.25");
  CHECK(server::FormatValue(-2) == "-2");
  CHECK(server::FormatValue(1.0 / 0.0) == "+Inf");
  CHECK(server::FormatValue(-1.0 / 0.0) == "-Inf");
  CHECK(server::FormatValue(std::nan("")) == "NaN");
}

namespace {

void FillStore(store::ShortTermStore& db) {
  auto labels = [](std::vector<rules::Labels::Pair> pairs) { return rules::Labels(pairs); };
  std::vector<store::Sample> samples = {
      {labels({{"__name__", "llm_requests_running"}, {"target", "a:1"}}), {1000, 3}},
      {labels({{"__name__", "llm_preemptions_total"}, {"target", "a:1"}}), {1000, 7}},
      {labels({{"__name__", "llm_ttft_seconds_bucket"}, {"target", "a:1"}, {"le", "+Inf"}}),
       {1000, 10}},
      {labels({{"__name__", "llm_ttft_seconds_bucket"}, {"target", "a:1"}, {"le", "0.5"}}),
       {1000, 4}},
      {labels({{"__name__", "llm_ttft_seconds_bucket"}, {"target", "a:1"}, {"le", "0.1"}}),
       {1000, 1}},
      {labels({{"__name__", "llm_ttft_seconds_sum"}, {"target", "a:1"}}), {1000, 6.5}},
      {labels({{"__name__", "llm_ttft_seconds_count"}, {"target", "a:1"}}), {1000, 10}},
      {labels({{"__name__", "llm_engine_info"}, {"target", "a:1"}, {"model", "m\"x"}}), {1000, 1}},
  };
  db.AppendBatch("a", std::move(samples), 1000);
}

}  // namespace

TEST_CASE("store series are grouped into typed families", "[exposition]") {
  store::ShortTermStore db;
  FillStore(db);
  std::string text;
  server::WriteStore(db, 2000, false, text);
  CHECK(text ==
        "# HELP llm_engine_info Always 1; labels give the engine, its version, the model and the "
        "reported configuration.\n"
        "# TYPE llm_engine_info gauge\n"
        "llm_engine_info{model=\"m\\\"x\",target=\"a:1\"} 1\n"
        "# HELP llm_preemptions_total Requests preempted or evicted from the running batch "
        "(SGLang: retracted).\n"
        "# TYPE llm_preemptions_total counter\n"
        "llm_preemptions_total{target=\"a:1\"} 7\n"
        "# HELP llm_requests_running Requests in the engine's running batch.\n"
        "# TYPE llm_requests_running gauge\n"
        "llm_requests_running{target=\"a:1\"} 3\n"
        "# TYPE llm_ttft_seconds histogram\n"
        "llm_ttft_seconds_bucket{target=\"a:1\",le=\"0.1\"} 1\n"
        "llm_ttft_seconds_bucket{target=\"a:1\",le=\"0.5\"} 4\n"
        "llm_ttft_seconds_bucket{target=\"a:1\",le=\"+Inf\"} 10\n"
        "llm_ttft_seconds_count{target=\"a:1\"} 10\n"
        "llm_ttft_seconds_sum{target=\"a:1\"} 6.5\n");

  std::string openmetrics;
  server::WriteStore(db, 2000, true, openmetrics);
  CHECK_THAT(openmetrics,
             Catch::Contains("# HELP llm_preemptions Requests preempted or evicted from the "
                             "running batch (SGLang: retracted).\n"
                             "# TYPE llm_preemptions counter\n"
                             "llm_preemptions_total{target=\"a:1\"} 7\n"));
}

TEST_CASE("every canonical family gets its HELP line from the one table", "[exposition]") {
  store::ShortTermStore db;
  auto labels = [](std::vector<rules::Labels::Pair> pairs) { return rules::Labels(pairs); };
  std::vector<store::Sample> samples = {
      {labels({{"__name__", "llm_time_to_first_token_seconds_bucket"}, {"le", "+Inf"}}), {1000, 2}},
      {labels({{"__name__", "llm_time_to_first_token_seconds_sum"}}), {1000, 0.5}},
      {labels({{"__name__", "llm_time_to_first_token_seconds_count"}}), {1000, 2}},
      // Triton reports only a cumulative latency sum and count, without buckets.
      {labels({{"__name__", "llm_request_latency_seconds_sum"}}), {1000, 62104.5}},
      {labels({{"__name__", "llm_request_latency_seconds_count"}}), {1000, 11205}},
      {labels({{"__name__", "job:llm_requests_running:sum"}}), {1000, 3}},
  };
  db.AppendBatch("a", std::move(samples), 1000);
  std::string text;
  server::WriteStore(db, 2000, false, text);
  CHECK_THAT(text, Catch::Contains("# HELP llm_time_to_first_token_seconds Time from request "
                                   "arrival to the first output token, in seconds.\n"
                                   "# TYPE llm_time_to_first_token_seconds histogram\n"));
  CHECK_THAT(text, Catch::Contains("# HELP llm_request_latency_seconds_sum End-to-end request "
                                   "latency, in seconds. Sum of the observed values.\n"));
  CHECK_THAT(text, Catch::Contains("# HELP llm_request_latency_seconds_count End-to-end request "
                                   "latency, in seconds. Number of observations.\n"));
  // A rule's own recording series is not canonical: no HELP is made up for it.
  CHECK_THAT(text, !Catch::Contains("# HELP job:llm_requests_running:sum"));
  CHECK_THAT(text, Catch::Contains("# TYPE job:llm_requests_running:sum gauge\n"));

  // The table is well formed: unique llm_ names, a one-line help each that needs no escaping, and
  // counters (only they) end in _total.
  std::set<std::string_view> names;
  for (const auto& series : inferwatch::exporter::kCanonicalSeries) {
    INFO(series.name);
    CHECK(series.name.starts_with("llm_"));
    CHECK(names.insert(series.name).second);
    CHECK_FALSE(series.help.empty());
    CHECK(series.help.find_first_of("\\\n") == std::string_view::npos);
    CHECK((series.type == inferwatch::exporter::CanonicalType::kCounter) ==
          series.name.ends_with("_total"));
  }
}

TEST_CASE("stale series are not written", "[exposition]") {
  store::ShortTermStore db;
  FillStore(db);
  db.MarkSourceStale("a", 1500);
  std::string text;
  server::WriteStore(db, 2000, false, text);
  CHECK(text.empty());
}

TEST_CASE("registry counters drop _total from the OpenMetrics family name", "[exposition]") {
  prometheus::Registry registry;
  prometheus::BuildCounter()
      .Name("inferwatch_scrape_errors_total")
      .Help("Errors.")
      .Register(registry)
      .Add({{"reason", "timeout"}})
      .Increment(2);
  prometheus::BuildGauge()
      .Name("inferwatch_target_up")
      .Help("Up.")
      .Register(registry)
      .Add({{"target", "a:1"}})
      .Set(1);
  std::string openmetrics;
  server::WriteRegistry(registry.Collect(), true, openmetrics);
  CHECK(openmetrics ==
        "# TYPE inferwatch_scrape_errors counter\n"
        "# HELP inferwatch_scrape_errors Errors.\n"
        "inferwatch_scrape_errors_total{reason=\"timeout\"} 2\n"
        "# TYPE inferwatch_target_up gauge\n"
        "# HELP inferwatch_target_up Up.\n"
        "inferwatch_target_up{target=\"a:1\"} 1\n");
  std::string text;
  server::WriteRegistry(registry.Collect(), false, text);
  CHECK_THAT(text, Catch::Contains("# TYPE inferwatch_scrape_errors_total counter"));
  CHECK_THAT(text, Catch::Contains("inferwatch_scrape_errors_total{reason=\"timeout\"} 2"));
}
