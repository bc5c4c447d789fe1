// The sample handler of the parser benchmarks.
#pragma once

#include "parsers/exposition.h"

namespace inferwatch::bench {

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
