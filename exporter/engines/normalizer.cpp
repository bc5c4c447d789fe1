#include "exporter/engines/normalizer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <limits>
#include <optional>
#include <stdexcept>
#include <utility>

#include "exporter/engines/builtin_tables.h"
#include "exporter/engines/engine_tables.h"

namespace inferwatch::exporter {
namespace {

// Runtime series every Python/Go/C++ client library adds; they are neither engine series nor
// unmapped ones.
constexpr std::string_view kRuntimePrefixes[] = {"process_", "python_", "go_", "promhttp_"};

constexpr int kDerivedPriority = -100;  // a reported series always beats a derived one

constexpr std::string_view kUnknownVersion = "unknown";

bool HasPrefix(std::string_view name, std::span<const std::string> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(),
                     [&](const std::string& p) { return name.starts_with(p); });
}

std::string FormatNumber(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (std::isnan(v)) return "NaN";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string();
}

std::string RescaleBound(std::string_view le, const Conversion& convert) {
  if (le == "+Inf" || le == "Inf" || le == "+inf") return "+Inf";
  double bound = 0;
  const auto [ptr, ec] = std::from_chars(le.data(), le.data() + le.size(), bound);
  if (ec != std::errc() || ptr != le.data() + le.size()) return std::string(le);
  return FormatNumber(convert.Apply(bound));
}

bool MatchesAll(const LabelPairs& wanted, std::span<const parsers::Label> labels) {
  for (const auto& [name, value] : wanted) {
    bool found = false;
    for (const auto& label : labels) {
      if (label.name == name) {
        found = label.value == value;
        break;
      }
    }
    if (!found) return false;
  }
  return true;
}

bool Consumed(const LabelPairs& match, std::string_view name) {
  return std::any_of(match.begin(), match.end(), [&](const auto& m) { return m.first == name; });
}

struct Candidate {
  LabelPairs pairs;         // engine labels after renames (no name/target/engine yet)
  const std::string* base;  // canonical name
  std::string_view suffix;  // "", "_bucket", "_sum", "_count"
  double value = 0;
  std::optional<std::int64_t> timestamp_ms;
  int priority = 0;
  std::uint32_t engine = 0;
};

struct InfoItem {
  std::uint32_t engine = 0;
  LabelPairs pairs;
};

struct DerivedInput {
  std::uint32_t index = 0;
  bool numerator = false;
  LabelPairs pairs;
  double value = 0;
};

class NormalizeHandler final : public parsers::SampleHandler {
 public:
  NormalizeHandler(const EngineTables& tables, int forced_engine)
      : tables_(tables),
        forced_engine_(forced_engine),
        votes_(tables.engines().size(), 0),
        present_(tables.presence_count(), false),
        version_labels_(tables.engines().size()),
        variant_label_seen_(tables.engines().size()) {
    for (std::size_t i = 0; i < tables.engines().size(); ++i) {
      variant_label_seen_[i].assign(tables.engines()[i].variants.size(), false);
    }
  }

  bool OnSample(const parsers::Sample& sample) override {
    ++raw_;
    const NameEntry* entry = tables_.Find(sample.name);
    int engine = -1;
    if (entry != nullptr) {
      for (std::uint32_t id : entry->presence) present_[id] = true;
      engine = static_cast<int>(entry->engine);
    } else {
      engine = tables_.EngineByPrefix(sample.name);
    }
    if (forced_engine_ >= 0 && engine != forced_engine_) {
      entry = nullptr;  // another engine's names mean nothing under a configured engine
      engine = -1;
    }
    if (engine >= 0) {
      ++votes_[engine];
      NoteEngineLabels(static_cast<std::size_t>(engine), sample.labels);
      if (sample.value >= tables_.engines()[engine].blank_at_or_above) return true;
    }

    bool produced = false;
    bool ignored = false;
    if (entry != nullptr) {
      for (const Route& route : entry->routes) {
        switch (route.kind) {
          case RouteKind::kIgnore:
            ignored = true;
            break;
          case RouteKind::kMetric:
            produced |= AddMetric(route, sample);
            break;
          case RouteKind::kInfo:
            produced |= AddInfo(route, sample);
            break;
          case RouteKind::kDerivedNumerator:
          case RouteKind::kDerivedDenominator:
            AddDerivedInput(route, sample);
            produced = true;
            break;
        }
      }
    }
    if (produced || ignored || IsRuntime(sample.name, engine)) return true;
    ++unmapped_;
    return true;
  }

  void Finish(const NormalizeInput& in, const EngineTables& tables, NormalizeResult& out) {
    out.raw_samples = raw_;
    int engine = forced_engine_;
    if (engine < 0) {
      std::size_t best = 0;
      for (std::size_t i = 0; i < votes_.size(); ++i) {
        if (votes_[i] > best) {
          best = votes_[i];
          engine = static_cast<int>(i);
        }
      }
    }
    if (engine < 0) {
      // Unknown payload: everything non-runtime was counted as unmapped already.
      out.unmapped_series = unmapped_;
      return;
    }
    const EngineTable& table = tables.engines()[engine];
    out.engine = table.name;
    out.version = DetectVersion(table, static_cast<std::size_t>(engine));
    const std::string variant = DetectVariant(table, static_cast<std::size_t>(engine));

    AddDerivedCandidates(static_cast<std::uint32_t>(engine));

    struct Built {
      rules::Labels labels;
      double value;
      std::optional<std::int64_t> timestamp_ms;
      int priority;
    };
    std::vector<Built> built;
    built.reserve(candidates_.size());
    for (auto& c : candidates_) {
      if (c.engine != static_cast<std::uint32_t>(engine)) {
        ++unmapped_;
        continue;
      }
      std::string name = *c.base;
      name += c.suffix;
      built.push_back({Finalize(std::move(c.pairs), std::move(name), table.name, in), c.value,
                       c.timestamp_ms, c.priority});
    }
    out.unmapped_series = unmapped_;

    std::sort(built.begin(), built.end(),
              [](const Built& a, const Built& b) { return a.labels < b.labels; });
    std::vector<std::string> models;
    for (std::size_t i = 0; i < built.size();) {
      std::size_t j = i;
      int top = std::numeric_limits<int>::min();
      while (j < built.size() && built[j].labels == built[i].labels) {
        top = std::max(top, built[j].priority);
        ++j;
      }
      // Equal labels at equal priority are parts of one quantity (vLLM V0 "stop" and "length"
      // both become outcome="success"), so they add up; lower priorities are old spellings.
      CanonicalSample merged;
      merged.labels = std::move(built[i].labels);
      for (std::size_t k = i; k < j; ++k) {
        if (built[k].priority != top) continue;
        merged.value += built[k].value;
        if (built[k].timestamp_ms) merged.timestamp_ms = built[k].timestamp_ms;
      }
      const std::string_view model = merged.labels.Get("model");
      if (!model.empty() && std::find(models.begin(), models.end(), model) == models.end()) {
        models.emplace_back(model);
      }
      out.samples.push_back(std::move(merged));
      i = j;
    }
    AddEngineInfo(table, static_cast<std::uint32_t>(engine), variant, models, in, out);
  }

 private:
  bool IsRuntime(std::string_view name, int engine) const {
    for (std::string_view prefix : kRuntimePrefixes) {
      if (name.starts_with(prefix)) return true;
    }
    return engine >= 0 && HasPrefix(name, tables_.engines()[engine].ignore_prefixes);
  }

  void NoteEngineLabels(std::size_t engine, std::span<const parsers::Label> labels) {
    const EngineTable& table = tables_.engines()[engine];
    if (!table.version_label.empty() && version_labels_[engine].empty()) {
      for (const auto& label : labels) {
        if (label.name == table.version_label) version_labels_[engine] = label.value;
      }
    }
    for (std::size_t r = 0; r < table.variants.size(); ++r) {
      const std::string& wanted = table.variants[r].with_label;
      if (wanted.empty() || variant_label_seen_[engine][r]) continue;
      for (const auto& label : labels) {
        if (label.name == wanted) variant_label_seen_[engine][r] = true;
      }
    }
  }

  // An engine label's name after the table's renames; nullopt when the table drops the label.
  static std::optional<std::string_view> TableLabelName(const EngineTable& table,
                                                        std::string_view name) {
    if (std::find(table.drop_labels.begin(), table.drop_labels.end(), name) !=
        table.drop_labels.end()) {
      return std::nullopt;
    }
    for (const auto& [from, to] : table.label_renames) {
      if (from == name) return to;
    }
    return name;
  }

  // Engine labels after the table's renames and drops, minus the labels a mapping consumed.
  LabelPairs TableLabels(std::size_t engine, std::span<const parsers::Label> labels,
                         const LabelPairs& consumed) const {
    const EngineTable& table = tables_.engines()[engine];
    LabelPairs pairs;
    pairs.reserve(labels.size() + 2);
    for (const auto& label : labels) {
      if (Consumed(consumed, label.name)) continue;
      if (const auto name = TableLabelName(table, label.name)) {
        pairs.emplace_back(std::string(*name), std::string(label.value));
      }
    }
    return pairs;
  }

  bool AddMetric(const Route& route, const parsers::Sample& sample) {
    const MetricMapping& mapping = tables_.metrics()[route.index];
    if (!MatchesAll(mapping.match, sample.labels)) return false;
    const EngineTable& table = tables_.engines()[mapping.engine];
    Candidate c;
    c.pairs.reserve(sample.labels.size() + mapping.set_labels.size());
    for (const auto& label : sample.labels) {
      if (Consumed(mapping.match, label.name)) continue;
      if (route.role == SampleRole::kBucket && label.name == "le") {
        c.pairs.emplace_back("le", mapping.convert.identity()
                                       ? std::string(label.value)
                                       : RescaleBound(label.value, mapping.convert));
        continue;
      }
      const LabelRule* rule = nullptr;
      for (const auto& r : mapping.labels) {
        if (r.from == label.name) rule = &r;
      }
      if (rule != nullptr) {
        std::string_view value = label.value;
        for (const auto& [from, to] : rule->values) {
          if (from == value) {
            value = to;
            break;
          }
        }
        c.pairs.emplace_back(rule->to, std::string(value));
        continue;
      }
      if (const auto name = TableLabelName(table, label.name)) {
        c.pairs.emplace_back(std::string(*name), std::string(label.value));
      }
    }
    for (const auto& pair : mapping.set_labels) c.pairs.push_back(pair);
    c.base = &mapping.target;
    switch (route.role) {
      case SampleRole::kPlain:
        c.value = mapping.convert.Apply(sample.value);
        break;
      case SampleRole::kSum:
        c.suffix = "_sum";
        c.value = mapping.convert.Apply(sample.value);
        break;
      case SampleRole::kBucket:
        c.suffix = "_bucket";
        c.value = sample.value;  // counts do not change with the unit
        break;
      case SampleRole::kCount:
        c.suffix = "_count";
        c.value = sample.value;
        break;
    }
    c.timestamp_ms = sample.timestamp_ms;
    c.priority = mapping.priority;
    c.engine = route.engine;
    candidates_.push_back(std::move(c));
    return true;
  }

  bool AddInfo(const Route& route, const parsers::Sample& sample) {
    const InfoSource& info = tables_.infos()[route.index];
    if (!MatchesAll(info.match, sample.labels)) return false;
    InfoItem item;
    item.engine = route.engine;
    if (info.value_label.empty()) {
      item.pairs = TableLabels(info.engine, sample.labels, info.match);
    } else {
      // Only the model survives from the sample; the value becomes the configuration label.
      LabelPairs all = TableLabels(info.engine, sample.labels, info.match);
      for (auto& pair : all) {
        if (pair.first == "model") item.pairs.push_back(std::move(pair));
      }
      item.pairs.emplace_back(info.value_label, FormatNumber(sample.value));
    }
    infos_.push_back(std::move(item));
    return true;
  }

  void AddDerivedInput(const Route& route, const parsers::Sample& sample) {
    DerivedInput input;
    input.index = route.index;
    input.numerator = route.kind == RouteKind::kDerivedNumerator;
    input.pairs = TableLabels(route.engine, sample.labels, {});
    std::sort(input.pairs.begin(), input.pairs.end());
    input.value = sample.value;
    derived_inputs_.push_back(std::move(input));
  }

  void AddDerivedCandidates(std::uint32_t engine) {
    for (const auto& num : derived_inputs_) {
      if (!num.numerator) continue;
      const DerivedRatio& ratio = tables_.derived()[num.index];
      if (ratio.engine != engine) continue;
      for (const auto& den : derived_inputs_) {
        if (den.numerator || den.index != num.index || den.pairs != num.pairs) continue;
        if (den.value == 0 || !std::isfinite(den.value)) continue;
        Candidate c;
        c.pairs = num.pairs;
        c.base = &ratio.target;
        c.value = num.value / den.value;
        c.priority = kDerivedPriority;
        c.engine = engine;
        candidates_.push_back(std::move(c));
      }
    }
  }

  static rules::Labels Finalize(LabelPairs pairs, std::string name, const std::string& engine,
                                const NormalizeInput& in) {
    // Scraped labels never overwrite ours; like Prometheus, a colliding one becomes exported_*.
    for (auto& [label, value] : pairs) {
      const bool reserved = label == "__name__" || label == "target" || label == "engine" ||
                            (in.target_labels != nullptr && in.target_labels->Has(label));
      if (reserved) label.insert(0, "exported_");
    }
    pairs.emplace_back("__name__", std::move(name));
    if (!in.target.empty()) pairs.emplace_back("target", std::string(in.target));
    pairs.emplace_back("engine", engine);
    if (in.target_labels != nullptr) {
      for (const auto& pair : in.target_labels->pairs()) {
        // Like Prometheus, labels starting with "__" end with relabelling.
        if (!pair.first.starts_with("__")) pairs.emplace_back(pair.first, pair.second);
      }
    }
    return rules::Labels(pairs);
  }

  std::string DetectVersion(const EngineTable& table, std::size_t engine) const {
    if (!version_labels_[engine].empty()) return version_labels_[engine];
    for (const auto& rule : table.versions) {
      if (RuleHolds(rule, engine, std::nullopt)) return rule.value;
    }
    // Said outright rather than left blank, so a dashboard can tell "not detectable from this
    // payload" from a missing info series; never a guess.
    return std::string(kUnknownVersion);
  }

  std::string DetectVariant(const EngineTable& table, std::size_t engine) const {
    for (std::size_t r = 0; r < table.variants.size(); ++r) {
      if (RuleHolds(table.variants[r], engine, r)) return table.variants[r].value;
    }
    return {};
  }

  bool RuleHolds(const DetectionRule& rule, std::size_t engine,
                 std::optional<std::size_t> variant_index) const {
    for (std::size_t id : rule.present) {
      if (!present_[id]) return false;
    }
    for (std::size_t id : rule.absent) {
      if (present_[id]) return false;
    }
    if (!rule.with_label.empty()) {
      if (!variant_index) return false;
      if (!variant_label_seen_[engine][*variant_index]) return false;
    }
    return true;
  }

  void AddEngineInfo(const EngineTable& table, std::uint32_t engine, const std::string& variant,
                     std::vector<std::string> models, const NormalizeInput& in,
                     NormalizeResult& out) const {
    // Configuration from info series of a given model goes to that model's info series only.
    for (const auto& item : infos_) {
      if (item.engine != engine) continue;
      for (const auto& pair : item.pairs) {
        if (pair.first == "model" &&
            std::find(models.begin(), models.end(), pair.second) == models.end()) {
          models.push_back(pair.second);
        }
      }
    }
    if (models.empty()) models.emplace_back();
    for (const auto& model : models) {
      LabelPairs config;
      for (const auto& item : infos_) {
        if (item.engine != engine) continue;
        std::string_view item_model;
        for (const auto& pair : item.pairs) {
          if (pair.first == "model") item_model = pair.second;
        }
        if (!item_model.empty() && item_model != model) continue;
        for (const auto& pair : item.pairs) {
          if (pair.first == "model") continue;
          if (pair.first == "version" || pair.first == "variant") {
            config.emplace_back("exported_" + pair.first, pair.second);
          } else {
            config.push_back(pair);
          }
        }
      }
      if (!model.empty()) config.emplace_back("model", model);
      if (!out.version.empty()) config.emplace_back("version", out.version);
      if (!variant.empty()) config.emplace_back("variant", variant);
      CanonicalSample info;
      info.labels = Finalize(std::move(config), "llm_engine_info", table.name, in);
      info.value = 1;
      out.samples.push_back(std::move(info));
    }
  }

  const EngineTables& tables_;
  int forced_engine_;
  std::vector<std::size_t> votes_;
  std::vector<bool> present_;
  std::vector<std::string> version_labels_;
  std::vector<std::vector<bool>> variant_label_seen_;
  std::vector<Candidate> candidates_;
  std::vector<InfoItem> infos_;
  std::vector<DerivedInput> derived_inputs_;
  std::size_t raw_ = 0;
  std::size_t unmapped_ = 0;
};

std::vector<EngineTables::Source> ToSources(const std::vector<Normalizer::TableSource>& tables) {
  std::vector<EngineTables::Source> sources;
  sources.reserve(tables.size());
  for (const auto& t : tables) sources.push_back({t.name, t.yaml});
  return sources;
}

}  // namespace

Normalizer::Normalizer(const std::vector<TableSource>& tables)
    : tables_(std::make_unique<const EngineTables>(ToSources(tables))) {}

Normalizer::~Normalizer() = default;

const Normalizer& Normalizer::Builtin() {
  static const Normalizer* const kBuiltin = [] {
    std::vector<TableSource> tables;
    for (const auto& [name, text] : BuiltinTableTexts()) {
      tables.push_back({std::string(name), std::string(text)});
    }
    return new Normalizer(tables);
  }();
  return *kBuiltin;
}

std::vector<std::string> Normalizer::Engines() const {
  std::vector<std::string> names;
  for (const auto& table : tables_->engines()) names.push_back(table.name);
  return names;
}

NormalizeResult Normalizer::Normalize(const NormalizeInput& in) const {
  NormalizeResult out;
  int forced = -1;
  if (!in.configured_engine.empty() && in.configured_engine != "auto") {
    forced = tables_->EngineIndex(in.configured_engine);
    if (forced < 0) {
      out.error =
          parsers::ParseError{0, 0, "unknown engine '" + std::string(in.configured_engine) + "'"};
      return out;
    }
  }
  NormalizeHandler handler(*tables_, forced);
  const parsers::Format format = parsers::DetectFormat(in.content_type, in.body);
  if (auto error = parsers::Parse(in.body, format, handler, in.limits)) {
    out.error = std::move(error);
    return out;
  }
  handler.Finish(in, *tables_, out);
  return out;
}

bool IsKnownEngine(std::string_view name) {
  if (name == "auto") return true;
  for (const auto& engine : Normalizer::Builtin().Engines()) {
    if (engine == name) return true;
  }
  return false;
}

}  // namespace inferwatch::exporter
