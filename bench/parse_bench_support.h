// What the parser benchmarks share: reading the payload, the limits they parse under, and the
// sample handler.
#pragma once

#include <fstream>
#include <iterator>
#include <string>

#include "parsers/exposition.h"

namespace inferwatch::bench {

// The whole file into `body`; false when it cannot be opened.
inline bool ReadWholeFile(const char* path, std::string& body) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  body.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return true;
}

// The default limits without the body-size and sample-count caps, which the large corpus exceeds.
inline parsers::Limits BenchLimits() {
  parsers::Limits limits;
  limits.max_body_bytes = 0;
  limits.max_samples = 0;
  return limits;
}

// Consumes what a real consumer would look at, so the work cannot be optimised away.
class ChecksumConsumer : public parsers::SampleHandler {
 public:
  bool OnSample(const parsers::Sample& sample) override {
    checksum_ += sample.value + static_cast<double>(sample.labels.size() + sample.name.size());
    return true;
  }
  double checksum() const { return checksum_; }

 private:
  double checksum_ = 0;
};

}  // namespace inferwatch::bench
