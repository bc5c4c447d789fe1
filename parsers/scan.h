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

// First ' ' (or, with `tab`, ' ' or '\t') in [p, end).
inline const char* FindBlank(const char* p, const char* end, const char* limit, bool tab) {
  return detail::FindEither(p, end, limit, ' ', tab ? '\t' : ' ');
}

}  // namespace inferwatch::parsers::scan
