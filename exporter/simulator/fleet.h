// Many simulated inference servers behind one listening socket, for scrape benchmarks: thousands
// of targets cost one process and one port instead of thousands. Each target has its own loopback
// address (127.1.x.y, all routed to `lo` on Linux) so scrapers see distinct instances and label
// their series apart; the fleet tells targets apart by the Host header (or by
// /targets/<i>/metrics for a quick look with curl).
//
// The fleet also records when each scraper (told apart by User-Agent) fetched each target, so
// scrape lateness is measured by the server and in the same way for every scraper:
// lateness = |time between two successive scrapes of a target - the expected interval|.
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "exporter/simulator/simulator.h"

namespace inferwatch::exporter::simulator {

struct FleetOptions {
  std::size_t size = 100;
  Options base;  // engine, scenario and speed for every target; target i uses seed base.seed + i
  double expected_interval_seconds = 15;
  // Extra counter samples per target on top of the dialect's own (~160 for vLLM), standing in
  // for the process, runtime and unmapped series real servers also expose, so a benchmark can
  // reach a realistic payload size.
  std::size_t padding_samples = 0;
  int threads = 32;  // HTTP worker threads
};

class SimulatedFleet {
 public:
  // Throws std::invalid_argument for an unknown engine or scenario, a fault other than "none",
  // or a size of 0 or above MaxSize().
  explicit SimulatedFleet(FleetOptions options);
  ~SimulatedFleet();  // stops
  SimulatedFleet(const SimulatedFleet&) = delete;
  SimulatedFleet& operator=(const SimulatedFleet&) = delete;

  static std::size_t MaxSize();
  // "127.1.<i / 250>.<1 + i % 250>:<port>", the address scrapers should use for target i.
  static std::string TargetAddress(std::size_t index, int port);
  // The inverse of TargetAddress on a Host header value (the port is ignored).
  static std::optional<std::size_t> IndexFromHost(std::string_view host);

  // Serves GET /metrics (target picked by Host), GET /targets/<i>/metrics, GET /stats (the
  // Stats() JSON; ?reset=1 resets after reading). Port 0 picks a free one.
  bool Start(const std::string& host, int port);
  int port() const;
  void Stop();
  std::size_t size() const;

  // Target i's payload now; counts as a scrape by `scraper` (see ScraperName) when not empty.
  std::string Render(std::size_t index, const std::string& scraper = "");

  // "prometheus", "inferwatch" or "other", from a User-Agent value.
  static std::string ScraperName(std::string_view user_agent);

  // Per scraper: scrapes, samples and bytes served, and lateness quantiles (p50, p99, max, in
  // seconds) over the intervals between successive scrapes of each target, with how many
  // intervals were off by more than half the expected one (a missed or doubled scrape).
  nlohmann::json Stats() const;
  // Clears the counters and lateness values but keeps each target's last scrape time, so the
  // first interval after a reset still counts.
  void ResetStats();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferwatch::exporter::simulator
