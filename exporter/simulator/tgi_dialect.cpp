// TGI through metrics-exporter-prometheus: no _total, le last, Rust float spelling, a blank line
// after each family, families in name order.
#include "exporter/simulator/dialects.h"
#include "exporter/simulator/exposition_writer.h"

namespace inferwatch::exporter::simulator {
namespace {
constexpr double kMaxInputTokens = 8000;
constexpr double kMaxTotalTokens = 8192;

std::vector<double> Linear(double max) {
  std::vector<double> bounds;
  for (int i = 1; i <= 100; ++i) bounds.push_back(max / 100 * i);
  return bounds;
}
}  // namespace

LatencyBounds TgiBounds() {
  std::vector<double> duration;
  double bound = 0.0001;
  for (int k = 1; k <= 35; ++k) {
    bound *= 1.5;
    duration.push_back(bound);
  }
  return {duration, duration, duration, duration, Linear(kMaxInputTokens), Linear(kMaxTotalTokens)};
}

std::string RenderTgi(const ServingModel& m) {
  ExpositionWriter w(FloatStyle::kRust);
  const Totals& t = m.totals();
  auto gauge = [&](const char* name, const char* help, double value) {
    w.Family(name, "gauge", help);
    w.Sample(name, {}, value);
    w.BlankLine();
  };
  auto histogram = [&](const char* name, const char* help, const Histogram& h) {
    w.Family(name, "histogram", help);
    w.Histogram(name, {}, h, HistogramLayout::kLeLast);
    w.BlankLine();
  };
  gauge("tgi_batch_current_max_tokens", "Maximum tokens for the current batch", m.kv_used_tokens());
  gauge("tgi_batch_current_size", "Current batch size", m.running());
  gauge("tgi_batch_max_total_tokens", "", m.params().kv_capacity_tokens);
  gauge("tgi_queue_size", "Current queue size", m.waiting());
  w.Family("tgi_request_count", "counter", "Total number of requests");
  w.Sample("tgi_request_count", {}, t.received);
  w.BlankLine();
  histogram("tgi_request_duration", "Total time spent processing the request", m.e2e);
  w.Family("tgi_request_failure", "counter", "");
  w.Sample("tgi_request_failure", {{"err", "generation"}},
           t.outcomes[static_cast<int>(Outcome::kError)]);
  w.Sample("tgi_request_failure", {{"err", "incomplete"}},
           t.outcomes[static_cast<int>(Outcome::kAbort)]);
  w.BlankLine();
  histogram("tgi_request_generated_tokens", "Generated tokens per request", m.output_tokens);
  histogram("tgi_request_input_length", "Input token length per request", m.prompt_tokens);
  histogram("tgi_request_mean_time_per_token_duration", "Mean time per token per request", m.tpot);
  histogram("tgi_request_queue_duration", "Time spent in the queue per request", m.queue);
  w.Family("tgi_request_success", "counter", "Number of successful requests");
  w.Sample("tgi_request_success", {},
           t.outcomes[static_cast<int>(Outcome::kStop)] +
               t.outcomes[static_cast<int>(Outcome::kLength)]);
  w.BlankLine();
  return w.Take();
}

}  // namespace inferwatch::exporter::simulator
