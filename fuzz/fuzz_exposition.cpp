// libFuzzer target for the exposition parsers: both grammars, tight and default limits, and lint.
// Every view handed to a handler is read in full so that ASan sees any dangling one.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "parsers/exposition.h"
#include "parsers/lint.h"

namespace {

namespace parsers = inferwatch::parsers;

std::size_t Touch(std::string_view text) {
  std::size_t sum = 0;
  for (const char c : text) sum += static_cast<unsigned char>(c);
  return sum;
}

class Toucher : public parsers::SampleHandler {
 public:
  bool OnFamily(const parsers::Family& family) override {
    checksum_ += Touch(family.name) + Touch(family.help) + Touch(family.unit);
    if (family.line == 0) std::abort();
    return true;
  }
  bool OnSample(const parsers::Sample& sample) override {
    checksum_ += Touch(sample.family) + Touch(sample.name);
    for (const parsers::Label& label : sample.labels) {
      checksum_ += Touch(label.name) + Touch(label.value);
    }
    if (sample.exemplar != nullptr) {
      for (const parsers::Label& label : sample.exemplar->labels) {
        checksum_ += Touch(label.name) + Touch(label.value);
      }
    }
    // A sample always belongs to a family whose name starts its own.
    if (!sample.name.starts_with(sample.family) || sample.line == 0) std::abort();
    return true;
  }
  std::size_t checksum() const { return checksum_; }

 private:
  std::size_t checksum_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
  const std::string_view body(reinterpret_cast<const char*>(data), size);
  parsers::Limits tight;
  tight.max_line_bytes = 256;
  tight.max_labels_per_sample = 4;
  tight.max_label_value_bytes = 32;
  tight.max_samples = 64;
  for (const parsers::Format format :
       {parsers::Format::kPrometheusText, parsers::Format::kOpenMetrics}) {
    Toucher toucher;
    const auto error = parsers::Parse(body, format, toucher);
    if (error && (error->line == 0 || error->column == 0 || error->reason.empty())) std::abort();
    Toucher tight_toucher;
    (void)parsers::Parse(body, format, tight_toucher, tight);
    const parsers::LintResult lint = parsers::Lint(body, format);
    for (const parsers::LintFinding& finding : lint.findings) {
      if (finding.line == 0 || finding.message.empty()) std::abort();
    }
  }
  (void)parsers::DetectFormat(body.substr(0, size / 4), body);
  return 0;
}
