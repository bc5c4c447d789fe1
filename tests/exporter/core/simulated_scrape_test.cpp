#include <sys/wait.h>

#include <catch2/catch.hpp>

#include "exporter/engines/normalizer.h"
#include "exporter/scrape/scrape_target.h"
#include "exporter/simulator/simulator.h"
#include "test_support.h"

namespace exporter = inferwatch::exporter;
namespace rules = inferwatch::rules;

namespace {

// A scrape target of job "sim" for a simulated server on loopback.
exporter::discovery::Target SimulatorTarget(const exporter::simulator::SimulatedServer& server,
                                            std::chrono::seconds interval) {
  exporter::discovery::Target target;
  target.job = "sim";
  target.address = "127.0.0.1:" + std::to_string(server.port());
  target.interval = interval;
  target.timeout = interval;
  target.labels.Set("job", "sim");
  return target;
}

}  // namespace

TEST_CASE("simulated vLLM, TGI and SGLang servers scrape into canonical series", "[scrape]") {
  for (const std::string engine : {"vllm", "tgi", "sglang"}) {
    INFO(engine);
    exporter::simulator::Options options;
    options.engine = engine;
    exporter::simulator::SimulatedServer server(options);
    REQUIRE(server.Start("127.0.0.1", 0));
    const auto target = SimulatorTarget(server, std::chrono::seconds(2));
    const auto report =
        exporter::scrape::ScrapeTarget(target, exporter::Normalizer::Builtin(), 1000);
    INFO(report.message);
    REQUIRE(report.error == exporter::scrape::ScrapeError::kNone);
    CHECK(report.engine == engine);
    bool running = false;
    bool info = false;
    for (const auto& sample : report.samples) {
      CHECK(sample.labels.Get("target") == target.address);
      CHECK(sample.labels.Get("job") == "sim");
      if (sample.labels.MetricName() == "llm_requests_running") {
        running = true;
        CHECK(sample.labels.Get("engine") == engine);
      }
      if (sample.labels.MetricName() == "llm_engine_info") info = true;
    }
    CHECK(running);
    CHECK(info);
    server.Stop();
  }
}

TEST_CASE("without body_size_limit a scrape stops at the parser's limit, not at the body's end",
          "[scrape]") {
  // The simulator's huge fault announces and streams over 100 MB. Read whole, it would cost that
  // much memory before the parser refused it.
  exporter::simulator::Options options;
  options.engine = "vllm";
  options.fault = "huge";
  exporter::simulator::SimulatedServer server(options);
  REQUIRE(server.Start("127.0.0.1", 0));
  const auto target = SimulatorTarget(server, std::chrono::seconds(5));
  REQUIRE(target.body_size_limit == 0);
  const auto report = exporter::scrape::ScrapeTarget(target, exporter::Normalizer::Builtin(), 1000);
  INFO(report.message);
  CHECK(report.error == exporter::scrape::ScrapeError::kBodyTooLarge);
  CHECK(report.samples.empty());
  server.Stop();
}

namespace {

int RunBinary(const std::string& arguments) {
  const std::string command = std::string(INFERWATCH_BINARY) + " " + arguments + " >/dev/null 2>&1";
  const int status = std::system(command.c_str());
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

}  // namespace

TEST_CASE("check config and --config.check exit 0 for valid and 1 for invalid files", "[cli]") {
  inferwatch::testing::TempDir dir;
  const std::string good = dir.File("good.yml");
  const std::string bad = dir.File("bad.yml");
  inferwatch::testing::WriteText(good, "scrape_configs:\n  - job_name: a\n");
  inferwatch::testing::WriteText(bad, "scrape_configs:\n  - job_nam: a\n");
  CHECK(RunBinary("check config " + good) == 0);
  CHECK(RunBinary("check config " + bad) == 1);
  CHECK(RunBinary("check config " + good + " " + bad) == 1);
  CHECK(RunBinary("--config.file=" + good + " --config.check") == 0);
  CHECK(RunBinary("--config.file=" + bad + " --config.check") == 1);
  CHECK(RunBinary("--log.level=loud") == 2);
  CHECK(RunBinary("--version") == 0);
}

TEST_CASE("check config prints each problem of its rule files on a line, in line order", "[cli]") {
  inferwatch::testing::TempDir dir;
  const std::string config = dir.File("inferwatch.yml");
  const std::string rules = dir.File("bad_rules.yml");
  inferwatch::testing::WriteText(config, "rule_files: ['bad_rules.yml']\n");
  inferwatch::testing::WriteText(rules,
                                 "groups:\n  - name: g\n    rules:\n      - alert: A\n"
                                 "        expr: rat(up[5m]) > 1\n        for: 5mm\n");
  const std::string output = dir.File("stderr.txt");
  const std::string command =
      std::string(INFERWATCH_BINARY) + " check config " + config + " >/dev/null 2>" + output;
  const int status = std::system(command.c_str());
  CHECK((WIFEXITED(status) && WEXITSTATUS(status) == 1));
  CHECK(inferwatch::testing::ReadText(output) ==
        rules + ":5:15: invalid PromQL expression: unknown function with name \"rat\"\n" + rules +
            ":6:14: invalid duration \"5mm\" in field \"for\"\n");
}
