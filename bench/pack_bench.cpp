// Evaluates rule files (by default the default pack, rules/pack/*.yml) over 100, 1,000 and 5,000
// simulated targets and prints, per target count, the time per evaluation round and the process
// memory. It is also the inferwatch half of bench/rules_vs_prometheus.py, which feeds the same
// data to a real Prometheus through --dump-openmetrics.
//
// Set-up, per target count N: the simulator renders the /metrics payloads of a mix of engines
// (vllm, sglang, tgi) and scenarios (healthy, kv-pressure, queue-buildup); each payload is
// canonicalised by the built-in Normalizer, and the canonical samples are appended, as the
// daemon's scrape loop does, into a ShortTermStore for N distinct targets 10.x.y.z:8000, 20
// scrapes 15 s apart. To keep set-up cheap each engine/scenario pair renders its 20 payloads once
// (the simulator runs fast, so successive payloads are 15 simulated seconds apart) and every
// target of that pair reuses them with only its target label changed: values repeat across
// targets, which is fine for timing since the rules evaluate every series either way. The
// simulator is driven by the wall clock, so two runs never hold identical values: a comparison
// must evaluate the dump written by the same run.
//
// Measured: RuleManager::EvaluateAll over all rules plus appending the outputs to the store (as
// exporter/daemon/rule_runner.cpp does), for several rounds at successive 15 s timestamps; before
// each round (untimed) every target gets one more scrape, unless --frozen. Reports the median and
// minimum round time, the process CPU time per round, the outputs per round, each round's time,
// output-write time and minor page faults (rounds_ms=, append_ms=, page_faults=), with
// --retention-s the median compaction time, and VmRSS/VmHWM from
// /proc/self/status after the rounds (both grow monotonically across target counts since they are
// process-wide).
//
// Options:
//   --pack DIR            evaluate DIR/*.yml (default: the default pack)
//   --rules FILE...       evaluate these rule files instead (e.g. `inferwatch rules compile`
//   output)
//   --rounds R            evaluation rounds per target count (default 5)
//   --end-ms T            place the data so that the last set-up scrape is at T (Unix ms)
//   --dump-openmetrics F  after set-up, write every stored sample to F as OpenMetrics text that
//                         `promtool tsdb create-blocks-from openmetrics` loads (one target count)
//   --frozen              no scrapes between rounds: evaluate the set-up data only, at
//                         last scrape + --eval-delay-ms (default 60000) + r * 15 s, as a Prometheus
//                         does over backfilled blocks
//   --eval-start-stdin    with --frozen: print "pack_bench ready" after set-up and read the first
//                         evaluation timestamp (Unix ms) from a line on stdin, so the rounds can
//                         run at the data age a Prometheus saw
//   --per-rule            also print the output samples of the last round per metric name
//   --rule-times N        also print the N rules that took longest in the last round
//   --retention-s S       steady state: the store keeps S seconds (default: the daemon's hour,
//                         never reached by the default set-up), the set-up scrapes fill them, and
//                         before every round the store is compacted (untimed), as the daemon does
//                         every 10 s. With --warmup-rounds long enough for the rule outputs to
//                         fill S too, no round grows the store: the rounds a long-running daemon
//                         evaluates, without the growth of its first hour (relayouts, new pages).
//                         Each series keeps what the rules read of it (at most S), as in the
//                         daemon (exporter/daemon/rule_runner.h, KeepPolicy)
//   --keep-all            with --retention-s: every series keeps S, whatever the rules read
//   --warmup-rounds W     evaluate W untimed rounds before the measured ones
//
// Build: cmake --build build --target pack_bench && build/bench/pack_bench 100 1000
#include <sys/resource.h>
#include <time.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "exporter/daemon/rule_runner.h"
#include "exporter/engines/normalizer.h"
#include "exporter/simulator/simulator.h"
#include "exporter/store/short_term_store.h"
#include "rules/manager/output_sink.h"
#include "rules/manager/retention_needs.h"
#include "rules/manager/rule_manager.h"
#include "rules/rulefile/diagnostic.h"

namespace {

using inferwatch::exporter::NormalizeInput;
using inferwatch::exporter::Normalizer;
using inferwatch::exporter::store::Sample;
using inferwatch::exporter::store::ShortTermStore;
namespace simulator = inferwatch::exporter::simulator;
namespace daemon = inferwatch::exporter::daemon;
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

// Minor page faults so far: a round that touches memory the allocator has just taken from the
// kernel pays for zeroing every new page.
long MinorFaults() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return usage.ru_minflt;
}

double ProcessCpuMs() {
  timespec ts{};
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return static_cast<double>(ts.tv_sec) * 1e3 + static_cast<double>(ts.tv_nsec) / 1e6;
}

rules::LabelMatcher NameMatcher(rules::MatchType type, const std::string& value) {
  rules::LabelMatcher matcher;
  std::string error;
  if (!rules::MakeLabelMatcher(type, "__name__", value, &matcher, &error)) {
    std::fprintf(stderr, "pack_bench: bad matcher %s: %s\n", value.c_str(), error.c_str());
    std::exit(1);
  }
  return matcher;
}

struct StoreCounts {
  std::size_t series = 0;
  std::size_t samples = 0;  // points other than staleness markers
  std::size_t stale_markers = 0;
  std::int64_t min_t_ms = INT64_MAX;
  std::int64_t max_t_ms = INT64_MIN;
  std::set<std::string> names;
};

StoreCounts CountStore(const ShortTermStore& store) {
  StoreCounts counts;
  const rules::LabelMatcher any = NameMatcher(rules::MatchType::kRegexMatch, ".+");
  store.Select(std::span<const rules::LabelMatcher>(&any, 1), INT64_MIN, INT64_MAX,
               [&](const rules::Labels& labels, std::span<const rules::SamplePoint> points) {
                 ++counts.series;
                 counts.names.emplace(labels.MetricName());
                 for (const auto& point : points) {
                   if (rules::IsStaleNaN(point.v)) {
                     ++counts.stale_markers;
                   } else {
                     ++counts.samples;
                   }
                   counts.min_t_ms = std::min(counts.min_t_ms, point.t_ms);
                   counts.max_t_ms = std::max(counts.max_t_ms, point.t_ms);
                 }
               });
  return counts;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() > suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

// An OpenMetrics family: its samples must be contiguous in the exposition, so the dump writes
// family by family, and a histogram's _bucket, _count and _sum series together.
struct Family {
  std::string type;
  std::vector<std::string> members;  // metric names, in writing order
};

std::map<std::string, Family> GroupFamilies(const std::set<std::string>& names) {
  std::map<std::string, Family> families;
  std::set<std::string> taken;
  for (const auto& name : names) {
    if (!EndsWith(name, "_bucket")) continue;
    const std::string base = name.substr(0, name.size() - 7);
    if (names.count(base + "_count") == 0 || names.count(base + "_sum") == 0) continue;
    if (names.count(base) != 0) continue;  // a series named like the family: keep them apart
    families[base] = {"histogram", {name, base + "_count", base + "_sum"}};
    taken.insert({name, base + "_count", base + "_sum"});
  }
  for (const auto& name : names) {
    if (taken.count(name) != 0) continue;
    if (EndsWith(name, "_total")) {
      const std::string base = name.substr(0, name.size() - 6);
      if (names.count(base) == 0 && families.count(base) == 0) {
        families[base] = {"counter", {name}};
        continue;
      }
    }
    // Prometheus reads an unknown-typed family whatever its sample names are.
    families[name] = {families.count(name) == 0 ? "gauge" : "unknown", {name}};
  }
  return families;
}

void AppendEscaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out += c;
    }
  }
}

void AppendValue(std::string& out, double v) {
  if (std::isnan(v)) {
    out += "NaN";
  } else if (std::isinf(v)) {
    out += v > 0 ? "+Inf" : "-Inf";
  } else {
    char buffer[32];
    std::snprintf(buffer, sizeof buffer, "%.17g", v);
    out += buffer;
  }
}

// Streams every sample of the store (staleness markers left out: OpenMetrics cannot express them)
// family by family, so memory stays flat whatever the target count.
bool DumpOpenMetrics(const ShortTermStore& store, const std::set<std::string>& names,
                     const std::string& path, std::size_t* written) {
  std::FILE* out = std::fopen(path.c_str(), "w");
  if (out == nullptr) {
    std::perror(path.c_str());
    return false;
  }
  std::string buffer;
  buffer.reserve(1 << 20);
  auto flush = [&](bool force) {
    if (force || buffer.size() >= (1 << 20)) {
      std::fwrite(buffer.data(), 1, buffer.size(), out);
      buffer.clear();
    }
  };
  *written = 0;
  for (const auto& [family, info] : GroupFamilies(names)) {
    buffer += "# TYPE " + family + " " + info.type + "\n";
    for (const auto& member : info.members) {
      const rules::LabelMatcher matcher = NameMatcher(rules::MatchType::kEqual, member);
      store.Select(std::span<const rules::LabelMatcher>(&matcher, 1), INT64_MIN, INT64_MAX,
                   [&](const rules::Labels& labels, std::span<const rules::SamplePoint> points) {
                     std::string series = member;
                     bool first = true;
                     for (const auto& [name, value] : labels.pairs()) {
                       if (name == "__name__") continue;
                       series += first ? "{" : ",";
                       first = false;
                       series += name;
                       series += "=\"";
                       AppendEscaped(series, value);
                       series += "\"";
                     }
                     if (!first) series += "}";
                     for (const auto& point : points) {
                       if (rules::IsStaleNaN(point.v)) continue;
                       buffer += series;
                       buffer += ' ';
                       AppendValue(buffer, point.v);
                       char ts[40];
                       std::snprintf(ts, sizeof ts, " %lld.%03lld\n",
                                     static_cast<long long>(point.t_ms / 1000),
                                     static_cast<long long>(point.t_ms % 1000));
                       buffer += ts;
                       ++*written;
                       flush(false);
                     }
                   });
    }
  }
  buffer += "# EOF\n";
  flush(true);
  return std::fclose(out) == 0;
}

std::string Join(const std::vector<double>& values, const char* format) {
  std::string all;
  for (const double v : values) {
    char part[32];
    std::snprintf(part, sizeof part, format, v);
    if (!all.empty()) all += ",";
    all += part;
  }
  return all;
}

double Median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  return values[values.size() / 2];
}

}  // namespace

int main(int argc, char** argv) {
  std::string pack_dir = INFERWATCH_SOURCE_DIR "/rules/pack";
  std::vector<std::string> rule_files;
  std::string dump_path;
  std::int64_t end_ms = -1;  // from the set-up's length unless given
  int retention_s = 0;
  bool keep_all = false;
  int warmup_rounds = 0;
  std::int64_t eval_delay_ms = 60000;
  bool frozen = false;
  bool eval_start_stdin = false;
  bool per_rule = false;
  int rule_times = 0;
  int rounds = 5;
  std::vector<int> target_counts;
  const auto usage = [] {
    std::fprintf(stderr,
                 "usage: pack_bench [--pack DIR | --rules FILE...] [--rounds R] [--end-ms T]\n"
                 "                  [--dump-openmetrics FILE] [--frozen [--eval-delay-ms D]\n"
                 "                  [--eval-start-stdin]] [--per-rule] [--rule-times N]\n"
                 "                  [--retention-s S [--keep-all]] [--warmup-rounds W]\n"
                 "                  [TARGETS...]\n"
                 "(see the comment at the top of bench/pack_bench.cpp)\n");
    return 2;
  };
  const auto is_count = [](const std::string& arg) {
    return !arg.empty() && arg.find_first_not_of("0123456789") == std::string::npos &&
           std::atoi(arg.c_str()) > 0;
  };
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--pack" && has_value) {
      pack_dir = argv[++i];
    } else if (arg == "--rules" && has_value) {
      while (i + 1 < argc && argv[i + 1][0] != '-' && !is_count(argv[i + 1])) {
        rule_files.emplace_back(argv[++i]);
      }
      if (rule_files.empty()) return usage();
    } else if (arg == "--retention-s" && has_value) {
      retention_s = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--keep-all") {
      keep_all = true;
    } else if (arg == "--warmup-rounds" && has_value) {
      warmup_rounds = std::max(0, std::atoi(argv[++i]));
    } else if (arg == "--rounds" && has_value) {
      rounds = std::max(1, std::atoi(argv[++i]));
    } else if (arg == "--end-ms" && has_value) {
      end_ms = std::atoll(argv[++i]);
    } else if (arg == "--eval-delay-ms" && has_value) {
      eval_delay_ms = std::atoll(argv[++i]);
    } else if (arg == "--dump-openmetrics" && has_value) {
      dump_path = argv[++i];
    } else if (arg == "--frozen") {
      frozen = true;
    } else if (arg == "--eval-start-stdin") {
      eval_start_stdin = true;
    } else if (arg == "--per-rule") {
      per_rule = true;
    } else if (arg == "--rule-times" && i + 1 < argc) {
      rule_times = std::atoi(argv[++i]);
    } else if (is_count(arg)) {
      target_counts.push_back(std::atoi(arg.c_str()));
    } else {
      return usage();
    }
  }
  if (target_counts.empty()) target_counts = {100, 1000, 5000};
  if ((!dump_path.empty() || eval_start_stdin) && target_counts.size() != 1) {
    std::fprintf(stderr, "pack_bench: --dump-openmetrics and --eval-start-stdin take one count\n");
    return 2;
  }
  if (eval_start_stdin && !frozen) return usage();

  const std::string source = rule_files.empty() ? pack_dir : "rules";
  const auto files = rule_files.empty() ? PackFiles(pack_dir) : rule_files;
  if (files.empty()) {
    std::fprintf(stderr, "pack_bench: no *.yml files in %s\n", pack_dir.c_str());
    return 1;
  }

  // A steady state needs the retention full of scrapes (and one more, which compaction drops).
  const int setup_scrapes =
      std::max(kScrapes, retention_s > 0 ? retention_s * 1000 / static_cast<int>(kStepMs) + 2 : 0);
  if (end_ms < 0) end_ms = kStartMs + (setup_scrapes - 1) * kStepMs;
  const auto profiles = RenderProfiles(kScrapes);
  std::size_t profile_series = 0;
  for (const auto& profile : profiles) profile_series += profile.labels.back().size();
  std::printf("pack_bench %s=%s files=%zu profiles=%zu series_per_profile_avg=%.1f frozen=%d\n",
              source.c_str(), rule_files.empty() ? pack_dir.c_str() : files.front().c_str(),
              files.size(), profiles.size(),
              static_cast<double>(profile_series) / static_cast<double>(profiles.size()),
              frozen ? 1 : 0);

  struct Result {
    int targets;
    double median_ms;
  };
  std::vector<Result> results;
  for (const int n : target_counts) {
    std::vector<std::string> targets;
    targets.reserve(static_cast<std::size_t>(n));
    for (int t = 0; t < n; ++t) targets.push_back(TargetAddress(t));

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

    ShortTermStore::Options store_options;
    if (retention_s > 0) {
      store_options.retention = std::chrono::seconds(retention_s);
      if (!keep_all) {
        store_options.keep_for =
            daemon::KeepPolicy(std::make_shared<rules::manager::RetentionNeeds>(
                                   manager.groups(), options.lookback_delta_ms),
                               store_options.lookback);
      }
    }
    ShortTermStore store(store_options);
    std::int64_t now_ms = end_ms - (setup_scrapes - 1) * kStepMs;
    for (int i = 0; i < setup_scrapes; ++i, now_ms += kStepMs) {
      AppendScrape(store, profiles, targets, i, now_ms);
      if (retention_s > 0) store.Compact(now_ms);  // as the daemon does while it fills
    }
    const StoreCounts counts = CountStore(store);
    std::printf(
        "pack_bench data targets=%d series=%zu samples=%zu stale_markers=%zu names=%zu "
        "first_ms=%lld last_ms=%lld\n",
        n, counts.series, counts.samples, counts.stale_markers, counts.names.size(),
        static_cast<long long>(counts.min_t_ms), static_cast<long long>(counts.max_t_ms));
    if (!dump_path.empty()) {
      std::size_t written = 0;
      const auto start = std::chrono::steady_clock::now();
      if (!DumpOpenMetrics(store, counts.names, dump_path, &written)) return 1;
      std::printf("pack_bench dump file=%s samples=%zu seconds=%.1f\n", dump_path.c_str(), written,
                  std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    }
    std::fflush(stdout);

    if (frozen) {
      now_ms = end_ms + eval_delay_ms;
      if (eval_start_stdin) {
        std::printf("pack_bench ready\n");
        std::fflush(stdout);
        std::string line;
        if (!std::getline(std::cin, line)) {
          std::fprintf(stderr, "pack_bench: no evaluation timestamp on stdin\n");
          return 1;
        }
        if (std::atoll(line.c_str()) > 0) now_ms = std::atoll(line.c_str());
      }
    }
    const std::int64_t first_eval_ms = now_ms;
    std::vector<double> round_ms;
    std::vector<double> cpu_ms;
    std::vector<double> append_ms;
    std::vector<double> page_faults;
    std::vector<double> compact_ms;
    std::map<std::string, std::size_t> outputs_by_name;
    std::size_t outputs = 0;
    for (int r = -warmup_rounds; r < rounds; ++r, now_ms += kStepMs) {
      // Untimed, like the daemon's scrapes and compactions between rule evaluations.
      if (!frozen)
        AppendScrape(store, profiles, targets, setup_scrapes + warmup_rounds + r, now_ms);
      double compact_took_ms = 0;
      if (retention_s > 0) {
        const auto compact_start = std::chrono::steady_clock::now();
        store.Compact(now_ms);
        compact_took_ms = std::chrono::duration<double, std::milli>(
                              std::chrono::steady_clock::now() - compact_start)
                              .count();
      }
      CollectingSink sink;
      const double cpu_start = ProcessCpuMs();
      const long faults_start = MinorFaults();
      const auto start = std::chrono::steady_clock::now();
      manager.EvaluateAll(now_ms, store, sink);
      auto samples = sink.Take();
      outputs = samples.size();
      if (r + 1 == rounds && per_rule) {
        for (const auto& sample : samples)
          ++outputs_by_name[std::string(sample.labels.MetricName())];
      }
      const auto append_start = std::chrono::steady_clock::now();
      store.AppendUntracked(std::move(samples));
      if (r < 0) continue;  // a warm-up round
      append_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - append_start)
              .count());
      round_ms.push_back(
          std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start)
              .count());
      cpu_ms.push_back(ProcessCpuMs() - cpu_start);
      page_faults.push_back(static_cast<double>(MinorFaults() - faults_start));
      compact_ms.push_back(compact_took_ms);
    }
    const double median = Median(round_ms);
    std::printf(
        "pack_bench targets=%d series=%zu rules=%zu round_ms_median=%.2f round_ms_min=%.2f "
        "cpu_ms_median=%.2f append_ms_median=%.2f outputs=%zu rss_MiB=%.1f hwm_MiB=%.1f "
        "first_eval_ms=%lld "
        "data_age_s=%.1f rounds_ms=%s append_ms=%s page_faults=%s\n",
        n, counts.series, rule_count, median, *std::min_element(round_ms.begin(), round_ms.end()),
        Median(cpu_ms), Median(append_ms), outputs, StatusMiB("VmRSS"), StatusMiB("VmHWM"),
        static_cast<long long>(first_eval_ms), static_cast<double>(first_eval_ms - end_ms) / 1000.0,
        Join(round_ms, "%.1f").c_str(), Join(append_ms, "%.1f").c_str(),
        Join(page_faults, "%.0f").c_str());
    if (retention_s > 0) {
      std::printf(
          "pack_bench compaction targets=%d compact_ms_median=%.1f (untimed, before each round)\n",
          n, Median(compact_ms));
    }
    for (const auto& [name, count] : outputs_by_name) {
      std::printf("pack_bench output name=%s samples=%zu\n", name.c_str(), count);
    }
    if (rule_times > 0) {
      std::vector<std::pair<double, std::string>> times;
      for (const auto& group : manager.Status()) {
        for (const auto& rule : group.rules) {
          times.emplace_back(rule.last_duration_seconds, group.name + "/" + rule.name);
        }
      }
      std::sort(times.rbegin(), times.rend());
      times.resize(std::min(times.size(), static_cast<std::size_t>(rule_times)));
      for (const auto& [seconds, rule] : times) {
        std::printf("pack_bench rule_ms=%.2f rule=%s\n", seconds * 1000, rule.c_str());
      }
    }
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
