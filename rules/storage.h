// The evaluator's view of time series. The exporter's short-term store and the unit-test runner's
// in-memory store both implement Storage, so one evaluator serves the daemon and the tests.
#pragma once

#include <atomic>
#include <cmath>
#include <compare>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <functional>
#include <iterator>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace re2 {
class RE2;
}

namespace inferwatch::rules {

// A label set, kept sorted by name; "__name__" holds the metric name.
//
// Immutable and shared: copies share one representation, a single allocation that holds every
// name and value back to back as "name\xffvalue\xff..." (the bytes hashing and equality read
// directly) and an index of where each pair starts. Evaluation copies label sets far more often
// than it changes them, and a change builds a new representation with one allocation. The hash is
// computed once per representation.
class Labels {
 public:
  using Pair = std::pair<std::string, std::string>;
  using View = std::pair<std::string_view, std::string_view>;

  Labels() = default;
  // Sorts; later duplicates win; empty values are dropped.
  explicit Labels(const std::vector<Pair>& pairs);
  // Pairs already sorted by name; adjacent duplicates keep the last, empty values are dropped.
  static Labels FromSorted(std::span<const View> pairs);
  // Sorts `pairs` in place, then as FromSorted.
  static Labels FromUnsorted(std::span<View> pairs);

  Labels(const Labels& other) noexcept : rep_(other.rep_) { Acquire(); }
  Labels(Labels&& other) noexcept : rep_(other.rep_) { other.rep_ = nullptr; }
  Labels& operator=(const Labels& other) noexcept {
    if (rep_ != other.rep_) {
      Labels copy(other);
      std::swap(rep_, copy.rep_);
    }
    return *this;
  }
  Labels& operator=(Labels&& other) noexcept {
    std::swap(rep_, other.rep_);
    return *this;
  }
  ~Labels() { Release(); }

  class Iterator;
  class PairRange;
  PairRange pairs() const;
  std::size_t size() const { return rep_ != nullptr ? rep_->count : 0; }
  View operator[](std::size_t i) const;
  std::string_view Get(std::string_view name) const;  // "" when absent
  bool Has(std::string_view name) const;
  void Set(std::string_view name, std::string_view value);  // empty value removes
  void Remove(std::string_view name);
  // This set without "__name__": a copy of the remembered one when there is one, so a caller
  // about to drop the name of a scraped series never takes (and then gives back) a reference to
  // the set with the name, one atomic update on a cold line each.
  Labels WithoutName() const;
  // This set with `overrides` set (an empty value removes), built at once. The overrides must be
  // sorted by name without duplicates: callers prepare them once for many label sets.
  Labels WithOverrides(std::span<const View> sorted_overrides) const;
  std::string_view MetricName() const;
  std::uint64_t Hash() const;
  // A hash of only the pairs whose name passes `keep`, computed without building that set: equal
  // for two label sets whose kept pairs are equal. Grouping and vector matching run it per sample.
  // `keep` is called once per pair, in order.
  template <class Keep>
  std::uint64_t HashOfPairs(Keep keep) const;
  // The grouping form of HashOfPairs, in one walk beside `sorted_names` (sorted, unique): keeps
  // the listed pairs, or with keep_listed false the unlisted ones other than "__name__". Appends
  // the kept pairs to *kept when it is not null, ready for FromSorted.
  std::uint64_t HashOfGrouping(std::span<const std::string> sorted_names, bool keep_listed,
                               std::vector<View>* kept) const;
  std::string ToString() const;  // name{a="b", c="d"} as Prometheus prints it
  bool empty() const { return rep_ == nullptr; }
  // Where the set's bytes live (null when empty), for scans that prefetch what they visit next.
  const void* address() const { return rep_; }
  std::size_t MemoryBytes() const;  // of the shared representation, 0 when empty
  friend bool operator==(const Labels& a, const Labels& b);
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b);

 private:
  // Followed in the same allocation by `count + 1` offsets (the start of each pair's text, then
  // the end of the text), `count` name sizes, and the text itself.
  struct Rep {
    std::atomic<std::uint32_t> refs{1};
    std::uint32_t count = 0;
    // 0 until computed; racing threads compute the same value, so relaxed order suffices.
    mutable std::atomic<std::uint64_t> hash{0};
    // This set without "__name__", built the first time an operation drops the name. Scraped
    // series live across evaluation rounds and every rate() or arithmetic over them drops the
    // name, so remembering the result saves an allocation per series and round.
    mutable std::atomic<Rep*> without_name{nullptr};
    const std::uint32_t* offsets() const {
      return reinterpret_cast<const std::uint32_t*>(this + 1);
    }
    std::uint32_t* offsets() { return reinterpret_cast<std::uint32_t*>(this + 1); }
    const std::uint32_t* name_sizes() const { return offsets() + count + 1; }
    std::uint32_t* name_sizes() { return offsets() + count + 1; }
    const char* text() const { return reinterpret_cast<const char*>(name_sizes() + count); }
    char* text() { return reinterpret_cast<char*>(name_sizes() + count); }
    std::string_view all_text() const { return {text(), offsets()[count]}; }
  };
  static constexpr char kSeparator = '\xff';  // cannot occur in valid UTF-8 label text

  void Acquire() const {
    if (rep_ != nullptr) rep_->refs.fetch_add(1, std::memory_order_relaxed);
  }
  void Release() {
    if (rep_ != nullptr && rep_->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) Free(rep_);
    rep_ = nullptr;
  }
  static Rep* Allocate(std::uint32_t count, std::size_t text_size);
  // Writes `pair` as the rep's pair number `index` at text offset *position, and advances it.
  static void WritePair(Rep* rep, std::uint32_t index, const View& pair, std::uint32_t* position);
  static void Free(Rep* rep);
  static View PairAt(const Rep* rep, std::size_t i);
  static std::uint64_t HashBytes(std::string_view bytes);
  void RemoveName(std::size_t index);
  // Index of the first pair whose name is not less than `name`.
  std::size_t LowerBound(std::string_view name) const;
  // A copy with pair `skip` left out (if < size) and `insert` placed at `at` (if non-null).
  Labels Rebuilt(std::size_t skip, std::size_t at, const View* insert) const;

  Rep* rep_ = nullptr;  // null for the empty set
};

class Labels::Iterator {
 public:
  using iterator_category = std::forward_iterator_tag;
  using value_type = View;
  using difference_type = std::ptrdiff_t;
  using pointer = void;
  using reference = View;
  Iterator() = default;
  Iterator(const Labels* labels, std::size_t i) : labels_(labels), i_(i) {}
  View operator*() const { return (*labels_)[i_]; }
  Iterator& operator++() {
    ++i_;
    return *this;
  }
  Iterator operator++(int) {
    Iterator copy = *this;
    ++i_;
    return copy;
  }
  friend bool operator==(const Iterator& a, const Iterator& b) { return a.i_ == b.i_; }

 private:
  const Labels* labels_ = nullptr;
  std::size_t i_ = 0;
};

class Labels::PairRange {
 public:
  explicit PairRange(const Labels* labels) : labels_(labels) {}
  Iterator begin() const { return {labels_, 0}; }
  Iterator end() const { return {labels_, labels_->size()}; }
  std::size_t size() const { return labels_->size(); }
  bool empty() const { return labels_->empty(); }
  View operator[](std::size_t i) const { return (*labels_)[i]; }

 private:
  const Labels* labels_;
};

inline Labels::PairRange Labels::pairs() const {
  return PairRange(this);
}

inline Labels::View Labels::PairAt(const Rep* rep, std::size_t i) {
  const char* text = rep->text();
  const std::uint32_t begin = rep->offsets()[i];
  const std::uint32_t end = rep->offsets()[i + 1] - 1;  // before the value's separator
  const std::uint32_t name_size = rep->name_sizes()[i];
  return {std::string_view(text + begin, name_size),
          std::string_view(text + begin + name_size + 1, end - begin - name_size - 1)};
}

inline Labels::View Labels::operator[](std::size_t i) const {
  return PairAt(rep_, i);
}

inline std::string_view Labels::MetricName() const {
  // Evaluation asks every sample for its name. The pairs are sorted, and "__name__" sorts
  // before any name that starts with a lowercase letter, so it is the first pair or, when the
  // first pair sorts after it, absent.
  if (rep_ == nullptr) return {};
  const View first = PairAt(rep_, 0);
  if (first.first == "__name__") return first.second;
  if (first.first > "__name__") return {};
  return Get("__name__");
}

template <class Keep>
std::uint64_t Labels::HashOfPairs(Keep keep) const {
  if (rep_ == nullptr) return HashBytes({});
  const std::uint32_t* offsets = rep_->offsets();
  const std::uint32_t* name_sizes = rep_->name_sizes();
  const char* text = rep_->text();
  // Kept pairs are copied a run at a time; when every pair is kept, the text is hashed in place.
  thread_local std::string kept;
  kept.clear();
  std::uint32_t run_begin = 0;
  bool in_run = false;
  for (std::uint32_t i = 0; i < rep_->count; ++i) {
    const bool keeps = keep(std::string_view(text + offsets[i], name_sizes[i]));
    if (keeps && !in_run) {
      run_begin = offsets[i];
      in_run = true;
    } else if (!keeps && in_run) {
      kept.append(text + run_begin, offsets[i] - run_begin);
      in_run = false;
    }
  }
  if (in_run) {
    if (run_begin == 0) return HashBytes(rep_->all_text());
    kept.append(text + run_begin, offsets[rep_->count] - run_begin);
  }
  return HashBytes(kept);
}

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

// What a regex matches when it is simple enough to decide without RE2: the packs and dashboards
// are full of `=~".*"`, `=~"vllm"` and `=~"a|b"`, and selectors test every candidate series.
enum class RegexShortcut { kNone, kAnything, kNonEmpty, kLiterals };

struct LabelMatcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;             // fully anchored, set for the regex kinds
  bool Matches(std::string_view label_value) const;  // absent labels match as ""
  RegexShortcut shortcut = RegexShortcut::kNone;     // set by MakeLabelMatcher
  std::vector<std::string> literals;                 // the alternatives, for kLiterals

 private:
  bool RegexMatches(std::string_view label_value) const;
};

// The first `__name__="..."` matcher, with which a store needs to look at one metric's series
// only; null when there is none.
const LabelMatcher* FindNameEquality(std::span<const LabelMatcher> matchers);

// Builds a matcher; the regex kinds compile "^(?:value)$" with RE2 as Prometheus does. On an
// invalid regex returns false and sets *error to RE2's message.
bool MakeLabelMatcher(MatchType type, std::string name, std::string value, LabelMatcher* out,
                      std::string* error);

struct SamplePoint {
  std::int64_t t_ms = 0;
  double v = 0;
};

// Prometheus's staleness marker: a NaN with this exact bit pattern.
inline constexpr std::uint64_t kStaleNaNBits = 0x7ff0000000000002ULL;
inline double StaleNaN() {
  double d;
  std::memcpy(&d, &kStaleNaNBits, sizeof d);
  return d;
}
inline bool IsStaleNaN(double v) {
  std::uint64_t bits;
  std::memcpy(&bits, &v, sizeof bits);
  return bits == kStaleNaNBits;
}

class Storage {
 public:
  using SeriesVisitor = std::function<void(const Labels&, std::span<const SamplePoint>)>;
  // Prometheus's storage returns series in label order, and topk ties and eval_ordered tests
  // depend on it. A store that keeps that order says so, and the evaluator skips sorting.
  enum class VisitOrder { kLabelOrder, kUnordered };
  virtual ~Storage() = default;
  // Visits each series that matches every matcher and has samples in [mint_ms, maxt_ms], with
  // those samples in time order (staleness markers included).
  virtual VisitOrder Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                            std::int64_t maxt_ms, const SeriesVisitor& visit) const = 0;
};

}  // namespace inferwatch::rules
