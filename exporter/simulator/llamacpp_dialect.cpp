// llama.cpp server --metrics: no labels, ostream's 6 significant digits, no histograms.
#include <cmath>

#include "exporter/simulator/dialects.h"
#include "exporter/simulator/exposition_writer.h"

namespace inferwatch::exporter::simulator {

LatencyBounds LlamacppBounds() {
  return {};
}

std::string RenderLlamacpp(const ServingModel& m) {
  ExpositionWriter w(FloatStyle::kCpp6);
  const Totals& t = m.totals();
  auto one = [&](const char* name, const char* type, const char* help, double value) {
    w.Family(name, type, help);
    w.Sample(name, {}, value);
  };
  one("llamacpp:prompt_tokens_total", "counter", "Number of prompt tokens processed.",
      t.prompt_tokens);
  one("llamacpp:prompt_seconds_total", "counter", "Prompt process time", t.prompt_seconds);
  one("llamacpp:tokens_predicted_total", "counter", "Number of generation tokens processed.",
      t.generation_tokens);
  one("llamacpp:tokens_predicted_seconds_total", "counter", "Predict process time",
      t.decode_seconds);
  one("llamacpp:n_decode_total", "counter", "Total number of llama_decode() calls",
      std::floor(t.decode_steps));
  one("llamacpp:n_busy_slots_per_decode", "counter",
      "Average number of busy slots per llama_decode() call",
      t.decode_steps > 0 ? t.busy_slot_steps / t.decode_steps : 0);
  one("llamacpp:prompt_tokens_seconds", "gauge", "Average prompt throughput in tokens/s.",
      t.prompt_seconds > 0 ? t.prompt_tokens / t.prompt_seconds : 0);
  one("llamacpp:predicted_tokens_seconds", "gauge", "Average generation throughput in tokens/s.",
      t.decode_seconds > 0 ? t.generation_tokens / t.decode_seconds : 0);
  one("llamacpp:requests_processing", "gauge", "Number of requests processing.", m.running());
  one("llamacpp:requests_deferred", "gauge", "Number of requests deferred.", m.waiting());
  return w.Take();
}

}  // namespace inferwatch::exporter::simulator
