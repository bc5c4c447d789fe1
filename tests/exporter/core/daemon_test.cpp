#include "exporter/daemon/daemon.h"

#include <sstream>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include "test_support.h"

namespace exporter = inferwatch::exporter;
using inferwatch::testing::HttpRequest;
using inferwatch::testing::MetricsServer;
using inferwatch::testing::TempDir;
using inferwatch::testing::WaitFor;
using inferwatch::testing::WriteText;

namespace {

std::string ConfigFor(const std::string& address, const std::string& extra = "") {
  return "global:\n  scrape_interval: 200ms\n  scrape_timeout: 150ms\n"
         "  evaluation_interval: 200ms\n" +
         extra + "scrape_configs:\n  - job_name: vllm\n    static_configs:\n      - targets: ['" +
         address + "']\n        labels: {cluster: test}\n";
}

struct RunningDaemon {
  RunningDaemon(const std::string& config_file, bool lifecycle) {
    exporter::daemon::DaemonOptions options;
    options.config_file = config_file;
    options.server.listen_address = "127.0.0.1:0";
    options.server.enable_lifecycle = lifecycle;
    options.tick = std::chrono::milliseconds(20);
    daemon = std::make_unique<exporter::daemon::Daemon>(options, logger);
    std::string error;
    started = daemon->Start(error);
    INFO(error);
    REQUIRE(started);
  }
  std::string Metrics(const httplib::Headers& headers = {}) {
    return HttpRequest(daemon->port(), "GET", "/metrics", headers).body;
  }
  std::ostringstream log_sink;
  exporter::log::Logger logger{log_sink};
  std::unique_ptr<exporter::daemon::Daemon> daemon;
  bool started = false;
};

}  // namespace

TEST_CASE("the daemon scrapes, serves /metrics and its endpoints", "[daemon]") {
  MetricsServer server(
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom")));
  TempDir dir;
  const std::string file = dir.File("inferwatch.yml");
  WriteText(file, ConfigFor(server.Address()));
  RunningDaemon running(file, false);
  const int port = running.daemon->port();

  CHECK(HttpRequest(port, "GET", "/-/healthy").status == 200);
  REQUIRE(WaitFor([&] { return HttpRequest(port, "GET", "/-/ready").status == 200; }));

  const std::string expected_up =
      "inferwatch_target_up{job=\"vllm\",target=\"" + server.Address() + "\"} 1";
  REQUIRE(WaitFor([&] { return running.Metrics().find(expected_up) != std::string::npos; }));
  const std::string metrics = running.Metrics();
  CHECK_THAT(
      metrics,
      Catch::Contains("llm_requests_running{cluster=\"test\",engine=\"vllm\",engine_index=\"0\","
                      "job=\"vllm\""));
  CHECK_THAT(metrics,
             Catch::Contains("inferwatch_build_info{version=\"" INFERWATCH_VERSION "\"} 1"));
  CHECK_THAT(metrics, Catch::Contains("inferwatch_config_last_reload_successful 1"));
  CHECK_THAT(metrics, Catch::Contains("# TYPE inferwatch_store_points gauge"));
  CHECK_THAT(metrics, Catch::Contains("# TYPE llm_time_to_first_token_seconds histogram"));

  const auto openmetrics = HttpRequest(
      port, "GET", "/metrics",
      {{"Accept", "application/openmetrics-text;version=1.0.0;q=0.9,text/plain;q=0.5"}});
  CHECK_THAT(openmetrics.content_type, Catch::StartsWith("application/openmetrics-text"));
  CHECK_THAT(openmetrics.body, Catch::EndsWith("# EOF\n"));
  CHECK_THAT(openmetrics.body, Catch::Contains("# TYPE inferwatch_scrape_errors counter"));

  const auto targets = nlohmann::json::parse(HttpRequest(port, "GET", "/api/v1/targets").body);
  REQUIRE(targets["data"]["activeTargets"].size() == 1);
  const auto& target = targets["data"]["activeTargets"][0];
  CHECK(target["health"] == "up");
  CHECK(target["engine"] == "vllm");
  CHECK(target["labels"]["cluster"] == "test");

  const auto landing = HttpRequest(port, "GET", "/");
  CHECK(landing.status == 200);
  CHECK_THAT(landing.body, Catch::Contains(server.Address()));
  CHECK_THAT(landing.body, Catch::Contains(INFERWATCH_VERSION));

  // Without --web.enable-lifecycle the reload endpoint is forbidden.
  CHECK(HttpRequest(port, "POST", "/-/reload").status == 403);
  // A GET of it is the wrong method, as in Prometheus.
  CHECK(HttpRequest(port, "GET", "/-/reload").status == 405);

  // The target goes down: up is 0 and its canonical series leave /metrics.
  server.SetMode(MetricsServer::Mode::kHttp500);
  const std::string expected_down =
      "inferwatch_target_up{job=\"vllm\",target=\"" + server.Address() + "\"} 0";
  REQUIRE(WaitFor([&] { return running.Metrics().find(expected_down) != std::string::npos; }));
  CHECK_THAT(running.Metrics(), !Catch::Contains("llm_requests_running"));
  CHECK_THAT(running.Metrics(),
             Catch::Contains("inferwatch_scrape_errors_total{job=\"vllm\",reason=\"http_status\""));
  running.daemon->Stop();
}

TEST_CASE("reload is all or nothing", "[daemon]") {
  MetricsServer first(
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom")));
  MetricsServer second(
      inferwatch::testing::ReadText(inferwatch::testing::FixturePath("vllm-v1.prom")));
  TempDir dir;
  const std::string file = dir.File("inferwatch.yml");
  WriteText(file, ConfigFor(first.Address()));
  RunningDaemon running(file, true);
  const int port = running.daemon->port();
  REQUIRE(WaitFor([&] { return first.requests() > 0; }));

  // A broken file: the running configuration stays, the gauge says so.
  WriteText(file, ConfigFor(first.Address()) + "    scrape_intervall: 1s\n");
  const auto failed = HttpRequest(port, "POST", "/-/reload");
  CHECK(failed.status == 500);
  CHECK_THAT(failed.body, Catch::Contains("inferwatch.yml:10:5: scrape_configs: unknown field "
                                          "\"scrape_intervall\""));
  CHECK_THAT(running.Metrics(), Catch::Contains("inferwatch_config_last_reload_successful 0"));
  const int before = first.requests();
  CHECK(WaitFor([&] { return first.requests() > before + 2; }));
  CHECK_THAT(running.log_sink.str(), Catch::Contains("configuration reload failed"));

  // A good file: the new target replaces the old one.
  WriteText(file, ConfigFor(second.Address()));
  CHECK(HttpRequest(port, "POST", "/-/reload").status == 200);
  CHECK_THAT(running.Metrics(), Catch::Contains("inferwatch_config_last_reload_successful 1"));
  CHECK(WaitFor([&] { return second.requests() > 0; }));
  const std::string metrics = running.Metrics();
  CHECK_THAT(metrics, !Catch::Contains("target=\"" + first.Address() + "\""));
  running.daemon->Stop();
}

TEST_CASE("the daemon refuses an invalid configuration or listen address", "[daemon]") {
  TempDir dir;
  const std::string file = dir.File("bad.yml");
  WriteText(file, "global:\n  scrape_interval: soon\n");
  std::ostringstream sink;
  exporter::log::Logger logger(sink);
  exporter::daemon::DaemonOptions options;
  options.config_file = file;
  options.server.listen_address = "127.0.0.1:0";
  {
    exporter::daemon::Daemon daemon(options, logger);
    std::string error;
    CHECK_FALSE(daemon.Start(error));
    CHECK_THAT(error, Catch::Contains("bad.yml:2:20: global.scrape_interval: invalid duration"));
  }
  WriteText(file, "");
  options.server.listen_address = "not-an-address";
  exporter::daemon::Daemon daemon(options, logger);
  std::string error;
  CHECK_FALSE(daemon.Start(error));
  CHECK_THAT(error, Catch::Contains("invalid listen address"));
}

TEST_CASE("a second daemon on an address in use fails to start", "[daemon]") {
  // As Prometheus and node_exporter do; with SO_REUSEPORT (cpp-httplib's default) both would
  // run and share the scrapes.
  TempDir dir;
  const std::string file = dir.File("empty.yml");
  WriteText(file, "");
  RunningDaemon first(file, false);
  std::ostringstream sink;
  exporter::log::Logger logger(sink);
  exporter::daemon::DaemonOptions options;
  options.config_file = file;
  options.server.listen_address = "127.0.0.1:" + std::to_string(first.daemon->port());
  exporter::daemon::Daemon second(options, logger);
  std::string error;
  CHECK_FALSE(second.Start(error));
  CHECK_THAT(error, Catch::Contains("address in use"));
}
