// The evaluator's view of time series. The exporter's short-term store and the unit-test runner's
// in-memory store both implement Storage, so one evaluator serves the daemon and the tests.
#pragma once

#include <atomic>
#include <cmath>
#include <compare>
#include <cstdint>
#include <cstring>
#include <functional>
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
// Copies share one immutable representation (copy on write): evaluation copies label sets far
// more often than it changes them, and a shared copy costs no allocation. The hash is computed
// once per representation.
class Labels {
 public:
  using Pair = std::pair<std::string, std::string>;
  Labels() = default;
  explicit Labels(std::vector<Pair> pairs);  // sorts; later duplicates win

  const std::vector<Pair>& pairs() const { return rep_ ? rep_->pairs : EmptyPairs(); }
  std::string_view Get(std::string_view name) const;  // "" when absent
  bool Has(std::string_view name) const;
  void Set(std::string_view name, std::string_view value);  // empty value removes
  void Remove(std::string_view name);
  std::string_view MetricName() const { return Get("__name__"); }
  std::uint64_t Hash() const;
  std::string ToString() const;  // name{a="b", c="d"} as Prometheus prints it
  bool empty() const { return pairs().empty(); }
  friend bool operator==(const Labels& a, const Labels& b) {
    return a.rep_ == b.rep_ || a.pairs() == b.pairs();
  }
  friend std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
    if (a.rep_ == b.rep_) return std::strong_ordering::equal;
    return a.pairs() <=> b.pairs();
  }

 private:
  struct Rep {
    std::vector<Pair> pairs;
    // 0 until computed; racing threads compute the same value, so relaxed order suffices.
    mutable std::atomic<std::uint64_t> hash{0};
  };
  static const std::vector<Pair>& EmptyPairs();
  // The pairs, unshared first when another Labels refers to them too.
  std::vector<Pair>& MutablePairs();

  std::shared_ptr<Rep> rep_;  // null for the empty set
};

enum class MatchType { kEqual, kNotEqual, kRegexMatch, kRegexNoMatch };

struct LabelMatcher {
  MatchType type = MatchType::kEqual;
  std::string name;
  std::string value;
  std::shared_ptr<const re2::RE2> regex;             // fully anchored, set for the regex kinds
  bool Matches(std::string_view label_value) const;  // absent labels match as ""
};

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
  virtual ~Storage() = default;
  // Visits each series that matches every matcher and has samples in [mint_ms, maxt_ms], with
  // those samples in time order (staleness markers included).
  virtual void Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                      std::int64_t maxt_ms, const SeriesVisitor& visit) const = 0;
};

}  // namespace inferwatch::rules
