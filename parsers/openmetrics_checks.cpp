#include "parsers/openmetrics_checks.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <utility>

#include "parsers/label_hash.h"
#include "parsers/number.h"

namespace inferwatch::parsers {
namespace {

ParseError At(std::size_t line, std::string reason) {
  return ParseError{line, 1, std::move(reason)};
}

constexpr std::size_t kNoLabel = static_cast<std::size_t>(-1);
constexpr std::size_t kMaxCachedBounds = 64;
// Bucket bounds are short ("0.25") but some generated ones are not ("0.0011390624999999999").
constexpr std::size_t kMaxCachedBoundBytes = 32;
constexpr uint64_t kGroupSeed = 0x6a09e667f3bcc909ULL;

std::size_t FindLabel(std::span<const Label> labels, std::string_view name) {
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (labels[i].name == name) return i;
  }
  return kNoLabel;
}

bool IsLe(std::string_view name) {
  if (name.size() != 2) return false;
  uint16_t bytes;
  uint16_t le;
  std::memcpy(&bytes, name.data(), 2);
  std::memcpy(&le, "le", 2);
  return bytes == le;
}

// Whether the label names other than the one at `skip` strictly increase. Names are never empty
// and almost always differ in their first byte; only ties need the full comparison.
bool SortedWithout(std::span<const Label> labels, std::size_t skip) {
  const std::size_t size = labels.size();
  std::size_t i = skip == 0 ? 1 : 0;
  if (i >= size) return true;
  std::string_view previous = labels[i].name;
  for (++i; i < size; ++i) {
    if (i == skip) continue;
    const std::string_view name = labels[i].name;
    const auto first = static_cast<unsigned char>(name[0]);
    const auto previous_first = static_cast<unsigned char>(previous[0]);
    if (first < previous_first || (first == previous_first && !(previous < name))) return false;
    previous = name;
  }
  return true;
}

// For views of one size.
bool Equal(std::string_view a, std::string_view b) {
  return a.empty() || std::memcmp(a.data(), b.data(), a.size()) == 0;  // empty views may be null
}

// SameText where the two texts are split at different places.
[[gnu::noinline]] bool SameTextSplitApart(std::string_view a0, std::string_view a1,
                                          std::string_view b0, std::string_view b1) {
  if (a0.size() + a1.size() != b0.size() + b1.size()) return false;
  if (a0.size() > b0.size()) {
    std::swap(a0, b0);
    std::swap(a1, b1);
  }
  // Now a0 is the shorter first piece: a0 | a1[0, k) | a1[k, end) against b0 | b1.
  const std::size_t k = b0.size() - a0.size();
  return Equal(a0, b0.substr(0, a0.size())) && Equal(a1.substr(0, k), b0.substr(a0.size())) &&
         Equal(a1.substr(k), b1);
}

// Whether a0 + a1 and b0 + b1 are the same bytes, without concatenating them.
[[gnu::always_inline]] inline bool SameText(std::string_view a0, std::string_view a1,
                                            std::string_view b0, std::string_view b1) {
  if (a0.size() == b0.size()) {  // usual: the skipped label sits at the same place in both
    return a1.size() == b1.size() && Equal(a0, b0) && Equal(a1, b1);
  }
  return SameTextSplitApart(a0, a1, b0, b1);
}

void AppendEscaped(std::string& out, std::string_view value) {
  for (const char c : value) {
    if (c == '\\') {
      out += "\\\\";
    } else if (c == '"') {
      out += "\\\"";
    } else if (c == '\n') {
      out += "\\n";
    } else {
      out.push_back(c);
    }
  }
}

// `le` and `quantile` must be numbers; infinities only in their canonical spelling.
std::optional<double> ParseBound(std::string_view text) {
  const auto value = ParseValue(text);
  if (!value || std::isnan(*value)) return std::nullopt;
  if (std::isinf(*value) && text != "+Inf" && text != "-Inf") return std::nullopt;
  return value;
}

constexpr uint32_t kCounterLike = SuffixBit(Suffix::kTotal) | SuffixBit(Suffix::kSum) |
                                  SuffixBit(Suffix::kCount) | SuffixBit(Suffix::kBucket) |
                                  SuffixBit(Suffix::kGCount) | SuffixBit(Suffix::kGSum);

std::span<const std::string_view> NameSuffixes(MetricType type) {
  static constexpr std::string_view kCounter[] = {"", "_total", "_created"};
  static constexpr std::string_view kSummary[] = {"", "_sum", "_count", "_created"};
  static constexpr std::string_view kHistogram[] = {"", "_bucket", "_sum", "_count", "_created"};
  static constexpr std::string_view kGaugeHistogram[] = {"", "_bucket", "_gsum", "_gcount"};
  static constexpr std::string_view kInfo[] = {"", "_info"};
  static constexpr std::string_view kPlain[] = {""};
  switch (type) {
    case MetricType::kCounter:
      return kCounter;
    case MetricType::kSummary:
      return kSummary;
    case MetricType::kHistogram:
      return kHistogram;
    case MetricType::kGaugeHistogram:
      return kGaugeHistogram;
    case MetricType::kInfo:
      return kInfo;
    default:
      return kPlain;
  }
}

}  // namespace

void GenerationalHashSet::Clear() {
  ++generation_;
  size_ = 0;
  if (generation_ == 0) {  // wrapped: old slots could look current
    for (Slot& slot : slots_) slot.generation = 0;
    generation_ = 1;
  }
}

bool GenerationalHashSet::Insert(uint64_t hash) {
  if ((size_ + 1) * 2 > slots_.size()) Grow();
  const std::size_t mask = slots_.size() - 1;
  for (std::size_t i = hash & mask;; i = (i + 1) & mask) {
    Slot& slot = slots_[i];
    if (slot.generation != generation_) {
      slot = Slot{hash, generation_};
      ++size_;
      return true;
    }
    if (slot.hash == hash) return false;
  }
}

[[gnu::always_inline]] inline std::optional<ParseError> OpenMetricsChecker::NoteNewGroup(
    uint64_t group, std::size_t line) {
  if (pending_count_ == kPendingGroups) {
    if (auto error = LookUpOldestPending()) return error;
  }
  seen_groups_.Prefetch(group);
  pending_[(pending_first_ + pending_count_) % kPendingGroups] = PendingGroup{group, line};
  ++pending_count_;
  return std::nullopt;
}

std::optional<ParseError> OpenMetricsChecker::LookUpOldestPending() {
  const PendingGroup oldest = pending_[pending_first_];
  pending_first_ = (pending_first_ + 1) % kPendingGroups;
  --pending_count_;
  // The set is emptied when the family starts, and the queue is looked up in order, so a group
  // found there came earlier in this family.
  if (seen_groups_.Insert(oldest.group)) return std::nullopt;
  pending_count_ = 0;
  return At(oldest.line,
            "samples of one series group must be contiguous within family \"" + family_ + "\"");
}

std::optional<ParseError> OpenMetricsChecker::CheckPendingGroups() {
  while (pending_count_ > 0) {
    if (auto error = LookUpOldestPending()) return error;
  }
  return std::nullopt;
}

void GenerationalHashSet::Grow() {
  std::vector<Slot> old = std::move(slots_);
  slots_.assign(old.size() * 2, Slot{});
  const uint32_t current = generation_;
  size_ = 0;
  const std::size_t mask = slots_.size() - 1;
  for (const Slot& slot : old) {
    if (slot.generation != current) continue;
    for (std::size_t i = slot.hash & mask;; i = (i + 1) & mask) {
      if (slots_[i].generation != current) {
        slots_[i] = slot;
        ++size_;
        break;
      }
    }
  }
}

bool OpenMetricsChecker::ParseBucketBound(std::string_view text, const uint64_t (&key)[4],
                                          double& bound) {
  // The first bucket of a group that follows another group's buckets directly.
  if (!bounds_.empty() && bounds_[0].size == text.size() && bounds_[0].key[0] == key[0] &&
      bounds_[0].key[1] == key[1] && bounds_[0].key[2] == key[2] && bounds_[0].key[3] == key[3]) {
    bound_cursor_ = 1;
    bound = bounds_[0].value;
    return true;
  }
  const auto parsed = ParseBound(text);
  if (!parsed) return false;
  bound = *parsed;
  if (text.size() > kMaxCachedBoundBytes || bound_cursor_ >= kMaxCachedBounds) return true;
  const CachedBound cached{{key[0], key[1], key[2], key[3]}, text.size(), bound};
  if (bound_cursor_ < bounds_.size()) {
    bounds_[bound_cursor_] = cached;
  } else {
    bounds_.push_back(cached);
  }
  ++bound_cursor_;
  return true;
}

[[gnu::always_inline]] inline bool OpenMetricsChecker::BucketBound(std::string_view text,
                                                                   double& bound) {
  uint64_t key[4];
  if (text.size() > kMaxCachedBoundBytes) {
    key[0] = key[1] = key[2] = key[3] = 0;
    return ParseBucketBound(text, key, bound);
  }
  ShortTextKey(text, key);
  if (bound_cursor_ < bounds_.size()) {
    const CachedBound& cached = bounds_[bound_cursor_];
    if (cached.size == text.size() && ((cached.key[0] ^ key[0]) | (cached.key[1] ^ key[1]) |
                                       (cached.key[2] ^ key[2]) | (cached.key[3] ^ key[3])) == 0) {
      ++bound_cursor_;
      bound = cached.value;
      return true;
    }
  }
  return ParseBucketBound(text, key, bound);
}

[[gnu::always_inline]] inline std::size_t OpenMetricsChecker::FindLe(
    std::span<const Label> labels) {
  if (le_hint_ < labels.size() && IsLe(labels[le_hint_].name)) return le_hint_;
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (IsLe(labels[i].name)) {
      le_hint_ = i;
      return i;
    }
  }
  return kNoLabel;
}

uint64_t OpenMetricsChecker::HashInPlace(const ParsedSample& sample, std::size_t skip,
                                         std::string_view first, std::string_view second) {
  // Unsorted only because of the skipped label (prometheus_client writes `le` last) is fine.
  if (!SortedWithout(sample.labels, skip)) return HashCanonical(sample, skip);
  previous_in_place_ = true;
  previous_text_[0] = first;
  previous_text_[1] = second;
  if (second.empty()) return HashText(first, kGroupSeed);
  canonical_.assign(first);
  canonical_.append(second);
  return HashText(canonical_, kGroupSeed);
}

uint64_t OpenMetricsChecker::HashCanonical(const ParsedSample& sample, std::size_t skip) {
  const std::span<const Label> labels = sample.labels;
  previous_in_place_ = false;
  order_.clear();
  for (std::size_t i = 0; i < labels.size(); ++i) {
    if (i != skip) order_.push_back(i);
  }
  std::sort(order_.begin(), order_.end(),
            [&labels](std::size_t a, std::size_t b) { return labels[a].name < labels[b].name; });
  canonical_.clear();
  for (const std::size_t i : order_) {
    if (i != order_.front()) canonical_.push_back(',');
    canonical_.append(labels[i].name);
    canonical_.append("=\"");
    AppendEscaped(canonical_, labels[i].value);
    canonical_.push_back('"');
  }
  return HashText(canonical_, kGroupSeed);
}

[[gnu::always_inline]] inline uint64_t OpenMetricsChecker::GroupHash(const ParsedSample& sample,
                                                                     std::size_t skip) {
  // The group is identified by canonical text: the labels other than `skip`, sorted by name,
  // written `name="value"` (value escaped) and joined by ','. Exporters usually write labels
  // sorted, and then that text is already in the line (in two pieces when the skipped label
  // sits in the middle), so it is hashed in place instead of label by label. Names are always
  // views into the line; OpenMetrics separates labels by exactly one ','.
  const std::span<const Label> labels = sample.labels;
  const std::size_t size = labels.size();
  if (!sample.labels_escaped_canonically || sample.labels_end == nullptr) {
    return HashCanonical(sample, skip);
  }
  const std::size_t kept = size - (skip < size ? 1 : 0);
  if (kept == 0) return HashText({}, kGroupSeed);
  auto begin = [&labels](std::size_t i) { return labels[i].name.data(); };
  auto text = [](const char* from, const char* to) {
    return std::string_view(from, static_cast<std::size_t>(to - from));
  };
  const char* const end = sample.labels_end;
  std::string_view first;
  std::string_view second;
  if (skip >= size) {
    first = text(begin(0), end);
  } else if (skip == 0) {
    first = text(begin(1), end);
  } else if (skip == size - 1) {
    first = text(begin(0), begin(size - 1) - 1);
  } else {
    first = text(begin(0), begin(skip));
    second = text(begin(skip + 1), end);
  }
  // The samples of a group are adjacent (a histogram's buckets, _count and _sum), so the text
  // often equals the previous sample's, whose hash is still in group_. Equal canonical text
  // means the same names in the same order, so the order need not be checked again.
  // A label that the tokenizer found different from the previous line's at its index (other
  // than the skipped one) makes equal text unlikely: hash without comparing. Either way the
  // result is the hash of this sample's group text.
  const uint64_t kept_bits = skip < 64 ? ~(uint64_t{1} << skip) : ~uint64_t{0};
  if (has_group_ && previous_in_place_ && (sample.labels_not_as_before & kept_bits) == 0 &&
      SameText(first, second, previous_text_[0], previous_text_[1])) {
    return group_;
  }
  return HashInPlace(sample, skip, first, second);
}

void OpenMetricsChecker::StartFamily(std::string_view name, MetricType type) {
  family_.assign(name);
  type_ = type;
  has_group_ = false;
  previous_in_place_ = false;
  seen_groups_.Clear();
  pending_count_ = 0;
  histogram_ = HistogramGroup{};
  bound_cursor_ = 0;
  bucket_run_ = false;
  whole_group_ = false;
}

[[gnu::always_inline]] inline std::optional<ParseError> OpenMetricsChecker::CheckGroup(
    const ParsedSample& sample, uint64_t group, std::size_t line) {
  if (has_group_ && group == group_) {
    if (sample.has_timestamp != group_has_timestamp_) {
      return At(line, "some samples of this series group have a timestamp and some do not");
    }
    if (sample.has_timestamp && group_timestamp_ > sample.TimestampSeconds() &&
        type_ != MetricType::kInfo) {
      return At(line, "timestamp goes backwards within a series group");
    }
  } else {
    if (auto error = NoteNewGroup(group, line)) return error;
  }
  has_group_ = true;
  group_ = group;
  group_has_timestamp_ = sample.has_timestamp;
  group_timestamp_ = sample.TimestampSeconds();
  return std::nullopt;
}

void OpenMetricsChecker::StartBucketRun(const ParsedSample& sample, std::size_t le) {
  const std::span<const Label> labels = sample.labels;
  const char* const before = labels[0].name.data();
  const char* const after = labels[le].value.data() + labels[le].value.size();
  const char* const end = sample.labels_end;
  bucket_run_ = after > before && after <= end;  // the bound lies in its line
  run_before_ = before;
  run_before_size_ = static_cast<std::size_t>(labels[le].name.data() - before);
  run_after_ = after;
  run_after_size_ = static_cast<std::size_t>(end - after);
  // labels_as_before has no bits past 63: with more labels, a count no sample has, so that
  // NextBucketOfRun compares the text around `le` instead.
  const bool maskable = labels.size() < 64;
  run_labels_ = maskable ? labels.size() : static_cast<std::size_t>(-1);
  run_others_ = maskable ? (uint64_t{1} << labels.size()) - 1 - (uint64_t{1} << le) : 0;
}

// CheckOtherSample, its histogram part and NoteNewGroup are inlined here (always_inline): one call
// per sample instead of four, OpenMetrics 0.5% faster (docs/parsing.md, eleventh round).
std::optional<ParseError> OpenMetricsChecker::CheckSample(const ParsedSample& sample, Suffix suffix,
                                                          std::size_t line) {
  if (suffix == Suffix::kBucket) return CheckBucket(sample, line);
  return CheckOtherSample(sample, suffix, line);
}

std::optional<ParseError> OpenMetricsChecker::CheckBucket(const ParsedSample& sample,
                                                          std::size_t line) {
  bucket_run_ = false;
  whole_group_ = false;
  // Only histograms and gaugehistograms have _bucket samples (FamilySuffixes).
  const std::size_t le = FindLe(sample.labels);
  double bound = 0;
  if (le == kNoLabel || !BucketBound(sample.labels[le].value, bound)) {
    return At(line, "histogram bucket needs an \"le\" label holding a number");
  }
  // The series group (labels without "le") is also the bucket group.
  const uint64_t group = GroupHash(sample, le);
  if (auto error = CheckGroup(sample, group, line)) return error;
  const double value = sample.value;
  if (std::isnan(value)) return At(line, "counter-like sample _bucket is NaN");
  if (value < 0) return At(line, "counter-like sample _bucket is negative");
  HistogramGroup& state = histogram_;
  const bool same_group = state.active && group == state.group && state.SameTimeAs(sample);
  if (!same_group) {
    if (auto error = EnterHistogramGroup(sample, group)) return error;
  }
  state.last_line = line;
  if (bound < 0) state.negative_buckets = true;
  if (state.has_bucket && bound <= state.last_bound) {
    return At(line, "histogram buckets must be in increasing order of \"le\"");
  }
  if (value < state.last_bucket_value) {
    return At(line,
              "histogram bucket counts must be cumulative (this one is lower than the one before)");
  }
  state.has_bucket = true;
  state.last_bound = bound;
  state.last_bucket_value = value;
  StartBucketRun(sample, le);
  return std::nullopt;
}

[[gnu::always_inline]] inline std::optional<ParseError> OpenMetricsChecker::CheckOtherSample(
    const ParsedSample& sample, Suffix suffix, std::size_t line) {
  bound_cursor_ = 0;  // a group's buckets end at its _count or _sum
  bucket_run_ = false;
  std::size_t skip = kNoLabel;
  if (type_ == MetricType::kStateSet) {
    skip = FindLabel(sample.labels, family_);
    if (skip == kNoLabel) {
      return At(line, "stateset sample has no label named \"" + family_ + "\"");
    }
  }
  const bool quantile_sample = type_ == MetricType::kSummary && suffix == Suffix::kNone;
  if (quantile_sample) {
    skip = FindLabel(sample.labels, "quantile");
    const auto quantile = skip != kNoLabel ? ParseBound(sample.labels[skip].value) : std::nullopt;
    if (!quantile || *quantile < 0 || *quantile > 1) {
      return At(line, "summary quantile sample needs a \"quantile\" label between 0 and 1");
    }
  }

  // All labels copied from the previous sample line, whose group had all its labels too (a
  // counter's _created after its _total, a histogram's _sum after its _count): the same group.
  const std::size_t size = sample.labels.size();
  const bool as_before = whole_group_ && skip == kNoLabel && size == whole_group_labels_ &&
                         size < 64 && sample.labels_as_before == (uint64_t{1} << size) - 1;
  const uint64_t group =
      type_ == MetricType::kInfo ? 0 : (as_before ? group_ : GroupHash(sample, skip));
  if (auto error = CheckGroup(sample, group, line)) return error;
  whole_group_ = skip == kNoLabel && type_ != MetricType::kInfo;
  whole_group_labels_ = size;

  const double value = sample.value;
  if (type_ == MetricType::kStateSet && value != 0 && value != 1) {
    return At(line, "stateset values must be 0 or 1");
  }
  if (type_ == MetricType::kInfo && value != 1) return At(line, "info values must be 1");
  if (quantile_sample && value < 0) return At(line, "quantile values must not be negative");
  if ((kCounterLike & SuffixBit(suffix)) != 0) {
    if (std::isnan(value)) {
      return At(line, "counter-like sample " + std::string(SuffixText(suffix)) + " is NaN");
    }
    if (value < 0 && suffix != Suffix::kGSum) {
      return At(line, "counter-like sample " + std::string(SuffixText(suffix)) + " is negative");
    }
  }
  if (sample.has_exemplar && !(type_ == MetricType::kCounter && suffix == Suffix::kTotal)) {
    return At(line, "exemplars are allowed only on counter _total and histogram _bucket samples");
  }
  if (type_ == MetricType::kHistogram || type_ == MetricType::kGaugeHistogram) {
    return CheckHistogramSample(sample, suffix, group, line);
  }
  return std::nullopt;
}

[[gnu::always_inline]] inline std::optional<ParseError> OpenMetricsChecker::EnterHistogramGroup(
    const ParsedSample& sample, uint64_t group) {
  HistogramGroup& state = histogram_;
  if (state.active && (group != state.group || !state.SameTimeAs(sample))) {
    if (auto error = FinishHistogramGroup()) return error;
  }
  if (!state.active) {
    state = HistogramGroup{};
    state.active = true;
    state.group = group;
    state.has_timestamp = sample.has_timestamp;
    state.timestamp = sample.TimestampSeconds();
    state.timestamp_ms = sample.timestamp_ms;
    state.timestamp_from_ms = sample.timestamp_seconds_pending;
  }
  return std::nullopt;
}

[[gnu::always_inline]] inline std::optional<ParseError> OpenMetricsChecker::CheckHistogramSample(
    const ParsedSample& sample, Suffix suffix, uint64_t group, std::size_t line) {
  HistogramGroup& state = histogram_;
  if (auto error = EnterHistogramGroup(sample, group)) return error;
  state.last_line = line;
  if (suffix == Suffix::kCount || suffix == Suffix::kGCount) {
    state.has_count = true;
    state.count = sample.value;
    state.count_line = line;
  } else if (suffix == Suffix::kSum) {
    state.has_sum = true;
  } else if (suffix == Suffix::kGSum) {
    state.has_gsum = true;
    if (sample.value < 0) state.negative_gsum = true;
  }
  return std::nullopt;
}

std::optional<ParseError> OpenMetricsChecker::FinishHistogramGroup() {
  HistogramGroup& state = histogram_;
  if (!state.active) return std::nullopt;
  state.active = false;
  const std::string_view count_name = type_ == MetricType::kGaugeHistogram ? "_gcount" : "_count";
  const std::string_view sum_name = type_ == MetricType::kGaugeHistogram ? "_gsum" : "_sum";
  if (!state.has_bucket || !std::isinf(state.last_bound) || state.last_bound < 0) {
    return At(state.last_line, "histogram \"" + family_ + "\" has no +Inf bucket");
  }
  if (state.has_count && state.count != state.last_bucket_value) {
    return At(state.count_line,
              std::string(count_name) + " differs from the +Inf bucket of \"" + family_ + "\"");
  }
  if ((state.has_sum || state.has_gsum) && !state.has_count) {
    return At(state.last_line, "histogram \"" + family_ + "\" has " + std::string(sum_name) +
                                   " but no " + std::string(count_name));
  }
  if (!(state.has_sum || state.has_gsum) && state.has_count) {
    return At(state.last_line, "histogram \"" + family_ + "\" has " + std::string(count_name) +
                                   " but no " + std::string(sum_name));
  }
  if (state.negative_buckets && state.has_sum) {
    return At(state.last_line,
              "histogram \"" + family_ + "\" has negative buckets, so it must not have _sum");
  }
  if (!state.negative_buckets && state.negative_gsum) {
    return At(state.last_line,
              "gaugehistogram \"" + family_ + "\" has a negative _gsum but no negative bucket");
  }
  return std::nullopt;
}

std::optional<ParseError> OpenMetricsChecker::CheckNewFamilyName(std::string_view name,
                                                                 MetricType type,
                                                                 std::size_t line) const {
  for (const std::string_view suffix : NameSuffixes(type)) {
    std::string full(name);
    full.append(suffix);
    if (seen_names_.contains(full)) {
      return At(line, "metric family \"" + std::string(name) +
                          "\" clashes with an earlier family (name \"" + full +
                          "\"); the samples of a family must be contiguous");
    }
  }
  return std::nullopt;
}

std::optional<ParseError> OpenMetricsChecker::FinishFamily(std::size_t line) {
  bucket_run_ = false;
  if (auto error = CheckPendingGroups()) return error;
  if (auto error = FinishHistogramGroup()) return error;
  for (const std::string_view suffix : NameSuffixes(type_)) {
    std::string name = family_;
    name.append(suffix);
    if (!seen_names_.insert(std::move(name)).second) {
      return At(line, "metric family \"" + family_ + "\" clashes with an earlier family (name \"" +
                          family_ + std::string(suffix) +
                          "\"); families must not be split or repeated");
    }
  }
  return std::nullopt;
}

}  // namespace inferwatch::parsers
