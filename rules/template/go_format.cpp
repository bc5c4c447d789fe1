#include "rules/template/go_format.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <string>

#include <fmt/format.h>

namespace inferwatch::rules::templating {

const char* GoTypeName(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNil:
      return "<nil>";
    case Value::Kind::kBool:
      return "bool";
    case Value::Kind::kInt:
      return "int";
    case Value::Kind::kFloat:
      return "float64";
    case Value::Kind::kString:
      return "string";
    case Value::Kind::kMap:
      return "map[string]string";
    case Value::Kind::kData:
      return "template.tmplData";
  }
  return "?";
}

namespace {

std::string SpecialFloat(double value) {
  if (std::isnan(value)) return "NaN";
  return value > 0 ? "+Inf" : "-Inf";
}

// Shortest round-trip digits of |value| (no dot) and the decimal exponent of the first digit.
void ShortestDigits(double value, std::string& digits, int& exponent) {
  char buffer[64];
  auto result = std::to_chars(buffer, buffer + sizeof buffer, std::fabs(value),
                              std::chars_format::scientific);
  const std::string_view text(buffer, result.ptr - buffer);
  const std::size_t e = text.find('e');
  digits.clear();
  for (char c : text.substr(0, e)) {
    if (c != '.') digits += c;
  }
  exponent = std::stoi(std::string(text.substr(e + 1)));
}

}  // namespace

std::string GoFormatFloat(double value) {
  if (!std::isfinite(value)) return SpecialFloat(value);
  if (value == 0) return std::signbit(value) ? "-0" : "0";
  std::string digits;
  int exponent = 0;
  ShortestDigits(value, digits, exponent);
  std::string out = value < 0 ? "-" : "";
  if (exponent < -4 || exponent >= 6) {
    out += digits[0];
    if (digits.size() > 1) {
      out += '.';
      out += digits.substr(1);
    }
    out += fmt::format("e{}{:02d}", exponent < 0 ? '-' : '+', std::abs(exponent));
    return out;
  }
  if (exponent < 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-exponent - 1), '0');
    out += digits;
    return out;
  }
  const auto integer_digits = static_cast<std::size_t>(exponent) + 1;  // exponent >= 0 here
  if (digits.size() <= integer_digits) {
    out += digits;
    out.append(integer_digits - digits.size(), '0');
  } else {
    out += digits.substr(0, integer_digits);
    out += '.';
    out += digits.substr(integer_digits);
  }
  return out;
}

std::string GoFormatG(double value, int precision) {
  if (!std::isfinite(value)) return SpecialFloat(value);
  // C's %g and Go's %g agree for finite values once a precision is given: both strip trailing
  // zeros and switch to an exponent (at least two digits) at the same thresholds.
  char buffer[512];
  std::snprintf(buffer, sizeof buffer, "%.*g", precision, value);
  return buffer;
}

std::string GoFormatValue(const Value& value) {
  switch (value.kind) {
    case Value::Kind::kNil:
      return "<nil>";
    case Value::Kind::kBool:
      return value.boolean ? "true" : "false";
    case Value::Kind::kInt:
      return std::to_string(value.integer);
    case Value::Kind::kFloat:
      return GoFormatFloat(value.number);
    case Value::Kind::kString:
      return value.text;
    case Value::Kind::kMap: {
      std::string out = "map[";
      bool first = true;
      for (const auto& [key, text] : *value.map) {
        if (!first) out += ' ';
        first = false;
        out += key;
        out += ':';
        out += text;
      }
      out += ']';
      return out;
    }
    case Value::Kind::kData:
      return "{...}";
  }
  return "";
}

namespace {

struct Spec {
  bool minus = false, plus = false, sharp = false, space = false, zero = false;
  int width = -1;
  int precision = -1;
  char verb = 0;
};

std::string Pad(std::string text, const Spec& spec, bool numeric) {
  if (spec.width < 0 || static_cast<int>(text.size()) >= spec.width) return text;
  const std::size_t fill = static_cast<std::size_t>(spec.width) - text.size();
  if (spec.minus) return text + std::string(fill, ' ');
  if (spec.zero && numeric) {
    const std::size_t sign = !text.empty() && (text[0] == '-' || text[0] == '+') ? 1 : 0;
    text.insert(sign, std::string(fill, '0'));
    return text;
  }
  return std::string(fill, ' ') + text;
}

std::string BadVerb(const Spec& spec, const Value& value) {
  return fmt::format("%!{}({}={})", spec.verb, GoTypeName(value), GoFormatValue(value));
}

std::string SignPrefix(double value_sign_source, const Spec& spec) {
  if (std::signbit(value_sign_source)) return "";
  if (spec.plus) return "+";
  if (spec.space) return " ";
  return "";
}

std::string FormatFloatVerb(double value, const Spec& spec) {
  std::string body;
  if (!std::isfinite(value)) {
    // Go always signs infinities and signs NaN only when a sign flag asks for it; no zero padding.
    body = SpecialFloat(value);
    if (std::isnan(value) && (spec.plus || spec.space))
      body.insert(body.begin(), spec.plus ? '+' : ' ');
    Spec no_zero = spec;
    no_zero.zero = false;
    return Pad(body, no_zero, false);
  }
  char verb = spec.verb;
  if (verb == 'v') verb = 'g';
  if ((verb == 'g' || verb == 'G') && spec.precision < 0) {
    body = GoFormatFloat(value);
    if (verb == 'G') {
      for (char& c : body) {
        if (c == 'e') c = 'E';
      }
    }
  } else {
    const int precision = spec.precision < 0 ? 6 : spec.precision;
    const std::string format = fmt::format("%{}.{}{}", spec.sharp ? "#" : "", precision, verb);
    char buffer[512];
    std::snprintf(buffer, sizeof buffer, format.c_str(), value);
    body = buffer;
  }
  return Pad(SignPrefix(value, spec) + body, spec, true);
}

std::string FormatIntVerb(std::int64_t value, const Spec& spec) {
  std::string body;
  const bool negative = value < 0;
  const std::uint64_t magnitude =
      negative ? 0 - static_cast<std::uint64_t>(value) : static_cast<std::uint64_t>(value);
  switch (spec.verb) {
    case 'x':
      body = fmt::format("{}{:x}", spec.sharp ? "0x" : "", magnitude);
      break;
    case 'X':
      body = fmt::format("{}{:X}", spec.sharp ? "0X" : "", magnitude);
      break;
    default:
      body = std::to_string(magnitude);
  }
  if (spec.precision >= 0 && static_cast<int>(body.size()) < spec.precision) {
    body.insert(0, static_cast<std::size_t>(spec.precision) - body.size(), '0');
  }
  std::string sign = negative ? "-" : (spec.plus ? "+" : (spec.space ? " " : ""));
  return Pad(sign + body, spec, spec.precision < 0);
}

std::string FormatOne(const Spec& spec, const Value& value) {
  switch (spec.verb) {
    case 'v':
      if (value.kind == Value::Kind::kFloat) return FormatFloatVerb(value.number, spec);
      if (value.kind == Value::Kind::kInt) return FormatIntVerb(value.integer, spec);
      return Pad(GoFormatValue(value), spec, false);
    case 's':
      if (value.kind != Value::Kind::kString) return BadVerb(spec, value);
      return Pad(spec.precision >= 0 ? value.text.substr(0, spec.precision) : value.text, spec,
                 false);
    case 'q':
      if (value.kind != Value::Kind::kString) return BadVerb(spec, value);
      return Pad(GoQuote(value.text), spec, false);
    case 't':
      if (value.kind != Value::Kind::kBool) return BadVerb(spec, value);
      return Pad(value.boolean ? "true" : "false", spec, false);
    case 'd':
      if (value.kind != Value::Kind::kInt) return BadVerb(spec, value);
      return FormatIntVerb(value.integer, spec);
    case 'x':
    case 'X':
      if (value.kind == Value::Kind::kInt) return FormatIntVerb(value.integer, spec);
      if (value.kind == Value::Kind::kString) {
        std::string hex;
        for (unsigned char c : value.text) {
          hex += (spec.verb == 'x' ? fmt::format("{:02x}", c) : fmt::format("{:02X}", c));
        }
        return Pad(hex, spec, false);
      }
      return BadVerb(spec, value);
    case 'f':
    case 'F':
    case 'e':
    case 'E':
    case 'g':
    case 'G':
      if (value.kind != Value::Kind::kFloat) return BadVerb(spec, value);
      return FormatFloatVerb(value.number, spec);
    default:
      return BadVerb(spec, value);
  }
}

}  // namespace

std::string GoSprintf(std::string_view format, std::span<const Value> args) {
  std::string out;
  std::size_t next_arg = 0;
  std::size_t i = 0;
  while (i < format.size()) {
    const char c = format[i];
    if (c != '%') {
      out += c;
      ++i;
      continue;
    }
    ++i;
    Spec spec;
    for (; i < format.size(); ++i) {
      const char flag = format[i];
      if (flag == '-') {
        spec.minus = true;
      } else if (flag == '+') {
        spec.plus = true;
      } else if (flag == '#') {
        spec.sharp = true;
      } else if (flag == ' ') {
        spec.space = true;
      } else if (flag == '0') {
        spec.zero = true;
      } else {
        break;
      }
    }
    auto read_number = [&](int& target) {
      const std::size_t start = i;
      int number = 0;
      while (i < format.size() && format[i] >= '0' && format[i] <= '9' && number < 100000) {
        number = number * 10 + (format[i] - '0');
        ++i;
      }
      if (i > start) target = number;
    };
    read_number(spec.width);
    if (i < format.size() && format[i] == '.') {
      ++i;
      spec.precision = 0;
      read_number(spec.precision);
    }
    if (i >= format.size()) {
      out += "%!(NOVERB)";
      break;
    }
    spec.verb = format[i++];
    if (spec.verb == '%') {
      out += '%';
      continue;
    }
    if (next_arg >= args.size()) {
      out += fmt::format("%!{}(MISSING)", spec.verb);
      continue;
    }
    out += FormatOne(spec, args[next_arg++]);
  }
  if (next_arg < args.size()) {
    out += "%!(EXTRA ";
    for (std::size_t a = next_arg; a < args.size(); ++a) {
      if (a > next_arg) out += ", ";
      out += fmt::format("{}={}", GoTypeName(args[a]), GoFormatValue(args[a]));
    }
    out += ')';
  }
  return out;
}

}  // namespace inferwatch::rules::templating
