// The values a template pipeline passes around: the subset of Go types Prometheus's alert
// templates meet (float64 sample values, label maps, strings, literals).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>

namespace inferwatch::rules::templating {

using LabelMap = std::map<std::string, std::string, std::less<>>;

struct Value {
  enum class Kind { kNil, kBool, kInt, kFloat, kString, kMap, kData };
  Kind kind = Kind::kNil;
  bool boolean = false;
  std::int64_t integer = 0;
  double number = 0;
  std::string text;
  std::shared_ptr<const LabelMap> map;

  static Value Bool(bool b) {
    Value v;
    v.kind = Kind::kBool;
    v.boolean = b;
    return v;
  }
  static Value Int(std::int64_t i) {
    Value v;
    v.kind = Kind::kInt;
    v.integer = i;
    return v;
  }
  static Value Float(double f) {
    Value v;
    v.kind = Kind::kFloat;
    v.number = f;
    return v;
  }
  static Value String(std::string s) {
    Value v;
    v.kind = Kind::kString;
    v.text = std::move(s);
    return v;
  }
  static Value Map(std::shared_ptr<const LabelMap> m) {
    Value v;
    v.kind = Kind::kMap;
    v.map = std::move(m);
    return v;
  }
};

// Go's name for the value's type, as fmt prints it in "%!d(float64=1.5)".
const char* GoTypeName(const Value& value);

}  // namespace inferwatch::rules::templating
