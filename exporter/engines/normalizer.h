// Engine detection and canonicalisation: turns one scrape body of an inference server (vLLM, TGI,
// SGLang, Triton/TensorRT-LLM, llama.cpp) or a DCGM exporter into the canonical llm_* series.
//
// Engine knowledge lives in data: one YAML table per engine (exporter/engines/tables/*.yaml,
// compiled into the binary) maps each engine metric spelling onto a canonical series with its
// unit conversion and label renames. A new engine version is a table change plus a fixture test.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "parsers/exposition.h"
#include "rules/storage.h"

namespace inferwatch::exporter {

struct CanonicalSample {
  rules::Labels labels;  // includes __name__, target, engine, model where known, target labels
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
};

struct NormalizeInput {
  std::string_view body;               // the scrape body (already decompressed)
  std::string_view content_type;       // response Content-Type ("" if unknown)
  std::string_view target;             // "host:port" -> label target
  std::string_view configured_engine;  // "auto" | "vllm" | "tgi" | "sglang" | "triton" | ...
  const rules::Labels* target_labels = nullptr;  // job + static/discovered labels for every series
  parsers::Limits limits;
};

struct NormalizeResult {
  std::string engine;                    // detected (or configured) engine
  std::string version;                   // detected version; "unknown" when the payload cannot tell
  std::vector<CanonicalSample> samples;  // canonical llm_* series (incl. llm_engine_info)
  std::size_t raw_samples = 0;           // samples in the payload
  std::size_t unmapped_series = 0;       // engine series that matched no mapping
  std::optional<parsers::ParseError> error;  // set => the scrape failed; samples empty
};

class EngineTables;  // the compiled mapping tables (exporter/engines/engine_tables.h)

class Normalizer {
 public:
  // The tables shipped in exporter/engines/tables/*.yaml (compiled in).
  static const Normalizer& Builtin();

  // Builds a normalizer from YAML table texts (one per engine); throws std::runtime_error naming
  // the table, line and cause on a malformed table.
  struct TableSource {
    std::string name;  // e.g. "vllm.yaml", used in error messages
    std::string yaml;
  };
  explicit Normalizer(const std::vector<TableSource>& tables);
  ~Normalizer();
  Normalizer(const Normalizer&) = delete;
  Normalizer& operator=(const Normalizer&) = delete;

  NormalizeResult Normalize(const NormalizeInput& in) const;

  // The engine names the tables define, in table order ("vllm", "tgi", ...).
  std::vector<std::string> Engines() const;

 private:
  std::unique_ptr<const EngineTables> tables_;
};

// Whether `name` is a valid engine setting: "auto" or one of Builtin().Engines().
bool IsKnownEngine(std::string_view name);

}  // namespace inferwatch::exporter
