#include "exporter/scrape/scrape_target.h"

#include <chrono>

#include <fmt/format.h>

#include "parsers/exposition.h"

namespace inferwatch::exporter::scrape {
namespace {

rules::Labels FactLabels(const discovery::Target& target, std::string_view name) {
  rules::Labels labels = target.labels;
  labels.Set("__name__", name);
  labels.Set("target", target.address);
  return labels;
}

// The body limit of a target: its body_size_limit, or unset the parser's own. Reading stops
// there too: a body past it would be read whole only to be refused, so a target sending a
// gigabyte would cost a gigabyte of memory first.
std::size_t BodyLimit(const discovery::Target& target) {
  return target.body_size_limit > 0 ? target.body_size_limit : parsers::Limits{}.max_body_bytes;
}

}  // namespace

void AppendFactSeries(const discovery::Target& target, std::int64_t now_ms,
                      std::vector<store::Sample>& out) {
  const config::TargetFacts& facts = target.facts;
  if (facts.empty()) return;
  rules::Labels info = FactLabels(target, "llm_target_facts_info");
  info.Set("gpu_model", facts.gpu_model);
  out.push_back({std::move(info), {now_ms, 1}});
  auto add = [&](std::string_view name, const std::optional<double>& value) {
    if (value) out.push_back({FactLabels(target, name), {now_ms, *value}});
  };
  add("llm_target_gpus", facts.gpu_count);
  add("llm_target_gpu_memory_bytes", facts.gpu_memory_bytes);
  add("llm_target_tensor_parallel_size", facts.tensor_parallel_size);
  add("llm_target_model_params", facts.model_params);
}

ScrapeReport Canonicalize(const discovery::Target& target, const Normalizer& normalizer,
                          std::string_view body, std::string_view content_type,
                          std::int64_t now_ms) {
  ScrapeReport report;
  NormalizeInput input;
  input.body = body;
  input.content_type = content_type;
  input.target = target.address;
  input.configured_engine = target.engine;
  input.target_labels = &target.labels;
  input.limits.max_body_bytes = BodyLimit(target);
  NormalizeResult normalized = normalizer.Normalize(input);
  report.engine = std::move(normalized.engine);
  report.version = std::move(normalized.version);
  report.raw_samples = normalized.raw_samples;
  report.unmapped_series = normalized.unmapped_series;
  if (normalized.error) {
    report.error = ScrapeError::kParse;
    report.message = normalized.error->ToString();
    return report;
  }
  if (target.sample_limit > 0 && normalized.raw_samples > target.sample_limit) {
    report.error = ScrapeError::kSampleLimit;
    report.message = fmt::format("{} samples exceed sample_limit {}", normalized.raw_samples,
                                 target.sample_limit);
    return report;
  }
  const std::string_view joined_target = target.labels.Get(kInferenceTargetLabel);
  report.samples.reserve(normalized.samples.size() + 5);
  for (auto& sample : normalized.samples) {
    const std::int64_t t =
        target.honor_timestamps && sample.timestamp_ms ? *sample.timestamp_ms : now_ms;
    if (!joined_target.empty()) {
      sample.labels.Set("target", joined_target);
      sample.labels.Remove(kInferenceTargetLabel);
    }
    report.samples.push_back({std::move(sample.labels), {t, sample.value}});
  }
  AppendFactSeries(target, now_ms, report.samples);
  return report;
}

ScrapeReport ScrapeTarget(const discovery::Target& target, const Normalizer& normalizer,
                          std::int64_t now_ms) {
  const auto start = std::chrono::steady_clock::now();
  FetchResult fetched = Fetch(target, BodyLimit(target));
  ScrapeReport report;
  if (fetched.error != ScrapeError::kNone) {
    report.error = fetched.error;
    report.message = std::move(fetched.message);
  } else {
    report = Canonicalize(target, normalizer, fetched.body, fetched.content_type, now_ms);
  }
  report.duration_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace inferwatch::exporter::scrape
