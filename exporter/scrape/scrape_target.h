// One scrape of one target: fetch, parse and canonicalise, apply limits and the GPU join.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "exporter/discovery/target.h"
#include "exporter/engines/normalizer.h"
#include "exporter/scrape/http_fetch.h"
#include "exporter/store/short_term_store.h"

namespace inferwatch::exporter::scrape {

// A DCGM target's label naming the inference target its GPUs serve; its llm_gpu_* series then
// carry target=<that address>, so rules can join GPU activity to the engine's series.
inline constexpr std::string_view kInferenceTargetLabel = "inference_target";

struct ScrapeReport {
  ScrapeError error = ScrapeError::kNone;
  std::string message;
  std::string engine, version;
  std::vector<store::Sample> samples;
  std::size_t raw_samples = 0;
  std::size_t unmapped_series = 0;
  double duration_seconds = 0;
};

// now_ms stamps samples that carry no timestamp of their own (or all of them when the target
// does not honour timestamps).
ScrapeReport ScrapeTarget(const discovery::Target& target, const Normalizer& normalizer,
                          std::int64_t now_ms);

// Turns a scrape body into stored samples; split from ScrapeTarget so it is testable without HTTP.
ScrapeReport Canonicalize(const discovery::Target& target, const Normalizer& normalizer,
                          std::string_view body, std::string_view content_type,
                          std::int64_t now_ms);

// The llm_target_* series stating the target's configured facts.
void AppendFactSeries(const discovery::Target& target, std::int64_t now_ms,
                      std::vector<store::Sample>& out);

}  // namespace inferwatch::exporter::scrape
