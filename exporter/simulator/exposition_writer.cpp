#include "exporter/simulator/exposition_writer.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstdio>

namespace inferwatch::exporter::simulator {
namespace {

std::string Shortest(double value, std::chars_format format) {
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof buf, value, format);
  return ec == std::errc() ? std::string(buf, end) : std::string("0");
}

std::string PythonFloat(double value) {
  // repr(): fixed notation between 1e-4 and 1e16, always with a fractional part.
  const double magnitude = std::fabs(value);
  std::string s;
  if (value != 0 && (magnitude < 1e-4 || magnitude >= 1e16)) {
    s = Shortest(value, std::chars_format::scientific);
  } else {
    s = Shortest(value, std::chars_format::fixed);
    if (s.find('.') == std::string::npos) s += ".0";
  }
  // prometheus_client's floatToGoString switches to an exponent past 6 integer digits.
  const std::size_t dot = s.find('.');
  if (value > 0 && dot != std::string::npos && dot > 6 && s.find('e') == std::string::npos) {
    std::string mantissa = s.substr(0, 1) + "." + s.substr(1, dot - 1) + s.substr(dot + 1);
    while (!mantissa.empty() && (mantissa.back() == '0' || mantissa.back() == '.')) {
      const bool was_dot = mantissa.back() == '.';
      mantissa.pop_back();
      if (was_dot) break;
    }
    const std::size_t exponent = dot - 1;
    s = mantissa + (exponent < 10 ? "e+0" : "e+") + std::to_string(exponent);
  }
  return s;
}

}  // namespace

std::string FormatValue(double value, FloatStyle style) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  switch (style) {
    case FloatStyle::kPython:
      return PythonFloat(value);
    case FloatStyle::kRust:
      return Shortest(value, std::chars_format::fixed);
    case FloatStyle::kCpp6: {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%g", value);
      return buf;
    }
    case FloatStyle::kShortest:
      return Shortest(value, std::chars_format::general);
  }
  return {};
}

void ExpositionWriter::Family(std::string_view name, std::string_view type, std::string_view help) {
  if (!help.empty()) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;
    out_ += '\n';
  }
  out_ += "# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

void ExpositionWriter::Sample(std::string_view name, const LabelList& labels, double value) {
  out_ += name;
  if (!labels.empty()) {
    out_ += '{';
    bool first = true;
    for (const auto& [label, label_value] : labels) {
      if (!first) out_ += ',';
      first = false;
      out_ += label;
      out_ += "=\"";
      out_ += label_value;  // simulator label values never need escaping
      out_ += '"';
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += FormatValue(value, style_);
  out_ += '\n';
}

void ExpositionWriter::Histogram(std::string_view name, const LabelList& labels,
                                 const simulator::Histogram& h, HistogramLayout layout,
                                 double unit_scale) {
  const std::string base(name);
  auto with_le = [&](const std::string& le) {
    LabelList out = labels;
    if (layout == HistogramLayout::kMultiprocess) {
      out.emplace_back("le", le);
      std::sort(out.begin(), out.end());
    } else {
      out.emplace_back("le", le);
    }
    return out;
  };
  auto buckets = [&] {
    for (std::size_t i = 0; i <= h.bounds().size(); ++i) {
      const std::string le =
          i == h.bounds().size() ? "+Inf" : FormatValue(h.bounds()[i] * unit_scale, style_);
      Sample(base + "_bucket", with_le(le), static_cast<double>(h.Cumulative(i)));
    }
  };
  const auto count = static_cast<double>(h.count());
  switch (layout) {
    case HistogramLayout::kMultiprocess:
      Sample(base + "_sum", labels, h.sum() * unit_scale);
      buckets();
      Sample(base + "_count", labels, count);
      break;
    case HistogramLayout::kLeLast:
      buckets();
      Sample(base + "_sum", labels, h.sum() * unit_scale);
      Sample(base + "_count", labels, count);
      break;
    case HistogramLayout::kLeLastCountFirst:
      buckets();
      Sample(base + "_count", labels, count);
      Sample(base + "_sum", labels, h.sum() * unit_scale);
      break;
  }
}

}  // namespace inferwatch::exporter::simulator
