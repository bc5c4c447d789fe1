// The compiled form of the engine tables (exporter/engines/tables/*.yaml): every metric spelling
// of every engine is registered once in a hash map from sample name to what to do with it, so
// normalisation does one lookup per sample and never runs a regex.
#pragma once

#include <cstddef>
#include <cstdint>
#include <deque>
#include <limits>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace inferwatch::exporter {

using LabelPairs = std::vector<std::pair<std::string, std::string>>;

// A unit conversion as multiply-then-divide, so ms->s divides by 1000 exactly (100/1000 == 0.1).
struct Conversion {
  double multiply = 1;
  double divide = 1;
  bool identity() const { return multiply == 1 && divide == 1; }
  double Apply(double v) const { return v * multiply / divide; }
};

// A per-mapping label rule: rename `from` to `to` and translate some of its values.
struct LabelRule {
  std::string from;
  std::string to;
  LabelPairs values;  // engine value -> canonical value; unlisted values pass through
};

struct MetricMapping {
  std::size_t engine = 0;
  std::string target;  // canonical series (base name for histograms)
  bool histogram = false;
  Conversion convert;
  int priority = 0;  // among outputs with equal labels only the highest priority counts
  LabelPairs match;  // the sample must carry these label values; the labels are consumed
  std::vector<LabelRule> labels;
  LabelPairs set_labels;
};

struct InfoSource {
  std::size_t engine = 0;
  LabelPairs match;
  std::string value_label;  // empty: every label becomes an info label; else value -> this label
};

struct DerivedRatio {
  std::size_t engine = 0;
  std::string target;
};

struct DetectionRule {
  std::string value;                 // the version or variant this rule yields
  std::vector<std::size_t> present;  // presence ids that must all be seen
  std::vector<std::size_t> absent;   // presence ids that must not be seen
  std::string with_label;            // an engine sample must carry this label
};

struct EngineTable {
  std::string name;
  std::string source;  // table file name, for messages
  std::vector<std::string> detect_prefixes;
  std::vector<std::string> ignore_prefixes;
  LabelPairs label_renames;
  std::vector<std::string> drop_labels;
  double blank_at_or_above = std::numeric_limits<double>::infinity();
  std::string version_label;
  std::vector<DetectionRule> versions;
  std::vector<DetectionRule> variants;
};

// What a sample name leads to.
enum class SampleRole : std::uint8_t { kPlain, kBucket, kSum, kCount };
enum class RouteKind : std::uint8_t {
  kMetric,
  kInfo,
  kDerivedNumerator,
  kDerivedDenominator,
  kIgnore
};
struct Route {
  RouteKind kind = RouteKind::kMetric;
  SampleRole role = SampleRole::kPlain;
  std::uint32_t index = 0;  // into metrics / infos / derived
  std::uint32_t engine = 0;
};

struct NameEntry {
  std::vector<Route> routes;
  std::vector<std::uint32_t> presence;  // presence ids this name marks
  std::uint32_t engine = 0;             // the table that registered the name first
};

class EngineTables {
 public:
  struct Source {
    std::string name;
    std::string yaml;
  };
  // Throws std::runtime_error "FILE:LINE: cause" on a malformed table.
  explicit EngineTables(const std::vector<Source>& sources);

  const std::vector<EngineTable>& engines() const { return engines_; }
  const std::vector<MetricMapping>& metrics() const { return metrics_; }
  const std::vector<InfoSource>& infos() const { return infos_; }
  const std::vector<DerivedRatio>& derived() const { return derived_; }
  std::size_t presence_count() const { return presence_count_; }

  const NameEntry* Find(std::string_view sample_name) const {
    auto it = names_.find(sample_name);
    return it == names_.end() ? nullptr : &it->second;
  }
  // The engine whose detect prefix `sample_name` starts with, or -1.
  int EngineByPrefix(std::string_view sample_name) const;
  int EngineIndex(std::string_view engine) const;

 private:
  void LoadTable(const Source& source);
  NameEntry& Register(std::string_view name, std::size_t engine);
  std::size_t PresenceId(std::string_view name, std::size_t engine);

  std::vector<EngineTable> engines_;
  std::vector<MetricMapping> metrics_;
  std::vector<InfoSource> infos_;
  std::vector<DerivedRatio> derived_;
  std::deque<std::string> name_storage_;  // stable storage for the map's keys
  std::unordered_map<std::string_view, NameEntry> names_;
  std::unordered_map<std::string, std::size_t> presence_ids_;
  std::size_t presence_count_ = 0;
  // Per table: alias prefixes ("sglang_") for its canonical prefix ("sglang:").
  std::vector<std::pair<std::string, std::vector<std::string>>> aliases_;
};

}  // namespace inferwatch::exporter
