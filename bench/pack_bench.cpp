// Evaluates the default rule pack (rules/pack/*.yml) over 100, 1,000 and 5,000 simulated targets
// and prints, per target count, the time per evaluation round and the process memory.
//
// Set-up, per target count N: the simulator renders the /metrics payloads of a mix of engines
// (vllm, sglang, tgi) and scenarios (healthy, kv-pressure, queue-buildup); each payload is
// canonicalised by the built-in Normalizer, and the canonical samples are appended, as the
// daemon's scrape loop does, into a ShortTermStore for N distinct targets 10.x.y.z:8000, 20
// scrapes 15 s apart. To keep set-up cheap each engine/scenario pair renders its 20 payloads once
// (the simulator runs fast, so successive payloads are 15 simulated seconds apart) and every
// target of that pair reuses them with only its target label changed: values repeat across
// targets, which is fine for timing since the rules evaluate every series either way.
//
// Measured: RuleManager::EvaluateAll over the whole pack plus appending the outputs to the store
// (as exporter/daemon/rule_runner.cpp does), for several rounds at successive 15 s timestamps;
// before each round (untimed) every target gets one more scrape. Reports the median and minimum
// round time, the outputs per round, and VmRSS/VmHWM from /proc/self/status after the rounds
// (both grow monotonically across target counts since they are process-wide).
//
// Usage: pack_bench [--pack DIR] [--rounds R] [TARGETS...]   (default targets: 100 1000 5000)
// Build: cmake --build build --target pack_bench && build/bench/pack_bench 100 1000
#include <algorithm>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exporter/engines/normalizer.h"
#include "exporter/simulator/simulator.h"
#include "exporter/store/short_term_store.h"
#include "rules/manager/output_sink.h"
#include "rules/manager/rule_manager.h"
#include "rules/rulefile/diagnostic.h"

namespace {

using inferwatch::exporter::NormalizeInput;
using inferwatch::exporter::Normalizer;
using inferwatch::exporter::store::Sample;
using inferwatch::exporter::store::ShortTermStore;
namespace simulator = inferwatch::exporter::simulator;
namespace rules = inferwatch::rules;

constexpr std::int64_t kStepMs = 15000;
constexpr int kScrapes = 20;
constexpr std::int64_t kStartMs = 1'700'000'000'000;

// Collects one round's outputs, like the daemon's StoreSink, to append them to the store.
class CollectingSink final : public rules::manager::OutputSink {
 public:
  void Append(const rules::Labels& labels, std::int64_t t_ms, double value) override {
    samples_.push_back({labels, {t_ms, value}});
  }
  std::vector<Sample> Take() { return std::move(samples_); }

 private:
  std::vector<Sample> samples_;
};

// One engine/scenario pair's canonical samples per scrape, target label still unset.
struct Profile {
  std::string name;
  std::vector<std::vector<rules::Labels>> labels;  // [scrape][series]
  std::vector<std::vector<double>> values;         // [scrape][series]
};

std::vector<Profile> RenderProfiles(int scrapes) {
  static const char* const kEngines[] = {"vllm", "sglang", "tgi"};
  static const char* const kScenarios[] = {"healthy", "kv-pressure", "queue-buildup"};
  // 600 simulated seconds per wall second: a 25 ms pause between renders is 15 simulated s.
  constexpr double kSpeed = 600;
  std::vector<Profile> profiles;
  std::uint64_t seed = 1;
  for (const char* engine : kEngines) {
    for (const char* scenario : kScenarios) {
      simulator::Options options;
      options.engine = engine;
      options.scenario = scenario;
      options.seed = seed++;
      options.speed = kSpeed;
      simulator::SimulatedServer server(options);
      Profile profile;
      profile.name = std::string(engine) + "/" + scenario;
      for (int i = 0; i < scrapes; ++i) {
        if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(25));
        const std::string body = server.RenderMetrics();
        NormalizeInput in;
        in.body = body;
        in.target = "placeholder:0";
        in.configured_engine = engine;
        auto result = Normalizer::Builtin().Normalize(in);
        if (result.error) {
          std::fprintf(stderr, "pack_bench: %s: normalisation failed\n", profile.name.c_str());
          std::exit(1);
        }
        std::vector<rules::Labels> labels;
        std::vector<double> values;
        for (auto& sample : result.samples) {
          labels.push_back(std::move(sample.labels));
          values.push_back(sample.value);
        }
        profile.labels.push_back(std::move(labels));
        profile.values.push_back(std::move(values));
      }
      profiles.push_back(std::move(profile));
    }
  }
  return profiles;
}

std::string TargetAddress(int t) {
  return "10." + std::to_string(t / 65536 % 256) + "." + std::to_string(t / 256 % 256) + "." +
         std::to_string(t % 256) + ":8000";
}

// Appends scrape `scrape` (payload index cycles over the rendered ones) of every target at t_ms.
void AppendScrape(ShortTermStore& store, const std::vector<Profile>& profiles,
                  const std::vector<std::string>& targets, int scrape, std::int64_t t_ms) {
  for (std::size_t t = 0; t < targets.size(); ++t) {
    const Profile& profile = profiles[t % profiles.size()];
    const auto index = static_cast<std::size_t>(scrape) % profile.labels.size();
    const auto& labels = profile.labels[index];
    const auto& values = profile.values[index];
    std::vector<Sample> batch;
    batch.reserve(labels.size());
    for (std::size_t s = 0; s < labels.size(); ++s) {
      rules::Labels series = labels[s];
      series.Set("target", targets[t]);
      batch.push_back({std::move(series), {t_ms, values[s]}});
    }
    store.AppendBatch(targets[t], std::move(batch), t_ms);
  }
}

// A "Vm...:" line of /proc/self/status in MiB, or -1.
double StatusMiB(const std::string& key) {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line)) {
    if (line.rfind(key + ":", 0) == 0)
      return std::strtod(line.c_str() + key.size() + 1, nullptr) / 1024.0;
  }
  return -1;
}

std::vector<std::string> PackFiles(const std::string& dir) {
  std::vector<std::string> files;
  std::error_code error;
  for (const auto& entry : std::filesystem::directory_iterator(dir, error)) {
    if (entry.is_regular_file() && entry.path().extension() == ".yml") {
      files.push_back(entry.path().string());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

}  // namespace

int main(int argc, char** argv) {
  std::string pack_dir = INFERWATCH_SOURCE_DIR "/rules/pack";
  int rounds = 5;
  std::vector<int> target_counts;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--pack" && i + 1 < argc) {
      pack_dir = argv[++i];
    } else if (arg == "--rounds" && i + 1 < argc) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (!arg.empty() && arg[0] != '-' && std::atoi(arg.c_str()) > 0) {
      target_counts.push_back(std::atoi(arg.c_str()));
    } else {
      std::fprintf(stderr, "usage: pack_bench [--pack DIR] [--rounds R] [TARGETS...]\n");
      return 2;
    }
  }
  if (target_counts.empty()) target_counts = {100, 1000, 5000};

  const auto files = PackFiles(pack_dir);
  if (files.empty()) {
    std::fprintf(stderr, "pack_bench: no *.yml files in %s\n", pack_dir.c_str());
    return 1;
  }

  const auto profiles = RenderProfiles(kScrapes);
  std::size_t profile_series = 0;
  for (const auto& profile : profiles) profile_series += profile.labels.back().size();
  std::printf("pack_bench pack=%s files=%zu profiles=%zu series_per_profile_avg=%.1f\n",
              pack_dir.c_str(), files.size(), profiles.size(),
              static_cast<double>(profile_series) / static_cast<double>(profiles.size()));

  struct Result {
    int targets;
    double median_ms;
  };
  std::vector<Result> results;
  for (const int n : target_counts) {
    std::vector<std::string> targets;
    targets.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) targets.push_back(TargetAddress(t));

    ShortTermStore store;
    std::int64_t now_ms = kStartMs;
    for (int i = 0; i < kScrapes; ++i, now_ms += kStepMs) {
      AppendScrape(store, profiles, targets, i, now_ms);
    }
    const std::size_t series = store.SeriesCount();

    rules::manager::ManagerOptions options;
    options.default_interval_ms = kStepMs;
    rules::manager::RuleManager manager(options);
    const auto diagnostics = manager.Load(files);
    if (rules::rulefile::HasErrors(diagnostics)) {
      for (const auto& diagnostic : diagnostics) {
        std::fprintf(stderr, "%s\n", rules::rulefile::FormatDiagnostic(diagnostic).c_str());
      }
      return 1;
    }
    std::size_t rule_count = 0;
    for (const auto& group : manager.Status()) rule_count += group.rules.size();

    std::vector<double> round_ms;
    std::size_t outputs = 0;
    for (int r = 0; r < rounds; ++r, now_ms += kStepMs) {
      AppendScrape(store, profiles, targets, kScrapes + r, now_ms);  // untimed
      CollectingSink sink;
      const auto start = std::chrono::steady_clock::now();
      manager.EvaluateAll(now_ms, store, sink);
      auto samples = sink.Take();
      outputs = samples.size();
      store.AppendUntracked(std::move(samples));
      round_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
    }
    std::string all;
    for (const double ms : round_ms) {
      char part[32];
      std::snprintf(part, sizeof part, "%s%.1f", all.empty() ? "" : ",", ms);
      all += part;
    }
    std::vector<double> sorted = round_ms;
    std::sort(sorted.begin(), sorted.end());
    const double median = sorted[sorted.size() / 2];
    std::printf(
        "pack_bench targets=%d series=%zu rules=%zu round_ms_median=%.2f round_ms_min=%.2f "
        "outputs=%zu rss_MiB=%.1f hwm_MiB=%.1f rounds_ms=%s\n",
        n, series, rule_count, median, sorted.front(), outputs, StatusMiB("VmRSS"),
        StatusMiB("VmHWM"), all.c_str());
    std::fflush(stdout);
    results.push_back({n, median});
  }

  std::string summary;
  for (const auto& result : results) {
    char part[96];
    std::snprintf(part, sizeof part, " %d:%.2fms(%.1fus/target)", result.targets, result.median_ms,
                  result.median_ms * 1000.0 / result.targets);
    summary += part;
  }
  std::printf("pack_bench summary rounds=%d median_round:%s\n", rounds, summary.c_str());
  return 0;
}
