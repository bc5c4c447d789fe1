#include "exporter/server/exposition_writer.h"

#include <catch2/catch.hpp>

#include <prometheus/counter.h>
#include <prometheus/gauge.h>
#include <prometheus/registry.h>

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
        "# TYPE llm_engine_info gauge\n"
        "llm_engine_info{model=\"m\\\"x\",target=\"a:1\"} 1\n"
        "# TYPE llm_preemptions_total counter\n"
        "llm_preemptions_total{target=\"a:1\"} 7\n"
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
  CHECK_THAT(openmetrics, Catch::Contains("# TYPE llm_preemptions counter\n"
                                          "llm_preemptions_total{target=\"a:1\"} 7\n"));
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
