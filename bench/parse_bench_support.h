// What the parser benchmarks share: reading the payload, the limits they parse under, and the
// sample handler.
#pragma once

#include <cstdio>
#include <string>

#include "parsers/exposition.h"

namespace inferwatch::bench {

// The whole file into `body`; false when it cannot be read. Sized first and read in one piece:
// read through a growing string, a payload took up to twice its size at its peak, which the
// benchmark reports as the parser's (peak RSS).
inline bool ReadWholeFile(const char* path, std::string& body) {
  std::FILE* file = std::fopen(path, "rb");
  if (file == nullptr) return false;
  bool ok = std::fseek(file, 0, SEEK_END) == 0;
  const long size = ok ? std::ftell(file) : -1;
  ok = size >= 0 && std::fseek(file, 0, SEEK_SET) == 0;
  if (ok) {
    body.resize(static_cast<std::size_t>(size));
    ok = std::fread(body.data(), 1, body.size(), file) == body.size();
  }
  std::fclose(file);
  return ok;
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
