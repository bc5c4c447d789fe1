// Workload and engine parameters of each named scenario.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace inferwatch::exporter::simulator {

struct ScenarioParams {
  double arrival_rate = 4;         // requests per second
  double prompt_mean = 600;        // tokens
  double output_mean = 200;        // tokens
  double prefill_rate = 20000;     // prompt tokens per second
  double decode_base = 0.012;      // seconds per decode step with an empty batch
  double decode_per_seq = 0.0002;  // extra seconds per step for each running sequence
  int max_running = 256;           // the engine's max_num_seqs
  double kv_capacity_tokens = 200000;
  double prefix_hit_ratio = 0.3;  // share of prompt tokens found in the prefix cache
  double error_ratio = 0.002;     // finished requests that fail
  double abort_ratio = 0.003;     // finished requests the client aborted
  double length_ratio = 0.08;     // successes that stopped at max_tokens
};

// The parameters of a named scenario, or nullopt for an unknown name.
std::optional<ScenarioParams> FindScenario(std::string_view name);

}  // namespace inferwatch::exporter::simulator
