// Order-independent 64-bit hashes of label sets, for grouping and duplicate detection without
// copying or sorting labels. A collision can merge two groups; at 64 bits that is negligible.
#pragma once

#include <cstdint>
#include <cstring>
#include <span>
#include <string_view>

#include "parsers/exposition.h"

namespace inferwatch::parsers {

inline uint64_t MixHash(uint64_t value) {
  value ^= value >> 33;
  value *= 0xff51afd7ed558ccdULL;
  value ^= value >> 33;
  value *= 0xc4ceb9fe1a85ec53ULL;
  value ^= value >> 33;
  return value;
}

inline uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  uint64_t state = seed ^ (bytes.size() * 0x9e3779b97f4a7c15ULL);
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    state = MixHash(state ^ word) + 0x9e3779b97f4a7c15ULL;
  }
  uint64_t tail = 0;
  if (i < bytes.size()) std::memcpy(&tail, bytes.data() + i, bytes.size() - i);
  return MixHash(state ^ tail ^ 0x2545f4914f6cdd1dULL);
}

inline uint64_t HashLabel(const Label& label) {
  return HashBytes(label.value, HashBytes(label.name, 0x51ed270b27e5a3c1ULL));
}

// Hash of the label set without the label named `skip` (empty: skip nothing). Summing per-label
// hashes makes the result independent of label order.
inline uint64_t HashLabelSet(std::span<const Label> labels, std::string_view skip = {}) {
  uint64_t sum = 0x6a09e667f3bcc909ULL;
  for (const Label& label : labels) {
    if (!skip.empty() && label.name == skip) continue;
    sum += HashLabel(label);
  }
  return MixHash(sum);
}

}  // namespace inferwatch::parsers
