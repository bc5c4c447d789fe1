#include "rules/promql/dense_index.h"

#include <catch2/catch.hpp>

using inferwatch::rules::promql::detail::DenseIndex;

TEST_CASE("DenseIndex numbers keys in order of first insertion") {
  DenseIndex index;
  CHECK(index.Insert(42) == std::pair<std::uint32_t, bool>{0, true});
  CHECK(index.Insert(0) == std::pair<std::uint32_t, bool>{1, true});  // 0 is a key like any other
  CHECK(index.Insert(42) == std::pair<std::uint32_t, bool>{0, false});
  CHECK(index.Find(0) == 1);
  CHECK(index.Find(7) == -1);
  CHECK(index.size() == 2);
}

TEST_CASE("DenseIndex keeps numbers across growth and keys that share their low bits") {
  DenseIndex index;
  // Keys equal in their low 32 bits land in one probe chain.
  for (std::uint64_t i = 0; i < 5000; ++i) {
    CHECK(index.Insert((i << 32) | 5).first == i);
  }
  for (std::uint64_t i = 0; i < 5000; ++i) {
    CHECK(index.Find((i << 32) | 5) == static_cast<std::int64_t>(i));
    CHECK_FALSE(index.Insert((i << 32) | 5).second);
  }
  CHECK(index.size() == 5000);
}

TEST_CASE("DenseIndex tables reused from earlier indexes start empty") {
  for (int round = 0; round < 3; ++round) {
    DenseIndex index;
    // Grows through several table sizes, each returned to the thread's pool when replaced.
    for (std::uint64_t key = 0; key < 5000; ++key) {
      CHECK(index.Insert(key * 0x9E3779B97F4A7C15ULL + static_cast<std::uint64_t>(round)) ==
            std::pair<std::uint32_t, bool>{static_cast<std::uint32_t>(key), true});
    }
    CHECK(index.size() == 5000);
    CHECK(index.Find(0x9E3779B97F4A7C15ULL * 4999 + static_cast<std::uint64_t>(round)) == 4999);
    CHECK(index.Find(12345) == -1);
  }
}
