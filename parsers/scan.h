// Delimiter scans over 16 or 32 bytes at a time (SSE2, the x86-64 baseline), with a scalar
// fallback, for label values (5 to 60 bytes) and the value and timestamp tokens, where a memchr
// call per token costs about as much as the token. Names are left to byte loops: measured, an
// SSE2 class check on them was slower, since its load-to-next-pointer latency is on the critical
// path while a byte loop over the same few names in every line is perfectly predicted.
//
// Every scan looks at [p, end) and returns the first matching byte, or `end`. `limit` (>= end)
// is where readable memory stops: a 16-byte load may read past `end` (the rest of the payload)
// but never past `limit`; near `limit` the scalar loop takes over.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstring>

#if defined(__SSE2__)
#include <emmintrin.h>
#define INFERWATCH_SCAN_SSE2 1
#endif

namespace inferwatch::parsers::scan {

namespace detail {

#if defined(INFERWATCH_SCAN_SSE2)
inline __m128i Load(const char* p) {
  return _mm_loadu_si128(reinterpret_cast<const __m128i*>(p));
}

// One bit per byte of `bytes` that equals a byte of `a` or of `b`.
inline unsigned Matches(__m128i bytes, __m128i a, __m128i b) {
  return static_cast<unsigned>(
      _mm_movemask_epi8(_mm_or_si128(_mm_cmpeq_epi8(bytes, a), _mm_cmpeq_epi8(bytes, b))));
}

inline const char* Clamp(const char* found, const char* end) {
  return found < end ? found : end;
}
#endif

// First `a` or `b` in [p, end): 16 bytes per step while a whole block is readable, then bytes.
inline const char* FindEither(const char* p, const char* end, const char* limit, char a, char b) {
#if defined(INFERWATCH_SCAN_SSE2)
  const __m128i wanted_a = _mm_set1_epi8(a);
  const __m128i wanted_b = _mm_set1_epi8(b);
  while (p < end && p + 16 <= limit) {
    const unsigned found = Matches(Load(p), wanted_a, wanted_b);
    if (found != 0) return Clamp(p + __builtin_ctz(found), end);
    p += 16;
  }
  if (p > end) return end;
#else
  (void)limit;
#endif
  while (p < end && *p != a && *p != b) ++p;
  return p;
}

}  // namespace detail

// First '"' or '\\' in [p, end).
inline const char* FindQuoteOrBackslash(const char* p, const char* end, const char* limit) {
#if defined(INFERWATCH_SCAN_SSE2)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  // Two blocks per branch: most values are under 32 bytes, and a loop exit that depends on the
  // value's length is a branch the CPU mispredicts.
  while (p < end && p + 32 <= limit) {
    const unsigned found = detail::Matches(detail::Load(p), quote, backslash) |
                           detail::Matches(detail::Load(p + 16), quote, backslash) << 16;
    if (found != 0) return detail::Clamp(p + __builtin_ctz(found), end);
    p += 32;
  }
#endif
  return detail::FindEither(p, end, limit, '"', '\\');
}

namespace detail {

// Whether the first and the last sizeof(Word) bytes of a[0, n) and b[0, n) agree; with
// sizeof(Word) <= n <= 2 * sizeof(Word) that is every byte.
template <class Word>
[[gnu::always_inline]] inline bool SameEnds(const char* a, const char* b, std::size_t n) {
  Word a0, a1, b0, b1;
  std::memcpy(&a0, a, sizeof(Word));
  std::memcpy(&a1, a + n - sizeof(Word), sizeof(Word));
  std::memcpy(&b0, b, sizeof(Word));
  std::memcpy(&b1, b + n - sizeof(Word), sizeof(Word));
  return ((a0 ^ b0) | (a1 ^ b1)) == 0;
}

}  // namespace detail

// Whether a[0, n) and b[0, n) hold the same bytes, reading none past n: 16 bytes per step with
// the last block overlapping, and one test at the end. For texts of about 50 to 150 bytes that are
// almost always equal (the group text of consecutive buckets), where a memcmp call and its size
// dispatch cost more than the comparison.
[[gnu::always_inline]] inline bool SameBytes(const char* a, const char* b, std::size_t n) {
#if defined(INFERWATCH_SCAN_SSE2)
  if (n >= 16) {
    __m128i same = _mm_cmpeq_epi8(detail::Load(a + n - 16), detail::Load(b + n - 16));
    std::size_t i = 0;
    for (; i + 32 < n; i += 32) {
      same = _mm_and_si128(same, _mm_cmpeq_epi8(detail::Load(a + i), detail::Load(b + i)));
      same =
          _mm_and_si128(same, _mm_cmpeq_epi8(detail::Load(a + i + 16), detail::Load(b + i + 16)));
    }
    if (i + 16 < n) {
      same = _mm_and_si128(same, _mm_cmpeq_epi8(detail::Load(a + i), detail::Load(b + i)));
    }
    return _mm_movemask_epi8(same) == 0xFFFF;
  }
#else
  if (n > 16) return std::memcmp(a, b, n) == 0;
#endif
  // Two overlapping loads per side cover 4 to 16 bytes.
  if (n >= 8) return detail::SameEnds<uint64_t>(a, b, n);
  if (n >= 4) return detail::SameEnds<uint32_t>(a, b, n);
  for (std::size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}

// First ' ' (or, with `tab`, ' ' or '\t') in [p, end).
inline const char* FindBlank(const char* p, const char* end, const char* limit, bool tab) {
  return detail::FindEither(p, end, limit, ' ', tab ? '\t' : ' ');
}

}  // namespace inferwatch::parsers::scan
