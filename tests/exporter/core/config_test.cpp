#include "exporter/config/config.h"

#include <catch2/catch.hpp>

#include "test_support.h"

namespace cfg = inferwatch::exporter::config;
using namespace std::chrono_literals;

namespace {

cfg::Config MustLoad(const std::string& text, const std::string& file = "/etc/iw/inferwatch.yml") {
  auto result = cfg::LoadString(text, file);
  if (auto* error = std::get_if<cfg::ConfigError>(&result)) FAIL(error->ToString());
  return std::get<cfg::Config>(result);
}

std::string ErrorOf(const std::string& text) {
  auto result = cfg::LoadString(text, "bad.yml");
  auto* error = std::get_if<cfg::ConfigError>(&result);
  return error ? error->ToString() : "no error";
}

}  // namespace

TEST_CASE("durations follow Prometheus's syntax", "[config]") {
  CHECK(cfg::ParseDuration("15s") == 15s);
  CHECK(cfg::ParseDuration("1m30s") == 90s);
  CHECK(cfg::ParseDuration("500ms") == 500ms);
  CHECK(cfg::ParseDuration("1h") == 1h);
  CHECK(cfg::ParseDuration("2d") == 48h);
  CHECK(cfg::ParseDuration("0") == 0ms);
  CHECK_FALSE(cfg::ParseDuration(""));
  CHECK_FALSE(cfg::ParseDuration("15"));
  CHECK_FALSE(cfg::ParseDuration("s"));
  CHECK_FALSE(cfg::ParseDuration("30s1m"));
  CHECK_FALSE(cfg::ParseDuration("1.5s"));
  CHECK(cfg::FormatDuration(90s) == "1m30s");
  CHECK(cfg::FormatDuration(200ms) == "200ms");
}

TEST_CASE("byte sizes accept plain numbers and binary units", "[config]") {
  CHECK(cfg::ParseByteSize("1024") == 1024u);
  CHECK(cfg::ParseByteSize("10MB") == 10u << 20);
  CHECK(cfg::ParseByteSize("64KiB") == 64u << 10);
  CHECK(cfg::ParseByteSize("1GB") == 1u << 30);
  CHECK_FALSE(cfg::ParseByteSize("ten"));
  CHECK_FALSE(cfg::ParseByteSize("10XB"));
}

TEST_CASE("a full configuration loads with inheritance and defaults", "[config]") {
  const cfg::Config config = MustLoad(R"(
global:
  scrape_interval: 30s
  scrape_timeout: 5s
  evaluation_interval: 20s
storage:
  retention: 2h
rule_files: [rules/*.yml]
scrape_configs:
  - job_name: vllm-pool
    engine: vllm
    static_configs:
      - targets: ['10.0.0.7:8000', 'gpu-node-2:8000']
        labels: {cluster: eu-1}
        facts:
          gpu_model: NVIDIA H100 80GB HBM3
          gpu_count: 2
          gpu_memory_bytes: 80GiB
          tensor_parallel_size: 2
          model_params: 8e9
  - job_name: fast
    scrape_interval: 1s
    honor_timestamps: false
    sample_limit: 5000
    body_size_limit: 10MB
    file_sd_configs:
      - files: [targets/*.json]
        refresh_interval: 30s
)");
  CHECK(config.base_dir == "/etc/iw");
  CHECK(config.global.scrape_interval == 30s);
  CHECK(config.global.evaluation_interval == 20s);
  CHECK(config.storage.retention == 2h);
  REQUIRE(config.scrape_configs.size() == 2);
  const auto& pool = config.scrape_configs[0];
  CHECK(pool.engine == "vllm");
  CHECK(pool.metrics_path == "/metrics");
  CHECK(pool.scheme == "http");
  CHECK(pool.honor_timestamps);
  CHECK(pool.scrape_interval == 30s);
  CHECK(pool.scrape_timeout == 5s);
  REQUIRE(pool.static_configs.size() == 1);
  CHECK(pool.static_configs[0].targets.size() == 2);
  CHECK(pool.static_configs[0].labels.at("cluster") == "eu-1");
  const auto& facts = pool.static_configs[0].facts;
  CHECK(facts.gpu_model == "NVIDIA H100 80GB HBM3");
  CHECK(facts.gpu_count == 2.0);
  CHECK(facts.gpu_memory_bytes == 80.0 * (1ULL << 30));
  CHECK(facts.tensor_parallel_size == 2.0);
  CHECK(facts.model_params == 8e9);
  const auto& fast = config.scrape_configs[1];
  CHECK(fast.engine == "auto");
  CHECK(fast.scrape_interval == 1s);
  CHECK(fast.scrape_timeout == 1s);  // the inherited 5s is clamped to the job's interval
  CHECK_FALSE(fast.honor_timestamps);
  CHECK(fast.sample_limit == 5000);
  CHECK(fast.body_size_limit == 10u << 20);
  REQUIRE(fast.file_sd_configs.size() == 1);
  CHECK(fast.file_sd_configs[0].refresh_interval == 30s);
}

TEST_CASE("an empty file is the default configuration", "[config]") {
  const cfg::Config config = MustLoad("");
  CHECK(config.global.scrape_interval == 15s);
  CHECK(config.global.scrape_timeout == 10s);
  CHECK(config.scrape_configs.empty());
}

TEST_CASE("bad configurations name file, line, column and field", "[config]") {
  struct Case {
    const char* text;
    const char* error;
  };
  const Case cases[] = {
      {"globl:\n  scrape_interval: 15s\n", "bad.yml:1:1: unknown field \"globl\""},
      {"global:\n  scrape_interval: 15\n",
       "bad.yml:2:20: global.scrape_interval: invalid duration \"15\" (expected e.g. 15s, 1m30s, "
       "500ms)"},
      {"global:\n  scrape_interval: 10s\n  scrape_timeout: 20s\n",
       "bad.yml:3:19: global.scrape_timeout: 20s is longer than global.scrape_interval 10s"},
      {"global:\n  scrape_intervall: 10s\n",
       "bad.yml:2:3: global: unknown field \"scrape_intervall\""},
      {"scrape_configs:\n  - engine: vllm\n",
       "bad.yml:2:5: scrape_configs: missing field \"job_name\""},
      {"scrape_configs:\n  - job_name: a\n    engine: vlm\n",
       "bad.yml:3:13: engine: unknown engine \"vlm\" (expected one of auto, vllm, tgi, sglang, "
       "triton, llamacpp, dcgm)"},
      {"scrape_configs:\n  - job_name: a\n  - job_name: a\n",
       "bad.yml:3:15: job_name: duplicate job \"a\""},
      {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: [localhost]\n",
       "bad.yml:4:19: static_configs.targets: \"localhost\" is not host:port"},
      {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h:1']\n"
       "        labels: {9bad: x}\n",
       "bad.yml:5:18: static_configs.labels: invalid label name \"9bad\""},
      {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h:1']\n"
       "        facts: {gpu_count: many}\n",
       "bad.yml:5:28: facts.gpu_count: expected a non-negative number"},
      {"scrape_configs:\n  - job_name: a\n    static_configs:\n      - targets: ['h:1']\n"
       "        facts: {gpus: 2}\n",
       "bad.yml:5:17: facts: unknown field \"gpus\""},
      {"scrape_configs:\n  - job_name: a\n    scheme: ftp\n",
       "bad.yml:3:13: scheme: expected http or https, got \"ftp\""},
      {"scrape_configs:\n  - job_name: a\n    metrics_path: metrics\n",
       "bad.yml:3:19: metrics_path: must start with \"/\""},
      {"scrape_configs:\n  - job_name: a\n    body_size_limit: lots\n",
       "bad.yml:3:22: body_size_limit: invalid size \"lots\" (expected e.g. 10MB, 512KiB, "
       "1048576)"},
      {"scrape_configs:\n  - job_name: a\n    file_sd_configs:\n      - refresh_interval: 1m\n",
       "bad.yml:4:9: file_sd_configs: missing field \"files\""},
      {"scrape_configs:\n  - job_name: a\n    honor_timestamps: yes please\n",
       "bad.yml:3:23: honor_timestamps: expected true or false"},
      {"scrape_configs: {job_name: a}\n", "bad.yml:1:17: scrape_configs: expected a list"},
      {"global: [1, 2\n", "bad.yml:2:1: invalid YAML: end of sequence flow not found"},
  };
  for (const auto& c : cases) {
    INFO(c.text);
    CHECK(ErrorOf(c.text) == c.error);
  }
}

TEST_CASE("a missing file is reported by name", "[config]") {
  auto result = cfg::LoadFile("/nonexistent/inferwatch.yml");
  auto* error = std::get_if<cfg::ConfigError>(&result);
  REQUIRE(error);
  CHECK(error->ToString() == "/nonexistent/inferwatch.yml: cannot open the configuration file");
}

TEST_CASE("rule_files globs resolve relative to the configuration file", "[config]") {
  inferwatch::testing::TempDir dir;
  std::filesystem::create_directories(dir.path() / "rules");
  inferwatch::testing::WriteText(dir.path() / "rules" / "b.yml", "groups: []\n");
  inferwatch::testing::WriteText(dir.path() / "rules" / "a.yml", "groups: []\n");
  inferwatch::testing::WriteText(dir.path() / "rules" / "c.txt", "");
  const std::string file = dir.File("inferwatch.yml");
  inferwatch::testing::WriteText(file, "rule_files: ['rules/*.yml', 'rules/a.yml']\n");
  auto result = cfg::LoadFile(file);
  REQUIRE(std::holds_alternative<cfg::Config>(result));
  const auto files = std::get<cfg::Config>(result).ResolveRuleFiles();
  REQUIRE(files.size() == 2);
  CHECK(files[0] == (dir.path() / "rules" / "a.yml").string());
  CHECK(files[1] == (dir.path() / "rules" / "b.yml").string());
}
