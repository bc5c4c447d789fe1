// Every engine payload in tests/fixtures/exposition parses in 0.0.4 mode. The expected counts were
// taken with grep, not with this parser: families = "# TYPE" lines (each fixture types every
// family), samples = lines that are neither blank nor comments.
#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <string>

#include "tests/parsers/test_support.h"

namespace inferwatch::parsers {
namespace {

using testing::Recorder;

struct FixtureCounts {
  const char* file;
  std::size_t families;
  std::size_t counters;
  std::size_t gauges;
  std::size_t histograms;
  std::size_t samples;
};

constexpr FixtureCounts kFixtures[] = {
    {"dcgm.prom", 25, 3, 22, 0, 50},           {"llamacpp.prom", 11, 7, 4, 0, 11},
    {"sglang.prom", 27, 8, 14, 5, 157},        {"tgi.prom", 22, 5, 4, 13, 1842},
    {"triton-trtllm.prom", 24, 11, 12, 1, 75}, {"vllm-v0.prom", 19, 4, 8, 7, 107},
    {"vllm-v1.prom", 26, 7, 5, 14, 291},
};

Recorder ParseFixture(const std::string& file) {
  const std::string body =
      testing::ReadFile(std::string(INFERWATCH_TEST_DATA) + "/fixtures/exposition/" + file);
  REQUIRE_FALSE(body.empty());
  REQUIRE(DetectFormat("", body) == Format::kPrometheusText);
  Recorder recorder;
  const auto error = Parse(body, Format::kPrometheusText, recorder);
  INFO(file << ": " << (error ? error->ToString() : ""));
  REQUIRE_FALSE(error);
  return recorder;
}

TEST_CASE("engine fixtures parse with the expected families, types and samples", "[parsers]") {
  for (const FixtureCounts& expected : kFixtures) {
    INFO(expected.file);
    const Recorder recorder = ParseFixture(expected.file);
    std::map<MetricType, std::size_t> by_type;
    for (const auto& family : recorder.families) ++by_type[family.type];
    CHECK(recorder.families.size() == expected.families);
    CHECK(by_type[MetricType::kCounter] == expected.counters);
    CHECK(by_type[MetricType::kGauge] == expected.gauges);
    CHECK(by_type[MetricType::kHistogram] == expected.histograms);
    CHECK(by_type[MetricType::kUnknown] == 0);
    CHECK(recorder.samples.size() == expected.samples);
  }
}

const testing::CopiedFamily* FindFamily(const Recorder& recorder, const std::string& name) {
  for (const auto& family : recorder.families) {
    if (family.name == name) return &family;
  }
  return nullptr;
}

std::size_t SamplesOf(const Recorder& recorder, const std::string& family) {
  return static_cast<std::size_t>(std::count_if(
      recorder.samples.begin(), recorder.samples.end(),
      [&family](const testing::CopiedSample& sample) { return sample.family == family; }));
}

TEST_CASE("a histogram whose name ends in _total keeps its buckets", "[parsers]") {
  const Recorder recorder = ParseFixture("vllm-v1.prom");
  const auto* family = FindFamily(recorder, "vllm:iteration_tokens_total");
  REQUIRE(family != nullptr);
  CHECK(family->type == MetricType::kHistogram);
  // grep -c '^vllm:iteration_tokens_total_' vllm-v1.prom
  CHECK(SamplesOf(recorder, "vllm:iteration_tokens_total") == 16);
  const auto bucket = std::find_if(recorder.samples.begin(), recorder.samples.end(),
                                   [](const testing::CopiedSample& sample) {
                                     return sample.name == "vllm:iteration_tokens_total_bucket";
                                   });
  REQUIRE(bucket != recorder.samples.end());
  CHECK(bucket->type == MetricType::kHistogram);
}

TEST_CASE("counters keep their family with and without _total", "[parsers]") {
  const Recorder tgi = ParseFixture("tgi.prom");
  const auto* request_count = FindFamily(tgi, "tgi_request_count");
  REQUIRE(request_count != nullptr);
  CHECK(request_count->type == MetricType::kCounter);
  CHECK(SamplesOf(tgi, "tgi_request_count") == 1);

  const Recorder vllm = ParseFixture("vllm-v1.prom");
  const auto* prompt_tokens = FindFamily(vllm, "vllm:prompt_tokens_total");
  REQUIRE(prompt_tokens != nullptr);
  CHECK(prompt_tokens->type == MetricType::kCounter);
  CHECK(SamplesOf(vllm, "vllm:prompt_tokens_total") == 1);
}

TEST_CASE("HELP text and labels come through unescaped", "[parsers]") {
  const Recorder recorder = ParseFixture("dcgm.prom");
  const auto* clock = FindFamily(recorder, "DCGM_FI_DEV_SM_CLOCK");
  REQUIRE(clock != nullptr);
  CHECK(clock->help == "SM clock frequency (in MHz).");
  CHECK(SamplesOf(recorder, "DCGM_FI_DEV_SM_CLOCK") == 2);
  const auto& first = recorder.samples.front();
  CHECK(first.name == "DCGM_FI_DEV_SM_CLOCK");
  CHECK(first.value == 1980);
  REQUIRE(first.labels.size() == 10);
  CHECK(first.labels[4].first == "modelName");
  CHECK(first.labels[4].second == "NVIDIA H100 80GB HBM3");
  CHECK(first.line == 4);
}

}  // namespace
}  // namespace inferwatch::parsers
