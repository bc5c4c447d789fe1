// Byte classes of the exposition grammars, as lookup tables.
#pragma once

#include <array>
#include <cstdint>
#include <string_view>

namespace inferwatch::parsers {

namespace char_class {
inline constexpr uint8_t kNameStart = 1;   // [a-zA-Z_:]
inline constexpr uint8_t kName = 2;        // [a-zA-Z0-9_:]
inline constexpr uint8_t kLabelStart = 4;  // [a-zA-Z_]
inline constexpr uint8_t kLabel = 8;       // [a-zA-Z0-9_]

constexpr std::array<uint8_t, 256> MakeTable() {
  std::array<uint8_t, 256> table{};
  for (int c = 0; c < 256; ++c) {
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    const bool digit = c >= '0' && c <= '9';
    uint8_t bits = 0;
    if (alpha || c == '_' || c == ':') bits |= kNameStart;
    if (alpha || digit || c == '_' || c == ':') bits |= kName;
    if (alpha || c == '_') bits |= kLabelStart;
    if (alpha || digit || c == '_') bits |= kLabel;
    table[static_cast<std::size_t>(c)] = bits;
  }
  return table;
}
inline constexpr std::array<uint8_t, 256> kTable = MakeTable();

inline bool Is(char c, uint8_t bits) {
  return (kTable[static_cast<unsigned char>(c)] & bits) != 0;
}
}  // namespace char_class

// Length of the metric name at the start of `text` (0 when it does not start with one).
inline std::size_t MetricNameLength(std::string_view text) {
  if (text.empty() || !char_class::Is(text[0], char_class::kNameStart)) return 0;
  const char* p = text.data() + 1;
  const char* const end = text.data() + text.size();
  while (p < end && char_class::Is(*p, char_class::kName)) ++p;
  return static_cast<std::size_t>(p - text.data());
}

inline std::size_t LabelNameLength(std::string_view text) {
  if (text.empty() || !char_class::Is(text[0], char_class::kLabelStart)) return 0;
  std::size_t i = 1;
  while (i < text.size() && char_class::Is(text[i], char_class::kLabel)) ++i;
  return i;
}

inline bool IsMetricName(std::string_view text) {
  return !text.empty() && MetricNameLength(text) == text.size();
}

}  // namespace inferwatch::parsers
