// Functions over instant vectors: math, clamping, dates, histogram_quantile, label manipulation,
// sorting.
#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <span>
#include <unordered_map>

#include <re2/re2.h>

#include "rules/promql/dense_index.h"
#include "rules/promql/eval_internal.h"
#include "rules/promql/eval_memory.h"
#include "rules/stable_sort_small.h"
#include "rules/text/names.h"

namespace inferwatch::rules::promql::detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct CivilTime {
  std::int64_t year;
  int month;  // 1..12
  int day;    // 1..31
  int hour;
  int minute;
  int weekday;      // 0 = Sunday
  int day_of_year;  // 1..366
};

bool IsLeap(std::int64_t y) {
  return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

CivilTime ToCivil(std::int64_t seconds) {
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    days -= 1;
  }
  CivilTime out{};
  out.hour = static_cast<int>(rem / 3600);
  out.minute = static_cast<int>((rem % 3600) / 60);
  out.weekday = static_cast<int>(((days % 7) + 11) % 7);  // 1970-01-01 was a Thursday
  // Howard Hinnant's civil_from_days.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  out.day = static_cast<int>(doy - (153 * mp + 2) / 5 + 1);
  out.month = static_cast<int>(mp < 10 ? mp + 3 : mp - 9);
  out.year = yoe + era * 400 + (out.month <= 2 ? 1 : 0);
  static constexpr int kCumulative[] = {0, 31, 59, 90, 120, 151, 181, 212, 243, 273, 304, 334};
  out.day_of_year =
      kCumulative[out.month - 1] + out.day + (out.month > 2 && IsLeap(out.year) ? 1 : 0);
  return out;
}

int DaysInMonth(std::int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  if (month == 2 && IsLeap(year)) return 29;
  return kDays[month - 1];
}

// Go's strconv.ParseFloat for bucket bounds: the whole text must be a number.
bool ParseBound(const std::string& text, double* out) {
  if (text.empty()) return false;
  std::string lower;
  for (char c : text) lower += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  std::string_view body = lower;
  double sign = 1;
  if (!body.empty() && (body[0] == '+' || body[0] == '-')) {
    sign = body[0] == '-' ? -1 : 1;
    body.remove_prefix(1);
  }
  if (body == "inf" || body == "infinity") {
    *out = sign * std::numeric_limits<double>::infinity();
    return true;
  }
  if (body == "nan") {
    *out = kNaN;
    return true;
  }
  char* end = nullptr;
  *out = std::strtod(text.c_str(), &end);
  return end == text.c_str() + text.size();
}

// Go's regexp.Expand template syntax: $1, ${1}, $name, ${name}, $$.
std::string ExpandTemplate(std::string_view tmpl, const RE2& regex,
                           const std::vector<re2::StringPiece>& groups) {
  std::string out;
  std::size_t i = 0;
  while (i < tmpl.size()) {
    const char c = tmpl[i];
    if (c != '$') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    if (i < tmpl.size() && tmpl[i] == '$') {
      out += '$';
      ++i;
      continue;
    }
    bool brace = false;
    std::size_t j = i;
    if (j < tmpl.size() && tmpl[j] == '{') {
      brace = true;
      ++j;
    }
    const std::size_t name_start = j;
    while (j < tmpl.size() &&
           (std::isalnum(static_cast<unsigned char>(tmpl[j])) || tmpl[j] == '_')) {
      ++j;
    }
    const std::string_view name = tmpl.substr(name_start, j - name_start);
    bool ok = !name.empty();
    if (ok && brace) {
      if (j < tmpl.size() && tmpl[j] == '}') {
        ++j;
      } else {
        ok = false;
      }
    }
    if (!ok) {
      out += '$';
      continue;
    }
    i = j;
    const bool numeric =
        std::all_of(name.begin(), name.end(), [](char ch) { return ch >= '0' && ch <= '9'; });
    int index = -1;
    if (numeric) {
      if (name.size() < 9) index = std::atoi(std::string(name).c_str());
    } else {
      const auto& named = regex.NamedCapturingGroups();
      auto it = named.find(std::string(name));
      if (it != named.end()) index = it->second;
    }
    if (index >= 0 && static_cast<std::size_t>(index) < groups.size() &&
        groups[static_cast<std::size_t>(index)].data() != nullptr) {
      out.append(groups[static_cast<std::size_t>(index)].data(),
                 groups[static_cast<std::size_t>(index)].size());
    }
  }
  return out;
}

}  // namespace

double DateField(std::string_view name, double seconds) {
  if (!std::isfinite(seconds) || std::fabs(seconds) > 1e15) return kNaN;
  const CivilTime c = ToCivil(static_cast<std::int64_t>(seconds));
  if (name == "day_of_month") return c.day;
  if (name == "day_of_week") return c.weekday;
  if (name == "day_of_year") return c.day_of_year;
  if (name == "days_in_month") return DaysInMonth(c.year, c.month);
  if (name == "hour") return c.hour;
  if (name == "minute") return c.minute;
  if (name == "month") return c.month;
  if (name == "year") return static_cast<double>(c.year);
  return kNaN;
}

bool EvalSampleFunction(std::string_view name, const std::vector<double>& scalar_args,
                        Vector& vector) {
  using Fn = double (*)(double);
  static const std::unordered_map<std::string_view, Fn> kSimple = {
      {"abs", [](double v) { return std::fabs(v); }},
      {"ceil", [](double v) { return std::ceil(v); }},
      {"floor", [](double v) { return std::floor(v); }},
      {"exp", [](double v) { return std::exp(v); }},
      {"sqrt", [](double v) { return std::sqrt(v); }},
      {"ln", [](double v) { return std::log(v); }},
      {"log2", [](double v) { return std::log2(v); }},
      {"log10", [](double v) { return std::log10(v); }},
      {"sgn", [](double v) { return v < 0   ? -1.0
                                    : v > 0 ? 1.0
                                            : v; }},
      {"acos", [](double v) { return std::acos(v); }},
      {"acosh", [](double v) { return std::acosh(v); }},
      {"asin", [](double v) { return std::asin(v); }},
      {"asinh", [](double v) { return std::asinh(v); }},
      {"atan", [](double v) { return std::atan(v); }},
      {"atanh", [](double v) { return std::atanh(v); }},
      {"cos", [](double v) { return std::cos(v); }},
      {"cosh", [](double v) { return std::cosh(v); }},
      {"sin", [](double v) { return std::sin(v); }},
      {"sinh", [](double v) { return std::sinh(v); }},
      {"tan", [](double v) { return std::tan(v); }},
      {"tanh", [](double v) { return std::tanh(v); }},
      {"deg", [](double v) { return v * 180 / M_PI; }},
      {"rad", [](double v) { return v * M_PI / 180; }},
  };
  auto drop_names = [&] {
    for (auto& sample : vector) sample.labels.Remove("__name__");
  };
  if (auto it = kSimple.find(name); it != kSimple.end()) {
    for (auto& sample : vector) sample.value = it->second(sample.value);
    drop_names();
    return true;
  }
  if (name == "round") {
    const double to_nearest = scalar_args.empty() ? 1.0 : scalar_args[0];
    const double inverse = 1.0 / to_nearest;
    for (auto& sample : vector) sample.value = std::floor(sample.value * inverse + 0.5) / inverse;
    drop_names();
    return true;
  }
  if (name == "clamp") {
    const double min = scalar_args.at(0);
    const double max = scalar_args.at(1);
    if (max < min) {
      vector.clear();
      return true;
    }
    for (auto& sample : vector) sample.value = GoMax(min, GoMin(max, sample.value));
    drop_names();
    return true;
  }
  if (name == "clamp_min" || name == "clamp_max") {
    const double bound = scalar_args.at(0);
    for (auto& sample : vector) {
      sample.value = name == "clamp_min" ? GoMax(sample.value, bound) : GoMin(sample.value, bound);
    }
    drop_names();
    return true;
  }
  if (name == "day_of_month" || name == "day_of_week" || name == "day_of_year" ||
      name == "days_in_month" || name == "hour" || name == "minute" || name == "month" ||
      name == "year") {
    for (auto& sample : vector) sample.value = DateField(name, sample.value);
    drop_names();
    return true;
  }
  return false;
}

namespace {

// Bucket bounds parsed once per distinct text: a fleet's buckets repeat a few dozen bounds over
// hundreds of thousands of series, and parsing a float costs far more than finding it here.
// Texts up to 32 bytes are cached; longer ones, and those past the table's fill limit, are parsed
// each time.
class BoundCache {
 public:
  bool Parse(std::string_view text, double* out) {
    if (text.size() > kMaxText) return ParseBound(std::string(text), out);
    Key key{};
    std::memcpy(key.words, text.data(), text.size());
    key.size = text.size();
    std::uint64_t mix = key.size;
    for (const std::uint64_t word : key.words) mix = (mix ^ word) * 0x9E3779B97F4A7C15ULL;
    for (std::size_t slot = mix >> 56;; slot = (slot + 1) % kSlots) {
      Entry& entry = entries_[slot];
      if (!entry.used) {
        if (used_ == kSlots / 2) return ParseBound(std::string(text), out);
        ++used_;
        entry.used = true;
        entry.key = key;
        entry.ok = ParseBound(std::string(text), &entry.value);
      } else if (!(entry.key == key)) {
        continue;
      }
      *out = entry.value;
      return entry.ok;
    }
  }

 private:
  // The hash's top 8 bits pick the slot. Engines' default layouts give a fleet 100 and more
  // distinct bounds across its histograms.
  static constexpr std::size_t kSlots = 256;
  static constexpr std::size_t kMaxText = 32;
  struct Key {
    std::uint64_t words[kMaxText / 8];
    std::size_t size;
    bool operator==(const Key&) const = default;
  };
  struct Entry {
    Key key{};
    double value = 0;
    bool used = false;
    bool ok = false;
  };
  Entry entries_[kSlots];
  std::size_t used_ = 0;
};

}  // namespace

namespace {

// Lays the buckets of `input` out histogram by histogram, each sorted by bound.
void BuildHistogramLayout(const Vector& input, bool keep_inputs, HistogramLayout& layout) {
  layout.inputs.clear();
  layout.slots.assign(input.size(), HistogramLayout::kNotABucket);
  layout.histograms.clear();
  layout.one_metric_name = SameMetricName(input);
  struct Collected {
    std::uint32_t histogram;
    std::uint32_t input;
    double upper;
  };
  DenseIndex index;
  std::vector<Collected> collected;
  collected.reserve(input.size());
  std::vector<Labels::View> kept;
  BoundCache bounds;
  for (std::uint32_t i = 0; i < input.size(); ++i) {
    const Labels& labels = input[i].labels;
    double upper = 0;
    if (!bounds.Parse(labels.Get("le"), &upper)) continue;
    // Group on every label but le, the metric name included.
    const std::uint64_t hash =
        labels.HashOfPairs([](std::string_view name) { return name != "le"; });
    const auto [number, inserted] = index.Insert(hash);
    if (inserted) {
      kept.clear();
      for (const auto pair : labels.pairs()) {
        if (pair.first != "le" && pair.first != "__name__") kept.push_back(pair);
      }
      layout.histograms.push_back({Labels::FromSorted(kept), 0, 0});
    }
    ++layout.histograms[number].size;
    collected.push_back({number, i, upper});
  }
  // A counting sort that keeps input order: a histogram costs no allocation of its own.
  std::uint32_t next_first = 0;
  for (auto& h : layout.histograms) {
    h.first = next_first;
    next_first += h.size;
  }
  std::vector<Collected> grouped(collected.size());
  {
    std::vector<std::uint32_t> filled(layout.histograms.size(), 0);
    for (const Collected& bucket : collected) {
      grouped[layout.histograms[bucket.histogram].first + filled[bucket.histogram]++] = bucket;
    }
  }
  layout.uppers.resize(grouped.size());
  for (const auto& h : layout.histograms) {
    const std::span<Collected> buckets(grouped.data() + h.first, h.size);
    // Stable, as Prometheus sorts.
    StableSortSmall(buckets,
                    [](const Collected& a, const Collected& b) { return a.upper < b.upper; });
    for (std::uint32_t k = 0; k < h.size; ++k) {
      layout.slots[buckets[k].input] = h.first + k;
      layout.uppers[h.first + k] = buckets[k].upper;
    }
  }
  if (keep_inputs) {
    layout.inputs.reserve(input.size());
    for (const auto& sample : input) layout.inputs.push_back(sample.labels);
  }
}

}  // namespace

Vector HistogramQuantile(double q, const Vector& input, HistogramLayout& layout, bool remember) {
  struct Bucket {
    double upper;
    double count;
  };
  if (!remember || !SameLabelSetObjects(layout.inputs, input)) {
    BuildHistogramLayout(input, remember, layout);
  }
  std::vector<Bucket> grouped(layout.uppers.size());
  for (std::size_t i = 0; i < input.size(); ++i) {
    const std::uint32_t slot = layout.slots[i];
    if (slot != HistogramLayout::kNotABucket) grouped[slot] = {layout.uppers[slot], input[i].value};
  }
  std::vector<Bucket> merged;
  Vector out;
  out.reserve(layout.histograms.size());
  for (const HistogramLayout::Histogram& h : layout.histograms) {
    const std::span<const Bucket> buckets(grouped.data() + h.first, h.size);
    double value;
    if (std::isnan(q)) {
      value = kNaN;
    } else if (q < 0) {
      value = -std::numeric_limits<double>::infinity();
    } else if (q > 1) {
      value = std::numeric_limits<double>::infinity();
    } else {
      if (!(std::isinf(buckets.back().upper) && buckets.back().upper > 0)) {
        value = kNaN;
      } else {
        // Merge buckets with equal bounds, then force counts to be monotonic.
        merged.clear();
        for (const auto& b : buckets) {
          if (!merged.empty() && merged.back().upper == b.upper) {
            merged.back().count += b.count;
          } else {
            merged.push_back(b);
          }
        }
        double max = -std::numeric_limits<double>::infinity();
        for (auto& b : merged) {
          if (b.count > max) {
            max = b.count;
          } else if (b.count < max) {
            b.count = max;
          }
        }
        if (merged.size() < 2) {
          value = kNaN;
        } else {
          const double observations = merged.back().count;
          if (observations == 0) {
            value = kNaN;
          } else {
            double rank = q * observations;
            std::size_t b = 0;
            while (b < merged.size() - 1 && !(merged[b].count >= rank)) ++b;
            if (b == merged.size() - 1) {
              value = merged[merged.size() - 2].upper;
            } else if (b == 0 && merged[0].upper <= 0) {
              value = merged[0].upper;
            } else {
              double start = 0;
              const double end = merged[b].upper;
              double count = merged[b].count;
              if (b > 0) {
                start = merged[b - 1].upper;
                count -= merged[b - 1].count;
                rank -= merged[b - 1].count;
              }
              value = start + (end - start) * (rank / count);
            }
          }
        }
      }
    }
    out.push_back(VectorSample{h.labels, value, 0});
  }
  return out;
}

namespace {

// Calls make(sample) for each input sample whose label set `memo` has not seen at that position,
// and replays the rest.
template <class Make>
Vector Relabel(const Vector& input, Relabelled* memo, Make make) {
  Vector out;
  out.reserve(input.size());
  bool all_reused = true;
  for (std::size_t i = 0; i < input.size(); ++i) {
    const VectorSample& sample = input[i];
    if (memo != nullptr && i < memo->entries.size() &&
        memo->entries[i].input.address() == sample.labels.address()) {
      out.push_back(VectorSample{memo->entries[i].output, sample.value, sample.t_ms});
      continue;
    }
    out.push_back(VectorSample{make(sample), sample.value, sample.t_ms});
    if (memo != nullptr) RememberNew(*memo, i, {sample.labels, out.back().labels}, &all_reused);
  }
  if (memo != nullptr) EndReuse(*memo, input.size(), all_reused);
  return out;
}

}  // namespace

Vector LabelReplace(const Vector& input, const std::string& dst, const std::string& replacement,
                    const std::string& src, const std::string& regex_text, Relabelled* memo) {
  RE2::Options options;
  options.set_log_errors(false);
  RE2 regex("^(?:" + regex_text + ")$", options);
  if (!regex.ok()) {
    Throw("invalid regular expression in label_replace(): " + regex_text);
  }
  if (!IsValidLabelName(dst)) Throw("invalid destination label name in label_replace(): " + dst);
  const int groups_count = regex.NumberOfCapturingGroups() + 1;
  std::vector<re2::StringPiece> groups(static_cast<std::size_t>(groups_count));
  return Relabel(input, memo, [&](const VectorSample& sample) {
    const std::string_view value = sample.labels.Get(src);
    const re2::StringPiece text(value.data(), value.size());
    if (!regex.Match(text, 0, text.size(), RE2::ANCHOR_BOTH, groups.data(), groups_count)) {
      return sample.labels;
    }
    Labels labels = sample.labels;
    labels.Set(dst, ExpandTemplate(replacement, regex, groups));
    return labels;
  });
}

Vector LabelJoin(const Vector& input, const std::string& dst, const std::string& separator,
                 const std::vector<std::string>& sources, Relabelled* memo) {
  if (!IsValidLabelName(dst)) Throw("invalid destination label name in label_join(): " + dst);
  for (const auto& source : sources) {
    if (!IsValidLabelName(source)) Throw("invalid source label name in label_join(): " + source);
  }
  return Relabel(input, memo, [&](const VectorSample& sample) {
    std::string joined;
    for (std::size_t i = 0; i < sources.size(); ++i) {
      if (i > 0) joined += separator;
      joined += sample.labels.Get(sources[i]);
    }
    Labels labels = sample.labels;
    labels.Set(dst, joined);  // an empty result removes dst
    return labels;
  });
}

void SortByValue(Vector& vector, bool descending) {
  std::stable_sort(vector.begin(), vector.end(), [&](const VectorSample& a, const VectorSample& b) {
    // NaN sorts last either way.
    if (std::isnan(a.value)) return false;
    if (std::isnan(b.value)) return true;
    return descending ? a.value > b.value : a.value < b.value;
  });
}

}  // namespace inferwatch::rules::promql::detail
