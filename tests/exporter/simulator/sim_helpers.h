// Helpers for simulator tests: render a payload and read canonical values from it.
#pragma once

#include <catch2/catch.hpp>
#include <string>

#include "exporter/engines/normalizer.h"
#include "exporter/simulator/simulator.h"

namespace inferwatch::exporter::simulator::testing {

inline NormalizeResult Normalize(const std::string& body) {
  NormalizeInput in;
  in.body = body;
  in.target = "127.0.0.1:9";
  in.configured_engine = "auto";
  return Normalizer::Builtin().Normalize(in);
}

// Sum of every sample named `name` (0 when absent), optionally restricted to one label value.
inline double Sum(const NormalizeResult& r, std::string_view name, std::string_view label = "",
                  std::string_view value = "") {
  double total = 0;
  for (const auto& s : r.samples) {
    if (s.labels.MetricName() != name) continue;
    if (!label.empty() && s.labels.Get(label) != value) continue;
    total += s.value;
  }
  return total;
}

inline bool Has(const NormalizeResult& r, std::string_view name) {
  for (const auto& s : r.samples) {
    if (s.labels.MetricName() == name) return true;
  }
  return false;
}

inline double Mean(const NormalizeResult& r, const std::string& histogram) {
  const double count = Sum(r, histogram + "_count");
  return count > 0 ? Sum(r, histogram + "_sum") / count : 0;
}

inline Options Make(const std::string& engine, const std::string& scenario, double speed = 1) {
  Options options;
  options.engine = engine;
  options.scenario = scenario;
  options.seed = 7;
  options.speed = speed;
  return options;
}

}  // namespace inferwatch::exporter::simulator::testing
