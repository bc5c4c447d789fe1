// What follows the family name in a sample name, classified once per sample: the family test
// and the OpenMetrics checks then compare a small integer instead of up to eight strings.
#pragma once

#include <cstdint>
#include <string_view>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

enum class Suffix : uint8_t {
  kNone,  // the sample name is the family name
  kTotal,
  kCreated,
  kBucket,
  kCount,
  kSum,
  kGCount,
  kGSum,
  kInfo,
  kOther,  // anything else: never part of a family
};

constexpr uint32_t SuffixBit(Suffix suffix) {
  return uint32_t{1} << static_cast<unsigned>(suffix);
}

[[gnu::always_inline]] inline Suffix ClassifySuffix(std::string_view text) {
  // Dispatching on the length leaves at most two fixed-size compares.
  switch (text.size()) {
    case 0:
      return Suffix::kNone;
    case 4:
      return text == "_sum" ? Suffix::kSum : Suffix::kOther;
    case 5:
      if (text == "_gsum") return Suffix::kGSum;
      return text == "_info" ? Suffix::kInfo : Suffix::kOther;
    case 6:
      if (text == "_total") return Suffix::kTotal;
      return text == "_count" ? Suffix::kCount : Suffix::kOther;
    case 7:
      if (text == "_bucket") return Suffix::kBucket;
      return text == "_gcount" ? Suffix::kGCount : Suffix::kOther;
    case 8:
      return text == "_created" ? Suffix::kCreated : Suffix::kOther;
    default:
      return Suffix::kOther;
  }
}

inline std::string_view SuffixText(Suffix suffix) {
  switch (suffix) {
    case Suffix::kNone:
      return "";
    case Suffix::kTotal:
      return "_total";
    case Suffix::kCreated:
      return "_created";
    case Suffix::kBucket:
      return "_bucket";
    case Suffix::kCount:
      return "_count";
    case Suffix::kSum:
      return "_sum";
    case Suffix::kGCount:
      return "_gcount";
    case Suffix::kGSum:
      return "_gsum";
    case Suffix::kInfo:
      return "_info";
    case Suffix::kOther:
      break;
  }
  return "?";
}

// Which suffixes put a sample in a family of `type`.
constexpr uint32_t FamilySuffixes(MetricType type, Format format) {
  switch (type) {
    case MetricType::kCounter:
      // 0.0.4 writes "# TYPE x_total counter" and TGI's counters have no suffix at all.
      return SuffixBit(Suffix::kTotal) | SuffixBit(Suffix::kCreated) |
             (format == Format::kOpenMetrics ? 0 : SuffixBit(Suffix::kNone));
    case MetricType::kHistogram:
      return SuffixBit(Suffix::kBucket) | SuffixBit(Suffix::kCount) | SuffixBit(Suffix::kSum) |
             SuffixBit(Suffix::kCreated);
    case MetricType::kGaugeHistogram:
      return SuffixBit(Suffix::kBucket) | SuffixBit(Suffix::kGCount) | SuffixBit(Suffix::kGSum);
    case MetricType::kSummary:
      return SuffixBit(Suffix::kNone) | SuffixBit(Suffix::kCount) | SuffixBit(Suffix::kSum) |
             SuffixBit(Suffix::kCreated);
    case MetricType::kInfo:
      return SuffixBit(Suffix::kInfo);
    default:
      return SuffixBit(Suffix::kNone);
  }
}

}  // namespace inferwatch::parsers
