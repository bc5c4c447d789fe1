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

// Not a general-purpose hash: one multiply per 8 bytes and one finalising mix per label.
inline uint64_t LoadTail(const char* bytes, std::size_t size) {
  // Reads 0..7 bytes without a variable-length copy: two overlapping loads cover 4..7 bytes.
  if (size >= 4) {
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, bytes, 4);
    std::memcpy(&high, bytes + size - 4, 4);
    return (static_cast<uint64_t>(high) << 32) | low;
  }
  if (size == 0) return 0;
  return static_cast<uint64_t>(static_cast<unsigned char>(bytes[0])) |
         static_cast<uint64_t>(static_cast<unsigned char>(bytes[size / 2])) << 8 |
         static_cast<uint64_t>(static_cast<unsigned char>(bytes[size - 1])) << 16;
}

inline uint64_t AbsorbBytes(uint64_t state, std::string_view bytes) {
  constexpr uint64_t kMultiplier = 0x9e3779b97f4a7c15ULL;
  state = (state ^ bytes.size()) * kMultiplier;
  std::size_t i = 0;
  for (; i + 8 <= bytes.size(); i += 8) {
    uint64_t word;
    std::memcpy(&word, bytes.data() + i, 8);
    state = (state ^ word) * kMultiplier;
    state ^= state >> 29;
  }
  state = (state ^ LoadTail(bytes.data() + i, bytes.size() - i)) * kMultiplier;
  return state ^ (state >> 31);
}

inline uint64_t HashBytes(std::string_view bytes, uint64_t seed) {
  return MixHash(AbsorbBytes(seed, bytes));
}

// For longer text (a whole label set, 100 to 300 bytes): 16 bytes per 64x64->128-bit multiply,
// folding the high half back in.
inline uint64_t MultiplyFold(uint64_t a, uint64_t b) {
  __extension__ using Wide = unsigned __int128;
  const Wide product = static_cast<Wide>(a) * b;
  return static_cast<uint64_t>(product) ^ static_cast<uint64_t>(product >> 64);
}

inline uint64_t HashText(std::string_view text, uint64_t seed) {
  constexpr uint64_t kOdd0 = 0xa0761d6478bd642fULL;
  constexpr uint64_t kOdd1 = 0xe7037ed1a0b428dbULL;
  constexpr uint64_t kOdd2 = 0x8ebc6af09c88c6e3ULL;
  const char* p = text.data();
  std::size_t left = text.size();
  uint64_t state = seed ^ (text.size() * kOdd0);
  for (; left > 16; left -= 16, p += 16) {
    uint64_t a;
    uint64_t b;
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + 8, 8);
    state = MultiplyFold(a ^ kOdd1, b ^ state);
  }
  uint64_t a = 0;
  uint64_t b = 0;
  if (left >= 8) {  // 8..16 bytes: two overlapping loads
    std::memcpy(&a, p, 8);
    std::memcpy(&b, p + left - 8, 8);
  } else {
    a = LoadTail(p, left);
  }
  state = MultiplyFold(a ^ kOdd1, b ^ state ^ kOdd2);
  return MultiplyFold(state ^ kOdd0, text.size() ^ kOdd2);
}

inline uint64_t HashLabel(const Label& label) {
  return MixHash(AbsorbBytes(AbsorbBytes(0x51ed270b27e5a3c1ULL, label.name), label.value));
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
