#include "exporter/server/exposition_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <map>
#include <optional>
#include <set>

#include <fmt/format.h>
#include <prometheus/text_serializer.h>

#include "exporter/engines/canonical_series.h"

namespace inferwatch::exporter::server {
namespace {

void AppendEscaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '\\':
        out += "\\\\";
        break;
      case '"':
        out += "\\\"";
        break;
      case '\n':
        out += "\\n";
        break;
      default:
        out += c;
    }
  }
}

double QValue(std::string_view media_range) {
  const auto q = media_range.find("q=");
  if (q == std::string_view::npos) return 1.0;
  std::string_view text = media_range.substr(q + 2);
  text = text.substr(0, text.find(';'));
  double value = 1.0;
  std::from_chars(text.data(), text.data() + text.size(), value);
  return value;
}

// One sample line: name{labels} value. `extra` is appended as a further label (e.g. le).
void AppendSample(std::string& out, std::string_view name, const rules::Labels& labels,
                  std::string_view extra_name, std::string_view extra_value, double value) {
  out += name;
  bool any = false;
  auto open = [&] {
    out += any ? ',' : '{';
    any = true;
  };
  for (const auto& [label, label_value] : labels.pairs()) {
    if (label == "__name__" || label == extra_name) continue;
    open();
    out += label;
    out += "=\"";
    AppendEscaped(out, label_value);
    out += '"';
  }
  if (!extra_name.empty()) {
    open();
    out += extra_name;
    out += "=\"";
    AppendEscaped(out, extra_value);
    out += '"';
  }
  if (any) out += '}';
  out += ' ';
  out += FormatValue(value);
  out += '\n';
}

void AppendHeader(std::string& out, std::string_view family, std::string_view type) {
  out += "# TYPE ";
  out += family;
  out += ' ';
  out += type;
  out += '\n';
}

// HELP for store families comes from the canonical table; a family it does not name (a rule's
// own recording series) gets none rather than a made-up text. `lookup` is the text-format name.
void AppendCanonicalHelp(std::string& out, std::string_view family, std::string_view lookup) {
  const std::string help = CanonicalHelp(lookup);
  if (help.empty()) return;
  out += "# HELP ";
  out += family;
  out += ' ';
  out += help;
  out += '\n';
}

struct Point {
  rules::Labels labels;
  double value;
};

enum class Role { kBucket, kSum, kCount };

// Histogram series of one family, grouped by label set (without `le`).
struct HistogramSeries {
  std::vector<std::pair<double, Point>> buckets;  // by upper bound
  std::optional<Point> sum, count;
};

bool HasSuffix(std::string_view name, std::string_view suffix) {
  return name.size() > suffix.size() && name.ends_with(suffix);
}

double ParseBound(std::string_view le) {
  if (le == "+Inf" || le == "Inf") return INFINITY;
  double value = 0;
  std::from_chars(le.data(), le.data() + le.size(), value);
  return value;
}

}  // namespace

bool WantsOpenMetrics(std::string_view accept) {
  double openmetrics = -1;
  double text = -1;
  while (!accept.empty()) {
    const auto comma = accept.find(',');
    std::string_view range = accept.substr(0, comma);
    while (!range.empty() && range.front() == ' ') range.remove_prefix(1);
    if (range.starts_with("application/openmetrics-text")) {
      openmetrics = std::max(openmetrics, QValue(range));
    } else if (range.starts_with("text/plain")) {
      text = std::max(text, QValue(range));
    }
    if (comma == std::string_view::npos) break;
    accept.remove_prefix(comma + 1);
  }
  return openmetrics > 0 && openmetrics >= text;
}

std::string FormatValue(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  if (value == std::floor(value) && std::fabs(value) < 1e15) {
    return fmt::format("{}", static_cast<std::int64_t>(value));
  }
  return fmt::format("{}", value);
}

void WriteRegistry(const std::vector<prometheus::MetricFamily>& families, bool openmetrics,
                   std::string& out) {
  if (!openmetrics) {
    out += prometheus::TextSerializer().Serialize(families);
    return;
  }
  for (const auto& family : families) {
    if (family.metric.empty()) continue;
    std::string_view name = family.name;
    const bool counter = family.type == prometheus::MetricType::Counter;
    if (counter && HasSuffix(name, "_total")) name.remove_suffix(6);
    std::string_view type = "unknown";
    switch (family.type) {
      case prometheus::MetricType::Counter:
        type = "counter";
        break;
      case prometheus::MetricType::Gauge:
        type = "gauge";
        break;
      case prometheus::MetricType::Histogram:
        type = "histogram";
        break;
      case prometheus::MetricType::Summary:
        type = "summary";
        break;
      default:
        break;
    }
    AppendHeader(out, name, type);
    if (!family.help.empty()) {
      out += "# HELP ";
      out += name;
      out += ' ';
      AppendEscaped(out, family.help);
      out += '\n';
    }
    for (const auto& metric : family.metric) {
      std::vector<rules::Labels::Pair> pairs;
      for (const auto& label : metric.label) pairs.emplace_back(label.name, label.value);
      const rules::Labels labels(pairs);
      const std::string base(name);
      switch (family.type) {
        case prometheus::MetricType::Counter:
          AppendSample(out, base + "_total", labels, "", "", metric.counter.value);
          break;
        case prometheus::MetricType::Gauge:
          AppendSample(out, base, labels, "", "", metric.gauge.value);
          break;
        case prometheus::MetricType::Histogram:
          for (const auto& bucket : metric.histogram.bucket) {
            AppendSample(out, base + "_bucket", labels, "le", FormatValue(bucket.upper_bound),
                         static_cast<double>(bucket.cumulative_count));
          }
          AppendSample(out, base + "_count", labels, "", "",
                       static_cast<double>(metric.histogram.sample_count));
          AppendSample(out, base + "_sum", labels, "", "", metric.histogram.sample_sum);
          break;
        case prometheus::MetricType::Summary:
          for (const auto& quantile : metric.summary.quantile) {
            AppendSample(out, base, labels, "quantile", FormatValue(quantile.quantile),
                         quantile.value);
          }
          AppendSample(out, base + "_count", labels, "", "",
                       static_cast<double>(metric.summary.sample_count));
          AppendSample(out, base + "_sum", labels, "", "", metric.summary.sample_sum);
          break;
        default:
          AppendSample(out, base, labels, "", "", metric.untyped.value);
      }
    }
  }
}

void WriteStore(const store::ShortTermStore& store, std::int64_t now_ms, bool openmetrics,
                std::string& out) {
  // Collected first so histogram parts (named _bucket, _count, _sum) can be regrouped.
  std::map<std::string, std::vector<Point>, std::less<>> by_name;
  store.ForEachCurrent(now_ms, [&](const rules::Labels& labels, const rules::SamplePoint& point) {
    by_name[std::string(labels.MetricName())].push_back({labels, point.v});
  });

  // Histogram families: X where X_bucket series carry `le`.
  std::map<std::string, std::map<rules::Labels, HistogramSeries>> histograms;
  std::set<std::string, std::less<>> histogram_families;
  for (const auto& [name, points] : by_name) {
    if (HasSuffix(name, "_bucket") && points.front().labels.Has("le")) {
      histogram_families.insert(name.substr(0, name.size() - 7));
    }
  }
  auto histogram_part = [&](std::string_view name, std::string_view suffix) -> std::string {
    if (!HasSuffix(name, suffix)) return {};
    const std::string_view family = name.substr(0, name.size() - suffix.size());
    return histogram_families.contains(family) ? std::string(family) : std::string();
  };
  for (auto it = by_name.begin(); it != by_name.end();) {
    const std::string& name = it->first;
    std::string family;
    Role role = Role::kBucket;
    if (auto f = histogram_part(name, "_bucket"); !f.empty()) {
      family = std::move(f);
    } else if (auto g = histogram_part(name, "_sum"); !g.empty()) {
      family = std::move(g);
      role = Role::kSum;
    } else if (auto h = histogram_part(name, "_count"); !h.empty()) {
      family = std::move(h);
      role = Role::kCount;
    }
    if (family.empty()) {
      ++it;
      continue;
    }
    auto& series_by_labels = histograms[family];
    for (auto& point : it->second) {
      rules::Labels key = point.labels;
      key.Remove("__name__");
      const std::string le(key.Get("le"));
      key.Remove("le");
      auto& series = series_by_labels[key];
      switch (role) {
        case Role::kBucket:
          series.buckets.emplace_back(ParseBound(le), std::move(point));
          break;
        case Role::kSum:
          series.sum = std::move(point);
          break;
        case Role::kCount:
          series.count = std::move(point);
          break;
      }
    }
    it = by_name.erase(it);
  }

  for (const auto& [name, points] : by_name) {
    const bool counter = HasSuffix(name, "_total");
    std::string_view family = name;
    if (counter && openmetrics) family.remove_suffix(6);
    AppendCanonicalHelp(out, family, name);
    AppendHeader(out, family, counter ? "counter" : "gauge");
    for (const auto& point : points) AppendSample(out, name, point.labels, "", "", point.value);
  }
  for (auto& [family, series_by_labels] : histograms) {
    AppendCanonicalHelp(out, family, family);
    AppendHeader(out, family, "histogram");
    for (auto& [key, series] : series_by_labels) {
      std::sort(series.buckets.begin(), series.buckets.end(),
                [](const auto& a, const auto& b) { return a.first < b.first; });
      for (const auto& [bound, point] : series.buckets) {
        AppendSample(out, family + "_bucket", point.labels, "le",
                     std::string(point.labels.Get("le")), point.value);
      }
      if (series.count) AppendSample(out, family + "_count", key, "", "", series.count->value);
      if (series.sum) AppendSample(out, family + "_sum", key, "", "", series.sum->value);
    }
  }
}

}  // namespace inferwatch::exporter::server
