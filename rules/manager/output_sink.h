// Where rule evaluation writes its results: recorded series, ALERTS, ALERTS_FOR_STATE and the
// staleness markers of series a rule stopped producing. The daemon stores them and serves them;
// the unit-test runner appends them to its in-memory storage.
#pragma once

#include <cstdint>

#include "rules/storage.h"

namespace inferwatch::rules::manager {

class OutputSink {
 public:
  virtual ~OutputSink() = default;
  // value may be StaleNaN(): the series ended at t_ms.
  virtual void Append(const Labels& labels, std::int64_t t_ms, double value) = 0;
};

}  // namespace inferwatch::rules::manager
