#include <catch2/catch.hpp>

#include <prometheus/registry.h>

#include <sstream>

#include "exporter/daemon/daemon.h"
#include "exporter/engines/normalizer.h"
#include "exporter/scrape/http_fetch.h"
#include "exporter/scrape/scrape_manager.h"
#include "exporter/scrape/scrape_target.h"
#include "test_support.h"

namespace exporter = inferwatch::exporter;
namespace scrape = inferwatch::exporter::scrape;
namespace rules = inferwatch::rules;
using inferwatch::testing::MetricsServer;
using inferwatch::testing::WaitFor;
using namespace std::chrono_literals;

namespace {

exporter::discovery::Target MakeTarget(const std::string& address, const std::string& job,
                                       std::chrono::milliseconds interval = 200ms) {
  exporter::discovery::Target target;
  target.job = job;
  target.address = address;
  target.engine = "auto";
  target.interval = interval;
  target.timeout = std::min<std::chrono::milliseconds>(interval, 300ms);
  target.labels = rules::Labels({{"job", job}});
  return target;
}

std::optional<double> SelfValue(prometheus::Registry& registry, const std::string& name,
                                const std::string& target, const std::string& reason = "") {
  for (const auto& family : registry.Collect()) {
    if (family.name != name) continue;
    for (const auto& metric : family.metric) {
      bool target_matches = false;
      bool reason_matches = reason.empty();
      for (const auto& label : metric.label) {
        if (label.name == "target" && label.value == target) target_matches = true;
        if (label.name == "reason" && label.value == reason) reason_matches = true;
      }
      if (target_matches && reason_matches) {
        return family.type == prometheus::MetricType::Counter ? metric.counter.value
                                                              : metric.gauge.value;
      }
    }
  }
  return std::nullopt;
}

std::size_t CurrentSeriesOf(const exporter::store::ShortTermStore& db, const std::string& target) {
  std::size_t count = 0;
  db.ForEachCurrent(exporter::daemon::NowMillis(), [&](const rules::Labels& labels, const auto&) {
    if (labels.Get("target") == target) ++count;
  });
  return count;
}

}  // namespace

TEST_CASE("a fixture scrape yields canonical series with target and job labels", "[scrape]") {
  MetricsServer server(
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom")));
  auto target = MakeTarget(server.Address(), "vllm-pool");
  target.labels.Set("cluster", "eu-1");
  target.facts.gpu_count = 2;
  target.facts.gpu_model = "H100";
  const auto report = scrape::ScrapeTarget(target, exporter::Normalizer::Builtin(), 5000);
  REQUIRE(report.error == scrape::ScrapeError::kNone);
  CHECK(report.engine == "vllm");
  CHECK(report.raw_samples > 100);
  bool running = false;
  bool gpu_count = false;
  bool facts_info = false;
  for (const auto& sample : report.samples) {
    const auto& labels = sample.labels;
    CHECK(labels.Get("target") == server.Address());
    CHECK(labels.Get("job") == "vllm-pool");
    CHECK(labels.Get("cluster") == "eu-1");
    CHECK(labels.MetricName().starts_with("llm_"));
    if (labels.MetricName() == "llm_requests_running") {
      running = true;
      CHECK(sample.point.v == 37);
      CHECK(labels.Get("engine") == "vllm");
      CHECK(sample.point.t_ms == 5000);
    }
    if (labels.MetricName() == "llm_target_gpus") gpu_count = sample.point.v == 2;
    if (labels.MetricName() == "llm_target_facts_info")
      facts_info = labels.Get("gpu_model") == "H100";
  }
  CHECK(running);
  CHECK(gpu_count);
  CHECK(facts_info);
}

TEST_CASE("DCGM series join the inference target named by inference_target", "[scrape]") {
  const std::string body =
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("dcgm.prom"));
  auto target = MakeTarget("10.0.0.5:9400", "dcgm");
  target.engine = "dcgm";
  target.labels.Set("inference_target", "10.0.0.5:8000");
  const auto report =
      scrape::Canonicalize(target, exporter::Normalizer::Builtin(), body, "text/plain", 1000);
  REQUIRE(report.error == scrape::ScrapeError::kNone);
  REQUIRE_FALSE(report.samples.empty());
  bool gpu_series = false;
  for (const auto& sample : report.samples) {
    CHECK(sample.labels.Get("target") == "10.0.0.5:8000");
    CHECK_FALSE(sample.labels.Has("inference_target"));
    if (sample.labels.MetricName().starts_with("llm_gpu_")) gpu_series = true;
  }
  CHECK(gpu_series);
}

TEST_CASE("scrape failures are classified by reason", "[scrape]") {
  MetricsServer server(
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom")));
  auto target = MakeTarget(server.Address(), "job", 400ms);
  target.body_size_limit = 1u << 20;
  const auto& normalizer = exporter::Normalizer::Builtin();
  struct Case {
    MetricsServer::Mode mode;
    scrape::ScrapeError expected;
  };
  const Case cases[] = {
      {MetricsServer::Mode::kHttp500, scrape::ScrapeError::kHttpStatus},
      {MetricsServer::Mode::kHuge, scrape::ScrapeError::kBodyTooLarge},
      {MetricsServer::Mode::kGarbage, scrape::ScrapeError::kParse},
      {MetricsServer::Mode::kSlow, scrape::ScrapeError::kTimeout},
      {MetricsServer::Mode::kHang, scrape::ScrapeError::kTimeout},
  };
  for (const auto& c : cases) {
    server.SetMode(c.mode);
    const auto report = scrape::ScrapeTarget(target, normalizer, 1000);
    INFO(report.message);
    CHECK(scrape::ScrapeErrorReason(report.error) == scrape::ScrapeErrorReason(c.expected));
    CHECK(report.samples.empty());
    CHECK(report.duration_seconds < 1.0);
  }
  server.SetMode(MetricsServer::Mode::kTruncated);
  CHECK(scrape::ScrapeTarget(target, normalizer, 1000).error != scrape::ScrapeError::kNone);

  server.SetMode(MetricsServer::Mode::kHealthy);
  target.sample_limit = 10;
  CHECK(scrape::ScrapeTarget(target, normalizer, 1000).error == scrape::ScrapeError::kSampleLimit);

  auto closed = MakeTarget("127.0.0.1:1", "job");
  CHECK(scrape::ScrapeTarget(closed, normalizer, 1000).error == scrape::ScrapeError::kConnection);
}

TEST_CASE("faulty targets never delay a healthy one, and failures make series stale", "[scrape]") {
  const std::string body =
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom"));
  MetricsServer healthy(body);
  std::vector<std::unique_ptr<MetricsServer>> faulty;
  for (auto mode :
       {MetricsServer::Mode::kSlow, MetricsServer::Mode::kHang, MetricsServer::Mode::kTruncated,
        MetricsServer::Mode::kGarbage, MetricsServer::Mode::kHuge, MetricsServer::Mode::kHttp500}) {
    faulty.push_back(std::make_unique<MetricsServer>(body));
    faulty.back()->SetMode(mode);
  }
  exporter::store::ShortTermStore db;
  prometheus::Registry registry;
  scrape::ScrapeMetrics metrics(registry);
  std::ostringstream log_sink;
  exporter::log::Logger logger(log_sink);
  scrape::ScrapeManager manager(db, metrics, exporter::Normalizer::Builtin(), logger, {16});
  std::vector<exporter::discovery::Target> targets = {MakeTarget(healthy.Address(), "good")};
  for (const auto& server : faulty) {
    targets.push_back(MakeTarget(server->Address(), "bad"));
    targets.back().body_size_limit = 1u << 20;
  }
  manager.SetTargets(targets);
  manager.Start();

  REQUIRE(WaitFor([&] { return manager.FirstRoundAttempted(); }));
  const int before = healthy.requests();
  std::this_thread::sleep_for(2s);
  const int during = healthy.requests() - before;
  // 200 ms interval over 2 s: 10 scrapes when on time; allow scheduling jitter on a busy machine.
  CHECK(during >= 8);
  CHECK(SelfValue(registry, "inferwatch_target_up", healthy.Address()) == 1.0);
  CHECK(CurrentSeriesOf(db, healthy.Address()) > 10);
  for (const auto& server : faulty) {
    INFO(server->Address());
    CHECK(SelfValue(registry, "inferwatch_target_up", server->Address()) == 0.0);
    CHECK(CurrentSeriesOf(db, server->Address()) == 0);
  }
  CHECK(SelfValue(registry, "inferwatch_scrape_errors_total", faulty[0]->Address(), "timeout") >=
        1.0);
  CHECK(SelfValue(registry, "inferwatch_scrape_errors_total", faulty[5]->Address(),
                  "http_status") >= 1.0);
  CHECK(SelfValue(registry, "inferwatch_scrape_errors_total", faulty[4]->Address(),
                  "body_too_large") >= 1.0);
  CHECK(SelfValue(registry, "inferwatch_scrape_errors_total", faulty[3]->Address(), "parse") >=
        1.0);

  // The healthy target goes down: up turns 0 and its series go stale.
  healthy.SetMode(MetricsServer::Mode::kHttp500);
  CHECK(WaitFor(
      [&] { return SelfValue(registry, "inferwatch_target_up", healthy.Address()) == 0.0; }));
  CHECK(CurrentSeriesOf(db, healthy.Address()) == 0);
  const auto statuses = manager.Status();
  const auto it = std::find_if(statuses.begin(), statuses.end(), [&](const auto& status) {
    return status.target.address == healthy.Address();
  });
  REQUIRE(it != statuses.end());
  CHECK(it->health == "down");
  CHECK_THAT(it->last_error, Catch::StartsWith("http_status"));

  // And comes back.
  healthy.SetMode(MetricsServer::Mode::kHealthy);
  CHECK(WaitFor([&] { return CurrentSeriesOf(db, healthy.Address()) > 10; }));

  // Removing a target removes its self series and makes its series stale.
  manager.SetTargets({MakeTarget(faulty[0]->Address(), "bad")});
  CHECK_FALSE(SelfValue(registry, "inferwatch_target_up", healthy.Address()));
  CHECK(CurrentSeriesOf(db, healthy.Address()) == 0);
  manager.Stop();
}
