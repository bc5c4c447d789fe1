// Bucket edges that engines ship by default for the canonical latency histograms (from
// /work/shared/fixtures/CATALOG.md: vLLM V1 loggers.py and SGLang collector.py). Used to warn when
// an SLO's latency threshold is not an edge for some engine and no `buckets:` were declared.
// Engines let operators override buckets, so these are defaults, never a guarantee.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace inferwatch::rules::sections {

struct KnownBucketSet {
  std::string engine;
  std::vector<double> edges;  // ascending, +Inf left out
};

// Empty when the histogram is not one whose defaults we know.
std::vector<KnownBucketSet> KnownBuckets(std::string_view histogram);

struct EdgeLookup {
  bool is_edge = false;
  std::optional<double> below;  // the largest edge under the threshold
  std::optional<double> above;  // the smallest edge over it
};
// Looks `threshold` up among ascending `edges` (relative tolerance 1e-9).
EdgeLookup LookupEdge(const std::vector<double>& edges, double threshold);
// "0.1 and 0.25", "0.001 (the first edge)", "2560 (the last edge)".
std::string DescribeNearestEdges(const EdgeLookup& lookup);

}  // namespace inferwatch::rules::sections
