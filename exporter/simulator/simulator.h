// Simulated inference servers: a queueing model of a serving engine (arrivals, prompt/output
// token distributions, prefill/decode token throughput, KV-cache capacity) advanced by wall-clock
// time, exposed on GET /metrics in one engine's exposition dialect. Used by `inferwatch simulate`,
// the demo and the end-to-end tests.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace inferwatch::exporter::simulator {

struct Options {
  std::string engine = "vllm";       // vllm | tgi | sglang | triton | llamacpp
  std::string scenario = "healthy";  // see Scenarios()
  std::string fault = "none";        // see Faults()
  std::uint64_t seed = 1;
  double speed = 1.0;  // simulated seconds per wall-clock second
};

// healthy kv-pressure queue-buildup prefill-bound decode-bound errors
const std::vector<std::string>& Scenarios();
// none slow hang truncated garbage huge http500
const std::vector<std::string>& Faults();
const std::vector<std::string>& Engines();

class SimulatedServer {
 public:
  // Throws std::invalid_argument for an unknown engine, scenario or fault.
  explicit SimulatedServer(Options options);
  ~SimulatedServer();  // stops
  SimulatedServer(const SimulatedServer&) = delete;
  SimulatedServer& operator=(const SimulatedServer&) = delete;

  bool Start(const std::string& host, int port);  // port 0 = pick a free one; serves GET /metrics
  int port() const;
  void Stop();
  // Both are thread-safe and take effect immediately; they throw std::invalid_argument for an
  // unknown name.
  void SetScenario(const std::string& scenario);
  void SetFault(const std::string& fault);

  // The body GET /metrics would return now without a fault (for tests and benchmarks).
  std::string RenderMetrics();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace inferwatch::exporter::simulator
