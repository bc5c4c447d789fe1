// `slos:` — each SLO becomes two rule groups, as SLO generators (Sloth, Pyrra) do:
//   inferwatch-slo-<name>                 windows the exporter keeps in memory (<= 1h by default):
//                                         objective, event rates over the base window, SLI ratios
//                                         and burn rates of the short windows;
//   inferwatch-slo-<name>-long-retention  windows longer than that, chained from the recorded
//                                         base-window event rates (sum_over_time), the error budget
//                                         and the multi-window multi-burn-rate conditions. Its
//                                         series carry retention="long": they need a ruler whose
//                                         store keeps the whole window (Prometheus, Thanos, Mimir).
// Windows are Google's 30-day set (5m 30m 1h 2h 6h 1d 3d) scaled to the SLO period.
#include <algorithm>
#include <cmath>
#include <optional>
#include <string>
#include <vector>

#include <fmt/format.h>

#include "rules/promql/duration.h"
#include "rules/rulefile/section.h"
#include "rules/sections/entry_reader.h"
#include "rules/sections/known_buckets.h"
#include "rules/sections/promql_text.h"

namespace inferwatch::rules::sections {

namespace {

using rulefile::Diagnostic;
using rulefile::KeyValues;
using rulefile::Rule;
using rulefile::RuleGroup;
using rulefile::SectionContext;

constexpr std::int64_t kMinuteMs = 60'000;
constexpr std::int64_t kHourMs = 60 * kMinuteMs;
constexpr std::int64_t kDayMs = 24 * kHourMs;
constexpr std::int64_t kReferencePeriodMs = 30 * kDayMs;
// Google's windows for a 30-day period (SRE workbook; slok/sloth google-30d.yaml).
constexpr std::int64_t kReferenceWindowsMs[] = {
    5 * kMinuteMs, 30 * kMinuteMs, kHourMs, 2 * kHourMs, 6 * kHourMs, kDayMs, 3 * kDayMs};

struct BurnCondition {
  int long_window;   // index into the windows
  int short_window;  // long / 12
  double factor;     // budget share x period / long window
};
struct BurnAlert {
  const char* name;
  BurnCondition conditions[2];
};
constexpr BurnAlert kBurnAlerts[] = {
    {"page", {{2, 0, 14.4}, {4, 1, 6}}},  // 2% of budget in 1h, 5% in 6h
    {"ticket", {{5, 3, 3}, {6, 4, 1}}},   // 10% in 1d, 10% in 3d
};

enum class SliKind { kLatency, kEvents, kComposite };

struct SloSpec {
  std::string name;
  double objective = 0;
  std::int64_t period_ms = kReferencePeriodMs;
  std::int64_t max_in_memory_ms = kHourMs;
  std::int64_t interval_ms = 0;
  std::vector<std::string> by = {"target", "model"};
  std::string description;
  SliKind kind = SliKind::kEvents;
  // latency
  std::string histogram;
  std::string selector;  // extra matchers, without braces
  double threshold = 0;
  bool interpolate = false;    // asked for in the file
  bool interpolating = false;  // the threshold is between edges and interpolate was asked for
  std::optional<std::vector<double>> declared_edges;  // the `buckets:` of the latency
  std::optional<double> lower_edge;  // interpolation: the edges around the threshold
  double upper_edge = 0;
  // events (with {{window}} placeholders)
  std::string good, bad, total;
  // composite
  std::vector<std::string> components;
  // per-model overrides: the default SLO excludes the overridden models, each override keeps one
  std::string model_filter;     // PromQL appended to every event expression ("" = none)
  std::string model;            // the model an override applies to ("" for the default)
  std::string excluded_models;  // regex of the overridden models (default SLO only)
  const YAML::Node* origin = nullptr;
};

Rule Record(std::string name, std::string expr, KeyValues labels, const SectionContext& ctx,
            const YAML::Node& origin) {
  Rule rule;
  rule.name = std::move(name);
  rule.expr = std::move(expr);
  rule.labels = std::move(labels);
  rule.pos = ctx.PositionOf(origin);
  return rule;
}

std::string ModelVector(const std::string& model) {
  return fmt::format("label_replace(vector(1), \"model\", {}, \"\", \"\")", QuoteString(model));
}

class SloExpander {
 public:
  SloExpander(const SloSpec& spec, const SectionContext& ctx) : spec_(spec), ctx_(ctx) {
    for (std::int64_t reference : kReferenceWindowsMs) {
      // Scaled to the period and rounded to whole seconds so durations print cleanly.
      const double scaled = static_cast<double>(reference) * static_cast<double>(spec.period_ms) /
                            static_cast<double>(kReferencePeriodMs);
      windows_.push_back(std::max<std::int64_t>(1000, std::llround(scaled / 1000.0) * 1000));
    }
    by_ = JoinLabels(spec.by);
    budget_ = FormatNumber(1.0 - spec.objective);
  }

  void Expand(std::vector<RuleGroup>& out) {
    RuleGroup short_group;
    short_group.name = "inferwatch-slo-" + GroupStem();
    short_group.interval_ms = spec_.interval_ms;
    short_group.pos = ctx_.PositionOf(*spec_.origin);
    RuleGroup long_group = short_group;
    long_group.name += "-long-retention";

    KeyValues objective_labels = {{"slo", spec_.name}};
    if (!spec_.model.empty()) objective_labels.emplace_back("model", spec_.model);
    short_group.rules.push_back(Record("llm_slo_objective_ratio",
                                       fmt::format("vector({})", FormatNumber(spec_.objective)),
                                       objective_labels, ctx_, *spec_.origin));

    const std::string base = Window(0);
    if (spec_.kind != SliKind::kComposite) {
      short_group.rules.push_back(Record("llm_slo_good_event_rate", GoodRate(base),
                                         WindowLabels(base, false), ctx_, *spec_.origin));
      short_group.rules.push_back(Record("llm_slo_total_event_rate", TotalRate(base),
                                         WindowLabels(base, false), ctx_, *spec_.origin));
    }

    std::vector<std::int64_t> all_windows = windows_;
    if (std::find(all_windows.begin(), all_windows.end(), spec_.period_ms) == all_windows.end()) {
      all_windows.push_back(spec_.period_ms);
    }
    for (std::int64_t window_ms : all_windows) {
      const bool is_long = window_ms > spec_.max_in_memory_ms;
      const std::string window = promql::FormatDurationMs(window_ms);
      RuleGroup& group = is_long ? long_group : short_group;
      group.rules.push_back(Record("llm_slo_sli_ratio", SliExpr(window_ms, is_long),
                                   WindowLabels(window, is_long), ctx_, *spec_.origin));
      group.rules.push_back(Record("llm_slo_burn_rate",
                                   fmt::format("(1 - {}) / {}", SliSelector(window), budget_),
                                   WindowLabels(window, is_long), ctx_, *spec_.origin));
    }

    const std::string period = promql::FormatDurationMs(spec_.period_ms);
    RuleGroup& budget_group = spec_.period_ms > spec_.max_in_memory_ms ? long_group : short_group;
    budget_group.rules.push_back(
        Record("llm_slo_error_budget_remaining_ratio",
               fmt::format("1 - max without (window) ({})", BurnSelector(period)), SloLabels(),
               ctx_, *spec_.origin));

    for (const BurnAlert& alert : kBurnAlerts) {
      std::string conditions;
      bool needs_long = false;
      for (const BurnCondition& condition : alert.conditions) {
        // One-to-one matching with ignoring() drops window and retention, so both conditions
        // end with the same labels and are OR-ed arithmetically.
        if (!conditions.empty()) conditions += " + ";
        const std::string factor = FormatNumber(condition.factor);
        conditions += fmt::format("(({} > bool {}) * ignoring (window, retention) ({} > bool {}))",
                                  BurnSelector(Window(condition.long_window)), factor,
                                  BurnSelector(Window(condition.short_window)), factor);
        needs_long = needs_long || windows_[condition.long_window] > spec_.max_in_memory_ms;
      }
      KeyValues labels = SloLabels();
      labels.emplace_back("alert", alert.name);
      (needs_long ? long_group : short_group)
          .rules.push_back(Record("llm_slo_burn_alert_active",
                                  fmt::format("clamp_max({}, 1)", conditions), std::move(labels),
                                  ctx_, *spec_.origin));
    }

    out.push_back(std::move(short_group));
    if (!long_group.rules.empty()) out.push_back(std::move(long_group));
  }

 private:
  std::string GroupStem() const {
    if (spec_.model.empty()) return spec_.name;
    std::string stem = spec_.name + "-model-";
    for (char c : spec_.model) stem += std::isalnum(static_cast<unsigned char>(c)) ? c : '_';
    return stem;
  }
  std::string Window(int index) const { return promql::FormatDurationMs(windows_[index]); }

  KeyValues SloLabels() const {
    KeyValues labels = {{"slo", spec_.name}};
    if (spec_.interpolating) labels.emplace_back("interpolated", "true");
    return labels;
  }
  KeyValues WindowLabels(const std::string& window, bool is_long) const {
    KeyValues labels = SloLabels();
    labels.emplace_back("window", window);
    if (is_long) labels.emplace_back("retention", "long");
    return labels;
  }
  std::string IdentitySelector(const std::string& metric, const std::string& window) const {
    std::string selector =
        fmt::format("{}{{slo={},window={}", metric, QuoteString(spec_.name), QuoteString(window));
    if (!spec_.model.empty()) selector += ",model=" + QuoteString(spec_.model);
    if (!spec_.excluded_models.empty()) selector += ",model!~" + QuoteString(spec_.excluded_models);
    return selector + "}";
  }
  std::string SliSelector(const std::string& window) const {
    return IdentitySelector("llm_slo_sli_ratio", window);
  }
  std::string BurnSelector(const std::string& window) const {
    return IdentitySelector("llm_slo_burn_rate", window);
  }

  std::string Filtered(const std::string& expr) const {
    if (spec_.model_filter.empty()) return expr;
    return fmt::format("({}) {}", expr, spec_.model_filter);
  }

  std::string BucketRate(double bound, const std::string& window) const {
    std::string matchers = "le=~" + QuoteString(LeRegex(bound));
    if (!spec_.selector.empty()) matchers += "," + spec_.selector;
    return fmt::format("sum by ({}) (rate({}_bucket{{{}}}[{}]))", by_, spec_.histogram, matchers,
                       window);
  }

  // Events meeting the objective per second over `window`, by the SLO's labels.
  std::string GoodRate(const std::string& window) const {
    switch (spec_.kind) {
      case SliKind::kLatency: {
        if (!spec_.interpolating) return Filtered(BucketRate(spec_.threshold, window));
        // Linear interpolation inside the bucket, as histogram_quantile does.
        const std::string upper = BucketRate(spec_.upper_edge, window);
        const double lower_bound = spec_.lower_edge.value_or(0);
        const std::string fraction =
            FormatNumber((spec_.threshold - lower_bound) / (spec_.upper_edge - lower_bound));
        if (!spec_.lower_edge) return Filtered(fmt::format("{} * {}", upper, fraction));
        const std::string lower = BucketRate(*spec_.lower_edge, window);
        return Filtered(fmt::format("{0} + ({1} - {0}) * {2}", lower, upper, fraction));
      }
      case SliKind::kEvents: {
        if (!spec_.good.empty()) {
          return Filtered(fmt::format("sum by ({}) ({})", by_, Instantiate(spec_.good, window)));
        }
        // A missing bad-event series means no bad events, not an unknown SLI.
        const std::string total = TotalRate(window);
        return fmt::format("{0} - ((sum by ({1}) ({2})) or {0} * 0)", total, by_,
                           Filtered(Instantiate(spec_.bad, window)));
      }
      case SliKind::kComposite:
        break;
    }
    return "";
  }
  std::string TotalRate(const std::string& window) const {
    if (spec_.kind == SliKind::kLatency) {
      const std::string matchers = spec_.selector.empty() ? "" : "{" + spec_.selector + "}";
      return Filtered(fmt::format("sum by ({}) (rate({}_count{}[{}]))", by_, spec_.histogram,
                                  matchers, window));
    }
    return Filtered(fmt::format("sum by ({}) ({})", by_, Instantiate(spec_.total, window)));
  }
  static std::string Instantiate(const std::string& templ, const std::string& window) {
    return ReplaceAll(ReplaceAll(templ, "{{window}}", window), "{{ window }}", window);
  }

  std::string SliExpr(std::int64_t window_ms, bool is_long) const {
    const std::string window = promql::FormatDurationMs(window_ms);
    if (spec_.kind == SliKind::kComposite) {
      // Fréchet lower bound: a request misses at least one objective with probability at most the
      // sum of the per-objective miss ratios.
      std::string names;
      for (const std::string& component : spec_.components) {
        if (!names.empty()) names += "|";
        names += RegexQuote(component);
      }
      return fmt::format(
          "clamp_min(1 - sum without (slo, interpolated) (1 - llm_slo_sli_ratio{{slo=~{},"
          "window={}}}), 0)",
          QuoteString(names), QuoteString(window));
    }
    if (window_ms == windows_[0]) {
      return fmt::format("{} / {}", IdentitySelector("llm_slo_good_event_rate", window),
                         IdentitySelector("llm_slo_total_event_rate", window));
    }
    if (is_long) {
      const std::string base = Window(0);
      return fmt::format("sum_over_time({}[{}]) / sum_over_time({}[{}])",
                         IdentitySelector("llm_slo_good_event_rate", base), window,
                         IdentitySelector("llm_slo_total_event_rate", base), window);
    }
    return fmt::format("({}) / ({})", GoodRate(window), TotalRate(window));
  }

  const SloSpec& spec_;
  const SectionContext& ctx_;
  std::vector<std::int64_t> windows_;
  std::string by_;
  std::string budget_;
};

class SlosSection final : public rulefile::SectionKind {
 public:
  std::string_view key() const override { return "slos"; }

  void Expand(const YAML::Node& section, const SectionContext& ctx, std::vector<RuleGroup>& out,
              std::vector<Diagnostic>& diagnostics) const override {
    if (!ExpectList(section, ctx, "slos must be a list of SLOs", diagnostics)) return;
    std::vector<std::string> seen;
    std::vector<SloSpec> specs;
    std::vector<YAML::Node> origins;
    for (const YAML::Node& entry : section) origins.push_back(entry);
    for (const YAML::Node& entry : origins) Parse(entry, ctx, seen, specs, diagnostics);
    for (const SloSpec& spec : specs) {
      if (spec.kind != SliKind::kComposite) continue;
      for (const std::string& component : spec.components) {
        if (std::find(seen.begin(), seen.end(), component) == seen.end()) {
          diagnostics.push_back(ctx.ErrorAt(
              *spec.origin, fmt::format("slo \"{}\" combines unknown slo \"{}\" (all_of names "
                                        "SLOs of the same slos: section)",
                                        spec.name, component)));
        }
      }
    }
    if (rulefile::HasErrors(diagnostics)) return;
    for (const SloSpec& spec : specs) SloExpander(spec, ctx).Expand(out);
  }

 private:
  static void Parse(const YAML::Node& entry, const SectionContext& ctx,
                    std::vector<std::string>& seen, std::vector<SloSpec>& specs,
                    std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(entry, "slo", ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown({"name", "objective", "period", "by", "description", "latency", "events",
                          "all_of", "max_in_memory_window", "interval", "overrides"});
    SloSpec spec;
    spec.origin = &entry;
    const auto name = ReadEntryName(reader, "slo", seen, ctx, diagnostics);
    if (name) spec.name = *name;
    if (const auto objective = reader.Number("objective", true)) {
      if (!(*objective > 0 && *objective < 1)) {
        reader.ErrorAt(reader.Node("objective"),
                       fmt::format("objective {} must be a ratio between 0 and 1 (0.99, not 99)",
                                   FormatNumber(*objective)));
      }
      spec.objective = *objective;
    }
    spec.period_ms = reader.DurationMs("period", false).value_or(kReferencePeriodMs);
    spec.max_in_memory_ms = reader.DurationMs("max_in_memory_window", false).value_or(kHourMs);
    spec.interval_ms = reader.DurationMs("interval", false).value_or(0);
    spec.description = reader.String("description", false).value_or("");
    if (auto by = reader.StringList("by", false)) {
      for (const std::string& label : *by) {
        if (!IsValidLabelName(label)) {
          reader.ErrorAt(reader.Node("by"), fmt::format("\"{}\" is not a valid label name", label));
        }
      }
      spec.by = std::move(*by);
    }

    const int kinds = reader.Has("latency") + reader.Has("events") + reader.Has("all_of");
    if (kinds != 1) {
      reader.Error(
          fmt::format("slo \"{}\" needs exactly one of latency, events or all_of", spec.name));
    } else if (reader.Has("latency")) {
      ParseLatency(reader.Node("latency"), spec, ctx, diagnostics);
    } else if (reader.Has("events")) {
      ParseEvents(reader.Node("events"), spec, ctx, diagnostics);
    } else {
      spec.kind = SliKind::kComposite;
      spec.components = reader.StringList("all_of", true).value_or(std::vector<std::string>{});
      if (spec.components.size() < 2) {
        reader.ErrorAt(reader.Node("all_of"), "all_of needs at least two SLO names");
      }
    }
    if (spec.period_ms / 8640 > spec.max_in_memory_ms) {
      reader.ErrorAt(reader.Node("max_in_memory_window"),
                     "max_in_memory_window is shorter than the smallest SLO window");
    }
    if (reader.failed() || rulefile::HasErrors(diagnostics)) return;

    std::vector<SloSpec> overrides;
    if (reader.Has("overrides")) {
      if (spec.kind == SliKind::kComposite) {
        reader.ErrorAt(reader.Node("overrides"),
                       "overrides are not supported on all_of SLOs: override the components");
        return;
      }
      if (std::find(spec.by.begin(), spec.by.end(), "model") == spec.by.end()) {
        reader.ErrorAt(reader.Node("overrides"), "overrides need \"model\" among the by labels");
        return;
      }
      const YAML::Node list = reader.Node("overrides");
      if (!list.IsSequence()) {
        reader.ErrorAt(list, "overrides must be a list of {model, objective, threshold}");
        return;
      }
      std::string excluded;
      std::string excluded_regex;
      for (const YAML::Node& item : list) {
        EntryReader override_reader(item, fmt::format("override of slo \"{}\"", spec.name), ctx,
                                    diagnostics);
        if (!override_reader.IsMapping()) continue;
        override_reader.RejectUnknown({"model", "objective", "threshold"});
        SloSpec copy = spec;
        copy.model = override_reader.String("model", true).value_or("");
        if (auto objective = override_reader.Number("objective", false)) {
          if (!(*objective > 0 && *objective < 1)) {
            override_reader.ErrorAt(override_reader.Node("objective"),
                                    "objective must be a ratio between 0 and 1");
          }
          copy.objective = *objective;
        }
        if (auto threshold = override_reader.Number("threshold", false)) {
          if (spec.kind != SliKind::kLatency) {
            override_reader.ErrorAt(override_reader.Node("threshold"),
                                    "threshold applies to latency SLOs only");
          }
          copy.threshold = *threshold;
          if (!CheckThreshold(override_reader.Node("threshold"), copy, ctx, diagnostics)) continue;
        }
        if (override_reader.failed()) continue;
        copy.model_filter = "and on (model) " + ModelVector(copy.model);
        excluded += (excluded.empty() ? "" : " or ") + ModelVector(copy.model);
        excluded_regex += (excluded_regex.empty() ? "" : "|") + RegexQuote(copy.model);
        overrides.push_back(std::move(copy));
      }
      if (!excluded.empty()) {
        spec.model_filter = "unless on (model) (" + excluded + ")";
        spec.excluded_models = excluded_regex;
      }
    }
    specs.push_back(std::move(spec));
    for (SloSpec& copy : overrides) specs.push_back(std::move(copy));
  }

  static void ParseLatency(const YAML::Node& node, SloSpec& spec, const SectionContext& ctx,
                           std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(node, fmt::format("latency of slo \"{}\"", spec.name), ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown({"histogram", "threshold", "buckets", "interpolate", "selector"});
    spec.kind = SliKind::kLatency;
    spec.histogram = reader.String("histogram", true).value_or("");
    spec.selector = reader.String("selector", false).value_or("");
    if (!spec.selector.empty() && spec.selector.front() == '{' && spec.selector.back() == '}') {
      spec.selector = spec.selector.substr(1, spec.selector.size() - 2);
    }
    spec.interpolate = reader.Bool("interpolate", false).value_or(false);
    const auto threshold = reader.Number("threshold", true);
    if (reader.Has("buckets")) {
      const YAML::Node buckets = reader.Node("buckets");
      if (!buckets.IsSequence() || buckets.size() == 0) {
        reader.ErrorAt(buckets, "buckets must be a non-empty list of bucket edges (seconds)");
      } else {
        std::vector<double> edges;
        for (const YAML::Node& edge : buckets) {
          try {
            edges.push_back(edge.as<double>());
          } catch (const YAML::Exception&) {
            reader.ErrorAt(edge, "bucket edges must be numbers");
          }
        }
        if (!std::is_sorted(edges.begin(), edges.end())) {
          reader.ErrorAt(buckets, "bucket edges must be in ascending order");
        }
        spec.declared_edges = edges;
      }
    }
    if (reader.failed() || !threshold) return;
    spec.threshold = *threshold;
    if (!(spec.threshold > 0)) {
      reader.ErrorAt(reader.Node("threshold"), "threshold must be a positive number of seconds");
      return;
    }
    CheckThreshold(reader.Node("threshold"), spec, ctx, diagnostics);
  }

  // Validates the latency threshold against the bucket edges; fills the interpolation edges.
  static bool CheckThreshold(const YAML::Node& node, SloSpec& spec, const SectionContext& ctx,
                             std::vector<Diagnostic>& diagnostics) {
    if (!spec.declared_edges) {
      if (spec.interpolate) {
        diagnostics.push_back(ctx.ErrorAt(
            node, "interpolate: true needs the histogram's bucket edges listed in buckets:"));
        return false;
      }
      for (const KnownBucketSet& known : KnownBuckets(spec.histogram)) {
        const EdgeLookup lookup = LookupEdge(known.edges, spec.threshold);
        if (lookup.is_edge) continue;
        diagnostics.push_back(ctx.WarningAt(
            node, fmt::format("latency threshold {} is not a default bucket edge of {} on {} "
                              "(nearest edges: {}); those targets will have no SLI unless their "
                              "buckets are changed",
                              FormatNumber(spec.threshold), spec.histogram, known.engine,
                              DescribeNearestEdges(lookup))));
      }
      return true;
    }
    const EdgeLookup lookup = LookupEdge(*spec.declared_edges, spec.threshold);
    spec.interpolating = false;
    if (lookup.is_edge) return true;
    if (!spec.interpolate) {
      diagnostics.push_back(ctx.ErrorAt(
          node,
          fmt::format("latency threshold {} is not a bucket edge of {}: the nearest edges "
                      "are {} (use one of them, or set interpolate: true)",
                      FormatNumber(spec.threshold), spec.histogram, DescribeNearestEdges(lookup))));
      return false;
    }
    if (!lookup.above) {
      diagnostics.push_back(ctx.ErrorAt(
          node,
          fmt::format("latency threshold {} is above the last bucket edge {} of {}: "
                      "nothing to interpolate towards",
                      FormatNumber(spec.threshold), DescribeNearestEdges(lookup), spec.histogram)));
      return false;
    }
    spec.lower_edge = lookup.below;
    spec.upper_edge = *lookup.above;
    spec.interpolating = true;
    return true;
  }

  static void ParseEvents(const YAML::Node& node, SloSpec& spec, const SectionContext& ctx,
                          std::vector<Diagnostic>& diagnostics) {
    EntryReader reader(node, fmt::format("events of slo \"{}\"", spec.name), ctx, diagnostics);
    if (!reader.IsMapping()) return;
    reader.RejectUnknown({"good", "bad", "total"});
    spec.kind = SliKind::kEvents;
    spec.good = reader.String("good", false).value_or("");
    spec.bad = reader.String("bad", false).value_or("");
    spec.total = reader.String("total", true).value_or("");
    if (spec.good.empty() == spec.bad.empty()) {
      reader.Error("events need exactly one of good or bad, and total");
    }
    for (const std::string* text : {&spec.good, &spec.bad, &spec.total}) {
      if (!text->empty() && text->find("{{window}}") == std::string::npos &&
          text->find("{{ window }}") == std::string::npos) {
        reader.Error(
            fmt::format("event expression \"{}\" must use {{{{window}}}} as its range", *text));
      }
    }
  }
};

}  // namespace

INFERWATCH_REGISTER_SECTION_KIND(SlosSection);

}  // namespace inferwatch::rules::sections
