// Helpers shared by the parser tests: a handler that copies what it is given, and file reading.
#pragma once

#include <fstream>
#include <iterator>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "parsers/exposition.h"

namespace inferwatch::parsers::testing {

struct CopiedFamily {
  std::string name;
  MetricType type;
  std::string help;
  std::string unit;
  std::size_t line;
};

struct CopiedSample {
  std::string family;
  MetricType type;
  std::string name;
  std::vector<std::pair<std::string, std::string>> labels;
  double value;
  std::optional<int64_t> timestamp_ms;
  bool has_exemplar;
  std::size_t line;
};

class Recorder : public SampleHandler {
 public:
  bool OnFamily(const Family& family) override {
    families.push_back({std::string(family.name), family.type, std::string(family.help),
                        std::string(family.unit), family.line});
    return true;
  }
  bool OnSample(const Sample& sample) override {
    CopiedSample copy{std::string(sample.family),
                      sample.type,
                      std::string(sample.name),
                      {},
                      sample.value,
                      sample.timestamp_ms,
                      sample.exemplar != nullptr,
                      sample.line};
    for (const Label& label : sample.labels) {
      copy.labels.emplace_back(std::string(label.name), std::string(label.value));
    }
    samples.push_back(std::move(copy));
    return true;
  }
  std::vector<CopiedFamily> families;
  std::vector<CopiedSample> samples;
};

inline std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

}  // namespace inferwatch::parsers::testing
