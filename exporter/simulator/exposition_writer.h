// Writes Prometheus text the way each engine's client library does: float spelling, label order
// and where a histogram puts its _sum and _count.
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "exporter/simulator/histogram.h"

namespace inferwatch::exporter::simulator {

enum class FloatStyle {
  kPython,    // prometheus_client: repr() with ".0", Go-style exponent past 6 integer digits
  kRust,      // metrics-exporter-prometheus: shortest round-trip, no exponent, "31" for 31.0
  kCpp6,      // std::ostream default: 6 significant digits ("2.84331e+06")
  kShortest,  // shortest round-trip (Triton)
};

enum class HistogramLayout {
  kMultiprocess,      // prometheus_client multiprocess: labels sorted (le among them), _sum first
  kLeLast,            // buckets with le last, then _sum, then _count (TGI)
  kLeLastCountFirst,  // buckets with le last, then _count, then _sum (Triton)
};

std::string FormatValue(double value, FloatStyle style);

using LabelList = std::vector<std::pair<std::string, std::string>>;

class ExpositionWriter {
 public:
  explicit ExpositionWriter(FloatStyle style) : style_(style) {}

  void Family(std::string_view name, std::string_view type, std::string_view help);
  void Sample(std::string_view name, const LabelList& labels, double value);
  // `unit_scale` converts the histogram's seconds into the engine's unit (1000 for ms).
  void Histogram(std::string_view name, const LabelList& labels, const simulator::Histogram& h,
                 HistogramLayout layout, double unit_scale = 1);
  void BlankLine() { out_ += '\n'; }
  std::string Take() { return std::move(out_); }

 private:
  FloatStyle style_;
  std::string out_;
};

}  // namespace inferwatch::exporter::simulator
