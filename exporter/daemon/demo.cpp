#include "exporter/daemon/demo.h"

#include <cstdlib>
#include <filesystem>

#include <fmt/format.h>

namespace inferwatch::exporter::daemon {
namespace {

bool HasRuleFiles(const std::filesystem::path& dir) {
  return !config::ExpandGlob("*.yml", dir.string()).empty();
}

struct DemoServer {
  const char* engine;
  const char* scenario;
  const char* gpu_model;
};

}  // namespace

std::string FindRulePack() {
  std::vector<std::filesystem::path> candidates;
  if (const char* source = std::getenv("INFERWATCH_SOURCE_DIR")) {
    candidates.emplace_back(std::filesystem::path(source) / "rules" / "pack");
  }
  candidates.emplace_back(std::filesystem::path(INFERWATCH_SOURCE_DIR) / "rules" / "pack");
  std::error_code error;
  const auto executable = std::filesystem::read_symlink("/proc/self/exe", error);
  if (!error) {
    const auto dir = executable.parent_path();
    candidates.push_back(dir / "rules" / "pack");
    candidates.push_back(dir.parent_path() / "rules" / "pack");
    candidates.push_back(dir.parent_path() / "share" / "inferwatch" / "rules" / "pack");
  }
  for (const auto& candidate : candidates) {
    if (HasRuleFiles(candidate)) return candidate.lexically_normal().string();
  }
  return "";
}

std::variant<DemoEnvironment, std::string> StartDemo(const std::string& rule_pack_dir) {
  static constexpr DemoServer kServers[] = {
      {"vllm", "kv-pressure", "NVIDIA H100 80GB HBM3"},
      {"tgi", "healthy", "NVIDIA A100-SXM4-80GB"},
      {"sglang", "queue-buildup", "NVIDIA H100 80GB HBM3"},
  };
  DemoEnvironment environment;
  config::Config& config = environment.config;
  config.global.scrape_interval = std::chrono::seconds(2);
  config.global.scrape_timeout = std::chrono::seconds(1);
  config.global.evaluation_interval = std::chrono::seconds(2);
  config.base_dir = std::filesystem::current_path().string();
  if (!rule_pack_dir.empty()) config.rule_files.push_back(rule_pack_dir + "/*.yml");
  std::uint64_t seed = 1;
  for (const auto& server : kServers) {
    simulator::Options options;
    options.engine = server.engine;
    options.scenario = server.scenario;
    options.seed = seed++;
    auto simulated = std::make_unique<simulator::SimulatedServer>(options);
    if (!simulated->Start("127.0.0.1", 0)) {
      return fmt::format("cannot start the simulated {} server on 127.0.0.1", server.engine);
    }
    const std::string address = fmt::format("127.0.0.1:{}", simulated->port());
    config::ScrapeConfig scrape;
    scrape.job_name = fmt::format("demo-{}", server.engine);
    scrape.engine = server.engine;
    scrape.scrape_interval = config.global.scrape_interval;
    scrape.scrape_timeout = config.global.scrape_timeout;
    config::StaticConfig group;
    group.targets = {address};
    group.labels = {{"cluster", "demo"}};
    group.facts.gpu_model = server.gpu_model;
    group.facts.gpu_count = 1;
    group.facts.gpu_memory_bytes = 80.0 * (1ULL << 30);
    group.facts.tensor_parallel_size = 1;
    group.facts.model_params = 8e9;
    scrape.static_configs.push_back(std::move(group));
    config.scrape_configs.push_back(std::move(scrape));
    environment.description.push_back(fmt::format("simulated {:<6} ({}): http://{}/metrics",
                                                  server.engine, server.scenario, address));
    environment.servers.push_back(std::move(simulated));
  }
  environment.description.push_back(rule_pack_dir.empty()
                                        ? std::string("rule pack: not found (no rules evaluated)")
                                        : fmt::format("rule pack: {}", rule_pack_dir));
  return environment;
}

}  // namespace inferwatch::exporter::daemon
