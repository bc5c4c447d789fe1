#include "exporter/discovery/discovery.h"

#include <sstream>

#include <catch2/catch.hpp>

#include "test_support.h"

namespace cfg = inferwatch::exporter::config;
namespace discovery = inferwatch::exporter::discovery;
namespace iwlog = inferwatch::exporter::log;
using inferwatch::testing::TempDir;
using inferwatch::testing::WriteText;

namespace {

cfg::Config LoadIn(const TempDir& dir, const std::string& text) {
  const std::string file = dir.File("inferwatch.yml");
  WriteText(file, text);
  auto result = cfg::LoadFile(file);
  if (auto* error = std::get_if<cfg::ConfigError>(&result)) FAIL(error->ToString());
  return std::get<cfg::Config>(result);
}

std::vector<std::string> Addresses(const std::vector<discovery::Target>& targets) {
  std::vector<std::string> out;
  for (const auto& target : targets) out.push_back(target.address);
  return out;
}

// Makes the next write visible to the mtime check even on coarse file-system clocks.
void Touch(const std::string& path) {
  std::filesystem::last_write_time(
      path, std::filesystem::last_write_time(path) + std::chrono::seconds(2));
}

}  // namespace

TEST_CASE("static targets carry job, static labels and facts", "[discovery]") {
  TempDir dir;
  const auto config = LoadIn(dir, R"(
scrape_configs:
  - job_name: pool
    engine: vllm
    scrape_interval: 5s
    static_configs:
      - targets: ['b:1', 'a:1']
        labels: {cluster: eu-1, job: ignored}
        facts: {gpu_count: 4}
)");
  std::ostringstream sink;
  iwlog::Logger logger(sink);
  discovery::Discovery discovered(config, logger);
  const auto targets = discovered.Targets();
  REQUIRE(Addresses(targets) == std::vector<std::string>{"a:1", "b:1"});
  CHECK(targets[0].job == "pool");
  CHECK(targets[0].engine == "vllm");
  CHECK(targets[0].interval == std::chrono::seconds(5));
  CHECK(targets[0].labels.ToString() == "{cluster=\"eu-1\", job=\"pool\"}");
  CHECK(targets[0].facts.gpu_count == 4.0);
  CHECK(targets[0].Url() == "http://a:1/metrics");
}

TEST_CASE("file_sd targets are added, changed and removed as files change", "[discovery]") {
  TempDir dir;
  std::filesystem::create_directories(dir.path() / "targets");
  const std::string json = dir.File("targets/a.json");
  WriteText(json, R"([{"targets": ["10.0.0.1:8000"], "labels": {"rack": "r1"}}])");
  const auto config = LoadIn(dir, R"(
scrape_configs:
  - job_name: sd
    file_sd_configs:
      - files: ['targets/*.json', 'targets/*.yml']
        refresh_interval: 1s
)");
  std::ostringstream sink;
  iwlog::Logger logger(sink);
  discovery::Discovery discovered(config, logger);
  CHECK(discovered.RefreshAll());
  auto targets = discovered.Targets();
  REQUIRE(Addresses(targets) == std::vector<std::string>{"10.0.0.1:8000"});
  CHECK(targets[0].labels.Get("rack") == "r1");
  CHECK(discovered.PollInterval() == std::chrono::seconds(1));

  // Nothing changed: no change reported.
  CHECK_FALSE(discovered.RefreshAll());

  // A YAML file appears.
  WriteText(dir.File("targets/b.yml"), "- targets: ['10.0.0.2:8000', '10.0.0.3:8000']\n");
  CHECK(discovered.RefreshAll());
  CHECK(Addresses(discovered.Targets()) ==
        std::vector<std::string>{"10.0.0.1:8000", "10.0.0.2:8000", "10.0.0.3:8000"});

  // A file is edited.
  WriteText(json, R"([{"targets": ["10.0.0.9:8000"]}])");
  Touch(json);
  CHECK(discovered.RefreshAll());
  CHECK(Addresses(discovered.Targets()) ==
        std::vector<std::string>{"10.0.0.2:8000", "10.0.0.3:8000", "10.0.0.9:8000"});

  // A file is removed.
  std::filesystem::remove(dir.File("targets/b.yml"));
  CHECK(discovered.RefreshAll());
  CHECK(Addresses(discovered.Targets()) == std::vector<std::string>{"10.0.0.9:8000"});
}

TEST_CASE("a broken file_sd file keeps its last good targets and logs why", "[discovery]") {
  TempDir dir;
  const std::string file = dir.File("targets.json");
  WriteText(file, R"([{"targets": ["10.0.0.1:8000"]}])");
  const auto config = LoadIn(dir, R"(
scrape_configs:
  - job_name: sd
    file_sd_configs:
      - files: [targets.json]
)");
  std::ostringstream sink;
  iwlog::Logger logger(sink);
  discovery::Discovery discovered(config, logger);
  discovered.RefreshAll();
  WriteText(file, R"([{"targets": ["no-port"]}])");
  Touch(file);
  CHECK_FALSE(discovered.RefreshAll());
  CHECK(Addresses(discovered.Targets()) == std::vector<std::string>{"10.0.0.1:8000"});
  CHECK_THAT(sink.str(), Catch::Contains("targets.json:1:15: file_sd.targets: \\\"no-port\\\" is "
                                         "not host:port"));
}

TEST_CASE("Refresh polls a file_sd config only when its interval is due", "[discovery]") {
  TempDir dir;
  const std::string file = dir.File("t.yml");
  WriteText(file, "- targets: ['h:1']\n");
  const auto config = LoadIn(dir, R"(
scrape_configs:
  - job_name: sd
    file_sd_configs:
      - files: [t.yml]
        refresh_interval: 1h
)");
  std::ostringstream sink;
  iwlog::Logger logger(sink);
  discovery::Discovery discovered(config, logger);
  const auto start = std::chrono::steady_clock::now();
  CHECK(discovered.Refresh(start));
  WriteText(file, "- targets: ['h:2']\n");
  Touch(file);
  CHECK_FALSE(discovered.Refresh(start + std::chrono::minutes(1)));
  CHECK(discovered.Refresh(start + std::chrono::minutes(61)));
  CHECK(Addresses(discovered.Targets()) == std::vector<std::string>{"h:2"});
}
