#include "exporter/simulator/scenarios.h"

namespace inferwatch::exporter::simulator {

// The numbers are chosen so each scenario settles within seconds and differs from the others in
// the canonical series the rule packs watch (see docs/engines.md, "Simulator scenarios").
std::optional<ScenarioParams> FindScenario(std::string_view name) {
  ScenarioParams p;
  if (name == "healthy") return p;
  if (name == "kv-pressure") {
    // Long sequences on a small KV pool: admission fills the pool and decode growth overflows
    // it, so requests are preempted and wait.
    p.arrival_rate = 6;
    p.prompt_mean = 2000;
    p.output_mean = 600;
    p.kv_capacity_tokens = 100000;
    return p;
  }
  if (name == "queue-buildup") {
    // max_num_seqs binds: ~5.5 requests/s served against 12 arriving.
    p.arrival_rate = 12;
    p.prompt_mean = 500;
    p.output_mean = 300;
    p.max_running = 32;
    return p;
  }
  if (name == "prefill-bound") {
    // Long prompts on slow prefill: the first token waits, decoding stays quick.
    p.arrival_rate = 0.5;
    p.prompt_mean = 12000;
    p.output_mean = 100;
    p.prefill_rate = 8000;
    p.kv_capacity_tokens = 400000;
    return p;
  }
  if (name == "decode-bound") {
    // Long outputs and a large batch: each decode step is slow, prefill is not.
    p.arrival_rate = 1.5;
    p.prompt_mean = 300;
    p.output_mean = 1000;
    p.decode_base = 0.015;
    p.decode_per_seq = 0.000567;
    p.kv_capacity_tokens = 400000;
    return p;
  }
  if (name == "errors") {
    p.error_ratio = 0.07;
    p.abort_ratio = 0.03;
    return p;
  }
  return std::nullopt;
}

}  // namespace inferwatch::exporter::simulator
