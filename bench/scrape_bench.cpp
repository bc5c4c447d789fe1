// Scrape-path throughput: canonicalising an engine payload into stored samples, the store append
// that follows, and rendering /metrics from the store. Prints figures; never a test.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <string>

#include "exporter/discovery/target.h"
#include "exporter/engines/normalizer.h"
#include "exporter/scrape/scrape_target.h"
#include "exporter/server/exposition_writer.h"
#include "exporter/store/short_term_store.h"

namespace {

std::string ReadFixture(const std::string& name) {
  std::ifstream in(std::string(INFERWATCH_SOURCE_DIR) + "/tests/exporter/core/data/" + name);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

}  // namespace

int main() {
  using Clock = std::chrono::steady_clock;
  namespace exporter = inferwatch::exporter;
  const std::string body = ReadFixture("vllm-v1.prom");
  if (body.empty()) {
    std::fprintf(stderr, "scrape_bench: fixture tests/exporter/core/data/vllm-v1.prom not found\n");
    return 2;
  }
  exporter::store::ShortTermStore store;
  const auto& normalizer = exporter::Normalizer::Builtin();
  constexpr int kTargets = 100;
  constexpr int kRounds = 20;
  std::size_t samples = 0;
  double canonicalize_s = 0;
  double append_s = 0;
  for (int round = 0; round < kRounds; ++round) {
    for (int t = 0; t < kTargets; ++t) {
      exporter::discovery::Target target;
      target.job = "bench";
      target.address = "10.0." + std::to_string(t / 250) + "." + std::to_string(t % 250) + ":8000";
      target.labels.Set("job", "bench");
      const std::int64_t now_ms = 1'700'000'000'000 + round * 15'000;
      const auto start = Clock::now();
      auto report = exporter::scrape::Canonicalize(target, normalizer, body, "", now_ms);
      const auto middle = Clock::now();
      samples += report.samples.size();
      store.AppendBatch(target.Key(), std::move(report.samples), now_ms);
      const auto end = Clock::now();
      canonicalize_s += std::chrono::duration<double>(middle - start).count();
      append_s += std::chrono::duration<double>(end - middle).count();
    }
  }
  const auto render_start = Clock::now();
  std::string out;
  exporter::server::WriteStore(store, 1'700'000'000'000 + kRounds * 15'000, false, out);
  const double render_s = std::chrono::duration<double>(Clock::now() - render_start).count();
  const double scrapes = kTargets * kRounds;
  std::printf("payload: %zu bytes, %zu canonical samples per scrape\n", body.size(),
              samples / static_cast<std::size_t>(scrapes));
  std::printf("canonicalise: %.1f us/scrape (%.1f MB/s)\n", canonicalize_s / scrapes * 1e6,
              static_cast<double>(body.size()) * scrapes / canonicalize_s / 1e6);
  std::printf("store append: %.1f us/scrape\n", append_s / scrapes * 1e6);
  std::printf("render /metrics: %zu series, %zu bytes, %.1f ms\n", store.SeriesCount(), out.size(),
              render_s * 1e3);
  return 0;
}
