// The table format itself: a new engine or version is a data change, and bad tables fail with
// the file and line.
#include <catch2/catch.hpp>

#include "exporter/engines/builtin_tables.h"
#include "exporter/engines/canonical_series.h"
#include "exporter/engines/engine_tables.h"
#include "tests/exporter/engines/normalize_helpers.h"

namespace inferwatch::exporter {
namespace {

using testing::Value;

using Tables = std::vector<Normalizer::TableSource>;

NormalizeResult Run(const Normalizer& normalizer, std::string_view body) {
  NormalizeInput in;
  in.body = body;
  in.target = "h:1";
  in.configured_engine = "auto";
  return normalizer.Normalize(in);
}

TEST_CASE("every series the shipped tables produce is canonical and has HELP text", "[engines]") {
  std::vector<EngineTables::Source> sources;
  for (const auto& [name, text] : BuiltinTableTexts()) {
    sources.push_back({std::string(name), std::string(text)});
  }
  const EngineTables tables(sources);
  for (const auto& mapping : tables.metrics()) {
    INFO(mapping.target);
    CHECK_FALSE(CanonicalHelp(mapping.target).empty());
    if (const CanonicalSeries* series = FindCanonicalSeries(mapping.target)) {
      CHECK(mapping.histogram == (series->type == CanonicalType::kHistogram));
    }
  }
  for (const auto& derived : tables.derived()) CHECK_FALSE(CanonicalHelp(derived.target).empty());
  CHECK_FALSE(CanonicalHelp("llm_engine_info").empty());
}

TEST_CASE("a new engine is a table: conversions, label value maps, versions", "[engines]") {
  const Normalizer normalizer(Tables{{"toy.yaml", R"(
engine: toy
detect_prefixes: ["toy_"]
labels: {rename: {served: model}}
version_label: build
versions:
  - {version: "2", present: [toy_latency_ms]}
variants:
  - {variant: fast, with_label: turbo}
metrics:
  - {from: toy_latency_ms, to: llm_request_latency_seconds, type: histogram, convert: ms_to_s}
  - {from: toy_kv_percent, to: llm_kv_cache_usage_ratio, convert: percent_to_ratio}
  - from: toy_done
    to: llm_requests_total
    type: counter
    labels: {why: {rename: outcome, values: {ok: success, boom: error}}}
)"}});
  CHECK(normalizer.Engines() == std::vector<std::string>{"toy"});
  const NormalizeResult r = Run(normalizer,
                                "toy_latency_ms_bucket{served=\"a\",le=\"250\"} 4\n"
                                "toy_latency_ms_bucket{served=\"a\",le=\"+Inf\"} 5\n"
                                "toy_latency_ms_sum{served=\"a\"} 1500\n"
                                "toy_kv_percent{served=\"a\",turbo=\"1\"} 42\n"
                                "toy_done_total{served=\"a\",why=\"ok\"} 8\n"
                                "toy_done_total{served=\"a\",why=\"boom\"} 2\n"
                                "toy_done_total{served=\"a\",why=\"other\"} 1\n");
  REQUIRE_FALSE(r.error);
  CHECK(r.engine == "toy");
  CHECK(r.version == "2");
  CHECK(Value(r, "llm_request_latency_seconds_bucket", {{"le", "0.25"}, {"model", "a"}}) == 4);
  CHECK(Value(r, "llm_request_latency_seconds_bucket", {{"le", "+Inf"}}) == 5);
  CHECK(Value(r, "llm_request_latency_seconds_sum") == 1.5);
  CHECK(Value(r, "llm_kv_cache_usage_ratio") == 0.42);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "success"}}) == 8);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "error"}}) == 2);
  CHECK(Value(r, "llm_requests_total", {{"outcome", "other"}}) == 1);  // unlisted passes through
  CHECK(Value(r, "llm_engine_info", {{"variant", "fast"}, {"model", "a"}}) == 1);
}

TEST_CASE("a version label reported by the engine wins over name rules", "[engines]") {
  const Normalizer normalizer(Tables{{"toy.yaml",
                                      "engine: toy\ndetect_prefixes: [toy_]\nversion_label: build\n"
                                      "versions: [{version: old, present: [toy_x]}]\n"
                                      "metrics: [{from: toy_x, to: llm_requests_running}]\n"}});
  CHECK(Run(normalizer, "toy_x{build=\"3.1.4\"} 1\n").version == "3.1.4");
  CHECK(Run(normalizer, "toy_x 1\n").version == "old");
}

TEST_CASE("malformed tables fail with file, line and cause", "[engines]") {
  auto message = [](const std::string& yaml) {
    try {
      Normalizer normalizer(Tables{{"bad.yaml", yaml}});
    } catch (const std::runtime_error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  CHECK(message("engine: x\nmetrics:\n  - {from: a, to: b}\n") ==
        "bad.yaml:3: canonical series must start with llm_: b");
  CHECK(message("engine: x\nmetrix: []\n") == "bad.yaml:2: unknown key 'metrix'");
  CHECK(message("engine: x\nmetrics:\n  - {from: a, to: llm_a, convert: furlongs}\n")
            .starts_with("bad.yaml:3: unknown conversion 'furlongs'"));
  CHECK(message("engine: x\nmetrics: [{from: a, to: llm_a, type: summary}]\n")
            .starts_with("bad.yaml:2: type must be"));
  CHECK(message("engine: [x\n").starts_with("bad.yaml:"));
  CHECK(message("description: no engine\n") == "bad.yaml:1: missing 'engine'");
}

TEST_CASE("the shipped tables load and cover every engine", "[engines]") {
  const auto engines = Normalizer::Builtin().Engines();
  for (const char* name : {"vllm", "tgi", "sglang", "triton", "llamacpp", "dcgm"}) {
    CHECK(std::find(engines.begin(), engines.end(), name) != engines.end());
  }
}

}  // namespace
}  // namespace inferwatch::exporter
