// The semantic rules of OpenMetrics 1.0 that go beyond the line grammar: family grouping and
// interleaving, name clashes, timestamps within a group, value ranges per type, exemplar
// placement, and histogram bucket structure. Streaming: state is per family and per group.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "parsers/exposition.h"
#include "parsers/sample_line.h"
#include "parsers/suffix.h"

namespace inferwatch::parsers {

// A set of 64-bit hashes that is emptied in O(1) and keeps its memory between families.
class GenerationalHashSet {
 public:
  void Clear();
  bool Contains(uint64_t hash) const;
  void Insert(uint64_t hash);

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t generation = 0;
  };
  void Grow();
  std::vector<Slot> slots_;
  std::size_t size_ = 0;
  uint32_t generation_ = 1;
};

class OpenMetricsChecker {
 public:
  void StartFamily(std::string_view name, MetricType type);

  // Rejects a family whose sample names (for its type) an earlier family already used: families
  // must not be split, repeated, or clash (a counter "a" and a gauge "a_created").
  std::optional<ParseError> CheckNewFamilyName(std::string_view name, MetricType type,
                                               std::size_t line) const;

  // `suffix` is what follows the family name in the sample name, one the family's type allows.
  std::optional<ParseError> CheckSample(const ParsedSample& sample, Suffix suffix,
                                        std::size_t line) {
    if (suffix == Suffix::kBucket) return CheckBucket(sample, line);
    return CheckOtherSample(sample, suffix, line);
  }

  // Ends the current family: finishes its last histogram group and records its names so a later
  // family reusing one is rejected. `line` locates errors found here.
  std::optional<ParseError> FinishFamily(std::size_t line);

 private:
  struct HistogramGroup {
    bool active = false;
    uint64_t group = 0;
    bool has_timestamp = false;
    double timestamp = 0;
    bool has_bucket = false;
    double last_bound = 0;
    double last_bucket_value = 0;
    bool has_count = false;
    double count = 0;
    std::size_t count_line = 0;
    bool has_sum = false;
    bool has_gsum = false;
    bool negative_buckets = false;
    bool negative_gsum = false;
    std::size_t last_line = 0;
  };

  // Most samples of a payload are histogram buckets: their checks are one straight path.
  std::optional<ParseError> CheckBucket(const ParsedSample& sample, std::size_t line);
  std::optional<ParseError> CheckOtherSample(const ParsedSample& sample, Suffix suffix,
                                             std::size_t line);
  // The series group checks shared by every sample: contiguity and timestamps.
  std::optional<ParseError> CheckGroup(const ParsedSample& sample, uint64_t group,
                                       std::size_t line);
  std::optional<ParseError> CheckHistogramSample(const ParsedSample& sample, Suffix suffix,
                                                 uint64_t group, std::size_t line);
  // Makes the sample's group the current histogram group, finishing the previous one.
  std::optional<ParseError> EnterHistogramGroup(const ParsedSample& sample, uint64_t group);
  std::optional<ParseError> FinishHistogramGroup();
  // ParseBound for a bucket's `le`, remembered by the bucket's position in its run of buckets;
  // false when the text is not a valid bound.
  bool BucketBound(std::string_view text, double& bound);
  bool ParseBucketBound(std::string_view text, const uint64_t (&key)[4], double& bound);
  // Index of the label named `le`, or out of range. Tried first where the last search found it:
  // a histogram's buckets write their labels in one order.
  std::size_t FindLe(std::span<const Label> labels);
  // Hash of the sample's series group: its labels without the one at index `skip` (none when
  // out of range), independent of label order and of how values were escaped.
  uint64_t GroupHash(const ParsedSample& sample, std::size_t skip);
  uint64_t HashInPlace(const ParsedSample& sample, std::size_t skip, std::string_view first,
                       std::string_view second);
  uint64_t HashCanonical(const ParsedSample& sample, std::size_t skip);

  std::string family_;
  MetricType type_ = MetricType::kUnknown;
  bool has_group_ = false;
  uint64_t group_ = 0;
  bool group_has_timestamp_ = false;
  double group_timestamp_ = 0;
  GenerationalHashSet seen_groups_;
  HistogramGroup histogram_;
  std::unordered_set<std::string> seen_names_;
  // The previous sample's group text, when it lay in its line (pieces of the payload, which
  // outlives the parse).
  bool previous_in_place_ = false;
  std::string_view previous_text_[2];
  std::string canonical_;  // reused buffer for group text that is not in one piece in the line
  std::vector<std::size_t> order_;
  // The groups of a histogram (and most histograms of a payload) repeat the same few `le`
  // texts in the same order, so comparing the text with the bound parsed at the same position
  // last time is cheaper than parsing it. Keys, not views: a value may lie in a per-line buffer.
  struct CachedBound {
    uint64_t key[4];  // the text's bytes (at most 32), see ShortTextKey
    std::size_t size;
    double value;
  };
  std::vector<CachedBound> bounds_;
  std::size_t bound_cursor_ = 0;
  std::size_t le_hint_ = 0;
};

}  // namespace inferwatch::parsers
