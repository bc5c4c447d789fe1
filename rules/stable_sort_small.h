// A stable sort for the short ranges evaluation sorts per sample or per group (label pairs,
// histogram buckets, rule labels): an insertion sort needs no buffer, where std::stable_sort
// allocates one on every call.
#pragma once

#include <algorithm>
#include <cstddef>
#include <span>
#include <utility>

namespace inferwatch::rules {

template <class T, class Less>
void StableSortSmall(std::span<T> items, Less less) {
  constexpr std::size_t kInsertionLimit = 64;
  if (items.size() > kInsertionLimit) {
    std::stable_sort(items.begin(), items.end(), less);
    return;
  }
  for (std::size_t i = 1; i < items.size(); ++i) {
    T moving = std::move(items[i]);
    std::size_t j = i;
    for (; j > 0 && less(moving, items[j - 1]); --j) items[j] = std::move(items[j - 1]);
    items[j] = std::move(moving);
  }
}

}  // namespace inferwatch::rules
