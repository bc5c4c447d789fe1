// Small helpers for asserting on canonical series in normalizer tests.
#pragma once

#include <catch2/catch.hpp>
#include <fstream>
#include <initializer_list>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "exporter/engines/normalizer.h"

namespace inferwatch::exporter::testing {

inline std::string ReadFixture(const std::string& name) {
  const std::string path = std::string(INFERWATCH_TEST_DATA) + "/fixtures/exposition/" + name;
  std::ifstream in(path, std::ios::binary);
  REQUIRE(in.good());
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

using Matchers = std::vector<std::pair<std::string, std::string>>;

// The samples named `name` whose labels include every matcher.
inline std::vector<const CanonicalSample*> Select(const NormalizeResult& result,
                                                  std::string_view name,
                                                  const Matchers& matchers = {}) {
  std::vector<const CanonicalSample*> found;
  for (const auto& sample : result.samples) {
    if (sample.labels.MetricName() != name) continue;
    bool match = true;
    for (const auto& [label, value] : matchers) {
      match = match && sample.labels.Get(label) == value;
    }
    if (match) found.push_back(&sample);
  }
  return found;
}

// The value of the only sample that matches; fails the test when there is not exactly one.
inline double Value(const NormalizeResult& result, std::string_view name,
                    const Matchers& matchers = {}) {
  const auto found = Select(result, name, matchers);
  INFO("series " << name);
  REQUIRE(found.size() == 1);
  return found.front()->value;
}

inline NormalizeResult NormalizeText(std::string_view body, std::string_view engine = "auto",
                                     const rules::Labels* target_labels = nullptr) {
  NormalizeInput in;
  in.body = body;
  in.target = "10.0.0.7:8000";
  in.configured_engine = engine;
  in.target_labels = target_labels;
  return Normalizer::Builtin().Normalize(in);
}

}  // namespace inferwatch::exporter::testing
