// A serving engine as a queue: Poisson arrivals with random prompt/output lengths, FIFO
// admission bounded by max_num_seqs and KV-cache capacity, a prefill token budget, decode steps
// whose duration grows with the batch, and preemption when decode growth overflows the KV pool.
// Everything the dialects print is derived from this one state, so the series agree.
#pragma once

#include <cstdint>
#include <deque>
#include <random>
#include <vector>

#include "exporter/simulator/histogram.h"
#include "exporter/simulator/scenarios.h"

namespace inferwatch::exporter::simulator {

// Finished-request outcomes as vLLM names them.
enum class Outcome { kStop, kLength, kAbort, kError };

struct Totals {
  double prompt_tokens = 0;
  double generation_tokens = 0;
  double prefix_queries = 0;
  double prefix_hits = 0;
  double preemptions = 0;
  double received = 0;
  double outcomes[4] = {0, 0, 0, 0};  // by Outcome
  double request_seconds = 0;         // summed end-to-end latency
  double queue_seconds = 0;
  double decode_steps = 0;
  double busy_slot_steps = 0;  // running sequences summed over decode steps
  double prompt_seconds = 0;   // time spent in prefill
  double decode_seconds = 0;   // time spent in decode steps
};

// Histogram bucket bounds in seconds, as the engine's dialect declares them.
// Token-length histograms use token bounds.
struct LatencyBounds {
  std::vector<double> ttft, itl, e2e, queue, prompt_tokens, output_tokens;
};

class ServingModel {
 public:
  ServingModel(ScenarioParams params, std::uint64_t seed, const LatencyBounds& bounds);

  void SetParams(const ScenarioParams& params) { params_ = params; }
  const ScenarioParams& params() const { return params_; }

  // Advances simulated time by `seconds` in fixed steps.
  void Advance(double seconds);

  double now() const { return now_; }
  int running() const { return static_cast<int>(running_.size()); }
  int waiting() const { return static_cast<int>(waiting_.size()); }
  double kv_used_tokens() const { return kv_used_; }
  double kv_usage_ratio() const;
  double current_itl() const { return last_itl_; }
  const Totals& totals() const { return totals_; }

  Histogram ttft;
  Histogram itl;   // one observation per generated token
  Histogram tpot;  // one observation per finished request: its mean time per output token
  Histogram e2e;
  Histogram queue;
  Histogram prompt_tokens;  // per request admitted for the first time
  Histogram output_tokens;  // per finished request

  static constexpr double kStepSeconds = 0.05;
  static constexpr std::size_t kMaxWaiting = 200000;

 private:
  struct Request {
    double arrival = 0;
    double admitted = -1;  // first admission
    double prefill_left = 0;
    double prompt = 0;
    double output = 0;
    double generated = 0;
    double progress = 0;  // fractional decode tokens
    double first_token_at = -1;
  };

  void Step();
  void Admit(double at);
  double SampleLength(double mean);
  Outcome SampleOutcome();
  void Finish(const Request& r, Outcome outcome);

  ScenarioParams params_;
  std::mt19937_64 rng_;
  double now_ = 0;
  double kv_used_ = 0;
  double last_itl_ = 0;
  std::deque<Request> waiting_;
  std::vector<Request> running_;
  Totals totals_;
};

}  // namespace inferwatch::exporter::simulator
