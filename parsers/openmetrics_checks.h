// The semantic rules of OpenMetrics 1.0 that go beyond the line grammar: family grouping and
// interleaving, name clashes, timestamps within a group, value ranges per type, exemplar
// placement, and histogram bucket structure. Streaming: state is per family and per group.
#pragma once

#include <cstdint>
#include <cstring>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

#include "parsers/exposition.h"
#include "parsers/label_hash.h"
#include "parsers/sample_line.h"
#include "parsers/scan.h"
#include "parsers/suffix.h"

namespace inferwatch::parsers {

// A set of 64-bit hashes that is emptied in O(1) and keeps its memory between families.
class GenerationalHashSet {
 public:
  void Clear();
  // False when the hash was there already.
  bool Insert(uint64_t hash);
  // Starts loading the slot where Insert(hash) will look first.
  // (Unconditional: GCC 12 drops a prefetch that sits behind a test of the table's size.)
  void Prefetch(uint64_t hash) const {
    __builtin_prefetch(slots_.data() + (hash & (slots_.size() - 1)));
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t generation = 0;
  };
  void Grow();
  std::vector<Slot> slots_ = std::vector<Slot>(16);  // a power of two, never empty
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

  // Most samples of a payload are histogram buckets, and most buckets follow a bucket of their
  // own group. For those this checks everything CheckSample would and returns true when all
  // passed; false leaves the sample to CheckSample (errors, group changes, uncached bounds).
  // Apart from CheckSample and answering in a register, so that the parser handles a ParseError,
  // out of line, only for the other samples: with CheckSample's result handled in the parser's
  // sample path, text parsed about 8% and OpenMetrics about 5% slower (docs/parsing.md, ninth
  // round). Inlined into the OpenMetrics copy of the parser's sample path: OpenMetrics 1.5-2%
  // faster (tenth round).
  bool NextBucketOfRun(const ParsedSample& sample, std::size_t line);

  // Every check of a sample, complete without NextBucketOfRun. `suffix` is what follows the family
  // name in the sample name, one the family's type allows.
  std::optional<ParseError> CheckSample(const ParsedSample& sample, Suffix suffix,
                                        std::size_t line);

  // Ends the current family: finishes its last histogram group and records its names so a later
  // family reusing one is rejected. `line` locates errors found here.
  std::optional<ParseError> FinishFamily(std::size_t line);

  // A series group repeated later in its family is found up to kPendingGroups groups after its
  // first line (see NoteNewGroup). Before reporting any other error, or stopping early, the parser
  // calls this: a repeated group found here lies on an earlier line, or on the same line before
  // any other check of it, so it is the first error.
  std::optional<ParseError> CheckPendingGroups();

 private:
  struct HistogramGroup {
    bool active = false;
    uint64_t group = 0;
    bool has_timestamp = false;
    double timestamp = 0;
    // The timestamp was read as these milliseconds, the seconds being their quotient (only
    // with a timestamp).
    bool timestamp_from_ms = false;
    int64_t timestamp_ms = 0;
    // Both or neither have a timestamp, and the same seconds. Two read as milliseconds of the
    // usual shape are compared as those, without the division.
    bool SameTimeAs(const ParsedSample& sample) const {
      if (timestamp_from_ms && sample.timestamp_seconds_pending) {
        return sample.timestamp_ms == timestamp_ms;
      }
      return sample.has_timestamp == has_timestamp &&
             (!sample.has_timestamp || sample.TimestampSeconds() == timestamp);
    }
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

  std::optional<ParseError> CheckBucket(const ParsedSample& sample, std::size_t line);
  // Notes the label text around `le` of a bucket that CheckBucket accepted, for NextBucketOfRun.
  void StartBucketRun(const ParsedSample& sample, std::size_t le);
  std::optional<ParseError> CheckOtherSample(const ParsedSample& sample, Suffix suffix,
                                             std::size_t line);
  // The series group checks shared by every sample: contiguity and timestamps.
  std::optional<ParseError> CheckGroup(const ParsedSample& sample, uint64_t group,
                                       std::size_t line);
  // Queues the lookup of a group that starts at `line` in the groups seen earlier in the family,
  // and carries out the oldest queued one. A family's groups can number thousands, and the
  // payload streaming through the cache can evict their set: looked up at once, groups waited on
  // memory in some measurements (up to 11 % of OpenMetrics time), none in others (docs/parsing.md,
  // eighth round). Queued, the slot is prefetched and arrives while the next groups are parsed.
  std::optional<ParseError> NoteNewGroup(uint64_t group, std::size_t line);
  std::optional<ParseError> LookUpOldestPending();
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
  static constexpr std::size_t kPendingGroups = 8;  // a power of two
  struct PendingGroup {
    uint64_t group;
    std::size_t line;
  };
  PendingGroup pending_[kPendingGroups] = {};
  std::size_t pending_first_ = 0;  // index of the oldest, modulo kPendingGroups
  std::size_t pending_count_ = 0;
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
  // A cache line each: the run's test against bounds_.size() is then a shift, not a division.
  struct alignas(64) CachedBound {
    uint64_t key[4];  // the text's bytes (at most 32), see ShortTextKey
    std::size_t size;
    double value;
  };
  std::vector<CachedBound> bounds_;
  std::size_t bound_cursor_ = 0;
  std::size_t le_hint_ = 0;
  // The previous sample was a bucket accepted in the current histogram group, its labels in its
  // line: the text before `le` (from the first label name) and after its value (from the closing
  // quote to the '}'). A bucket whose text there is the same has the same group.
  bool bucket_run_ = false;
  const char* run_before_ = nullptr;
  std::size_t run_before_size_ = 0;
  const char* run_after_ = nullptr;
  std::size_t run_after_size_ = 0;
  std::size_t run_labels_ = 0;  // how many labels the run's buckets have (see StartBucketRun)
  uint64_t run_others_ = 0;     // a bit for each of them but `le`
  // The previous sample was checked by CheckOtherSample with a group of all its labels (none
  // skipped), group_, and had this many labels.
  bool whole_group_ = false;
  std::size_t whole_group_labels_ = 0;
};

// The bytes of a text of at most 32 bytes as four words, read without going past its end: texts
// of one size are equal exactly when their keys are (the loads cover every byte).
inline void ShortTextKey(std::string_view text, uint64_t (&key)[4]) {
  const char* const p = text.data();
  const std::size_t size = text.size();
  key[2] = 0;
  key[3] = 0;
  if (size > 16) {
    std::memcpy(&key[0], p, 8);
    std::memcpy(&key[1], p + 8, 8);
    std::memcpy(&key[2], p + size - 16, 8);
    std::memcpy(&key[3], p + size - 8, 8);
  } else if (size >= 8) {
    std::memcpy(&key[0], p, 8);
    std::memcpy(&key[1], p + size - 8, 8);
  } else {
    key[0] = LoadTail(p, size);
    key[1] = 0;
  }
}

[[gnu::always_inline]] inline bool OpenMetricsChecker::NextBucketOfRun(const ParsedSample& sample,
                                                                       std::size_t line) {
  if (!bucket_run_) return false;
  const std::span<const Label> labels = sample.labels;
  const std::size_t le = le_hint_;
  if (le >= labels.size() || labels[le].name.size() != 2 || labels[le].name[0] != 'l' ||
      labels[le].name[1] != 'e') {
    return false;
  }
  // Same bytes before `le` and after its value as the previous bucket: the same labels other than
  // `le`, written the same way, so the same group.
  const std::string_view text = labels[le].value;
  // The tokenizer found every label but `le` written as in the previous sample line, the run's
  // previous bucket: the same labels other than `le`, so the same group.
  const bool as_before =
      labels.size() == run_labels_ && (sample.labels_as_before & run_others_) == run_others_;
  if (!as_before) {
    // Otherwise (an escaped value is never copied from the line before): the same bytes before
    // `le` and after its value as the run's first bucket also mean the same group.
    const char* const before = labels[0].name.data();
    const char* const after = text.data() + text.size();
    const char* const end = sample.labels_end;
    // A bound is never unescaped (no escape leaves a number), so its end lies in the label text;
    // checked all the same, since the pieces are read through it.
    if (!(after > before && after <= end)) return false;
    const auto before_size = static_cast<std::size_t>(labels[le].name.data() - before);
    const auto after_size = static_cast<std::size_t>(end - after);
    if (before_size != run_before_size_ || after_size != run_after_size_ ||
        !scan::SameBytes(before, run_before_, before_size) ||
        !scan::SameBytes(after, run_after_, after_size)) {
      return false;
    }
  }
  // The bound the previous group's bucket at this position had, when the text is the same.
  if (bound_cursor_ >= bounds_.size()) return false;
  const CachedBound& cached = bounds_[bound_cursor_];
  if (cached.size != text.size()) return false;  // so at most 32 bytes, as cached texts are
  uint64_t key[4];
  ShortTextKey(text, key);
  if (((cached.key[0] ^ key[0]) | (cached.key[1] ^ key[1]) | (cached.key[2] ^ key[2]) |
       (cached.key[3] ^ key[3])) != 0) {
    return false;
  }
  const double bound = cached.value;
  HistogramGroup& state = histogram_;
  // The series group's timestamp is the histogram group's: a bucket of the run must repeat it,
  // anything else (absent, later, earlier) is CheckBucket's to judge.
  if (!state.SameTimeAs(sample)) return false;
  // The run's counts so far are not negative, so one test rejects NaN, negative and
  // non-cumulative counts; bounds must increase.
  const double value = sample.value;
  if (!(value >= state.last_bucket_value) || !(bound > state.last_bound)) return false;
  ++bound_cursor_;
  // (The run's bounds increase: a negative one follows the run's first, which CheckBucket noted.)
  state.last_line = line;
  state.last_bound = bound;
  state.last_bucket_value = value;
  return true;
}

}  // namespace inferwatch::parsers
