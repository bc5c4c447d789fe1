// Functions over range vectors (rate, increase, *_over_time, holt_winters, ...).
#include <cmath>
#include <limits>

#include "rules/promql/eval_internal.h"

namespace inferwatch::rules::promql::detail {

namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

double ExtrapolatedRate(std::span<const SamplePoint> points, const RangeWindow& window,
                        bool is_counter, bool is_rate, bool* ok) {
  *ok = points.size() >= 2;
  if (!*ok) return 0;
  const SamplePoint& first = points.front();
  const SamplePoint& last = points.back();
  double result = last.v - first.v;
  if (is_counter) {
    double previous = 0;
    for (const auto& p : points) {
      if (p.v < previous) result += previous;
      previous = p.v;
    }
  }
  double to_start = static_cast<double>(first.t_ms - window.start_ms) / 1000;
  const double to_end = static_cast<double>(window.end_ms - last.t_ms) / 1000;
  const double sampled = static_cast<double>(last.t_ms - first.t_ms) / 1000;
  const double average_gap = sampled / static_cast<double>(points.size() - 1);
  if (is_counter && result > 0 && first.v >= 0) {
    // A counter cannot have been below zero: don't extrapolate past its zero point.
    const double to_zero = sampled * (first.v / result);
    if (to_zero < to_start) to_start = to_zero;
  }
  const double threshold = average_gap * 1.1;
  double interval = sampled;
  interval += to_start < threshold ? to_start : average_gap / 2;
  interval += to_end < threshold ? to_end : average_gap / 2;
  result = result * (interval / sampled);
  if (is_rate) result /= static_cast<double>(window.range_ms) / 1000;
  return result;
}

void LinearRegression(std::span<const SamplePoint> points, std::int64_t intercept_ms, double* slope,
                      double* intercept) {
  double n = 0, sum_x = 0, sum_y = 0, sum_xy = 0, sum_x2 = 0;
  const double init_y = points[0].v;
  bool const_y = true;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (const_y && i > 0 && points[i].v != init_y) const_y = false;
    n += 1;
    const double x = static_cast<double>(points[i].t_ms - intercept_ms) / 1e3;
    sum_x += x;
    sum_y += points[i].v;
    sum_xy += x * points[i].v;
    sum_x2 += x * x;
  }
  if (const_y) {
    if (std::isinf(init_y)) {
      *slope = kNaN;
      *intercept = kNaN;
    } else {
      *slope = 0;
      *intercept = init_y;
    }
    return;
  }
  const double cov_xy = sum_xy - sum_x * sum_y / n;
  const double var_x = sum_x2 - sum_x * sum_x / n;
  *slope = cov_xy / var_x;
  *intercept = sum_y / n - *slope * sum_x / n;
}

double HoltWinters(std::span<const SamplePoint> points, double sf, double tf) {
  double s0 = 0;
  double s1 = points[0].v;
  double b = points[1].v - points[0].v;
  for (std::size_t i = 1; i < points.size(); ++i) {
    const double x = sf * points[i].v;
    if (i > 1) b = tf * (s1 - s0) + (1 - tf) * b;
    const double y = (1 - sf) * (s1 + b);
    s0 = s1;
    s1 = x + y;
  }
  return s1;
}

std::string FormatFloat(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%f", v);
  return buf;
}

}  // namespace

bool EvalRangeFunction(std::string_view name, std::span<const SamplePoint> points,
                       const RangeWindow& window, const std::vector<double>& scalar_args,
                       std::int64_t eval_ms, double* out) {
  if (points.empty()) return false;
  bool ok = true;
  if (name == "rate") {
    *out = ExtrapolatedRate(points, window, true, true, &ok);
  } else if (name == "increase") {
    *out = ExtrapolatedRate(points, window, true, false, &ok);
  } else if (name == "delta") {
    *out = ExtrapolatedRate(points, window, false, false, &ok);
  } else if (name == "irate" || name == "idelta") {
    if (points.size() < 2) return false;
    const SamplePoint& last = points[points.size() - 1];
    const SamplePoint& previous = points[points.size() - 2];
    const bool is_rate = name == "irate";
    double result = is_rate && last.v < previous.v ? last.v : last.v - previous.v;
    const std::int64_t interval = last.t_ms - previous.t_ms;
    if (interval == 0) return false;
    if (is_rate) result /= static_cast<double>(interval) / 1000;
    *out = result;
  } else if (name == "deriv") {
    if (points.size() < 2) return false;
    double intercept = 0;
    LinearRegression(points, points[0].t_ms, out, &intercept);
  } else if (name == "predict_linear") {
    if (points.size() < 2) return false;
    double slope = 0, intercept = 0;
    LinearRegression(points, eval_ms, &slope, &intercept);
    *out = slope * scalar_args.at(0) + intercept;
  } else if (name == "holt_winters") {
    const double sf = scalar_args.at(0);
    const double tf = scalar_args.at(1);
    if (sf <= 0 || sf >= 1) {
      Throw("invalid smoothing factor. Expected: 0 < sf < 1, got: " + FormatFloat(sf));
    }
    if (tf <= 0 || tf >= 1) {
      Throw("invalid trend factor. Expected: 0 < tf < 1, got: " + FormatFloat(tf));
    }
    if (points.size() < 2) return false;
    *out = HoltWinters(points, sf, tf);
  } else if (name == "resets") {
    double count = 0;
    for (std::size_t i = 1; i < points.size(); ++i) {
      if (points[i].v < points[i - 1].v) count += 1;
    }
    *out = count;
  } else if (name == "changes") {
    double count = 0;
    for (std::size_t i = 1; i < points.size(); ++i) {
      const double cur = points[i].v;
      const double prev = points[i - 1].v;
      if (cur != prev && !(std::isnan(cur) && std::isnan(prev))) count += 1;
    }
    *out = count;
  } else if (name == "avg_over_time") {
    double mean = 0, count = 0;
    for (const auto& p : points) {
      count += 1;
      if (std::isinf(mean)) {
        if (std::isinf(p.v) && (mean > 0) == (p.v > 0)) continue;
        if (!std::isinf(p.v) && !std::isnan(p.v)) continue;
      }
      mean += p.v / count - mean / count;
    }
    *out = mean;
  } else if (name == "count_over_time") {
    *out = static_cast<double>(points.size());
  } else if (name == "last_over_time") {
    *out = points.back().v;
  } else if (name == "present_over_time") {
    *out = 1;
  } else if (name == "max_over_time") {
    double max = points[0].v;
    for (const auto& p : points) {
      if (p.v > max || std::isnan(max)) max = p.v;
    }
    *out = max;
  } else if (name == "min_over_time") {
    double min = points[0].v;
    for (const auto& p : points) {
      if (p.v < min || std::isnan(min)) min = p.v;
    }
    *out = min;
  } else if (name == "sum_over_time") {
    double sum = 0;
    for (const auto& p : points) sum += p.v;
    *out = sum;
  } else if (name == "quantile_over_time") {
    std::vector<double> values;
    values.reserve(points.size());
    for (const auto& p : points) values.push_back(p.v);
    *out = Quantile(scalar_args.at(0), values);
  } else if (name == "stddev_over_time" || name == "stdvar_over_time") {
    double count = 0, mean = 0, aux = 0;
    for (const auto& p : points) {
      count += 1;
      const double delta = p.v - mean;
      mean += delta / count;
      aux += delta * (p.v - mean);
    }
    *out = name == "stddev_over_time" ? std::sqrt(aux / count) : aux / count;
  } else {
    Throw("unknown range function " + std::string(name));
  }
  return ok;
}

}  // namespace inferwatch::rules::promql::detail
