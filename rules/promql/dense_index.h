// Numbers 64-bit keys (label-set hashes) 0, 1, 2, ... in order of first insertion, in one
// open-addressed table: grouping and matching insert a key per sample, and a node-based map
// would allocate per group.
#pragma once

#include <array>
#include <bit>
#include <cstdint>
#include <utility>
#include <vector>

namespace inferwatch::rules::promql::detail {

class DenseIndex {
 public:
  explicit DenseIndex(std::size_t expected = 0) { Rehash(Capacity(expected)); }
  ~DenseIndex() { Recycle(std::move(slots_)); }
  DenseIndex(const DenseIndex&) = delete;
  DenseIndex& operator=(const DenseIndex&) = delete;
  DenseIndex(DenseIndex&& other) noexcept = default;
  DenseIndex& operator=(DenseIndex&& other) noexcept = default;

  // The key's number, and whether this call gave it.
  std::pair<std::uint32_t, bool> Insert(std::uint64_t key) {
    if ((static_cast<std::size_t>(size_) + 1) * 2 > slots_.size()) Rehash(slots_.size() * 2);
    std::size_t slot = Slot(key);
    while (slots_[slot].number != 0) {
      if (slots_[slot].key == key) return {slots_[slot].number - 1, false};
      slot = (slot + 1) & mask_;
    }
    slots_[slot] = {key, ++size_};
    return {size_ - 1, true};
  }

  // The key's number, or -1 when absent.
  std::int64_t Find(std::uint64_t key) const {
    for (std::size_t slot = Slot(key); slots_[slot].number != 0; slot = (slot + 1) & mask_) {
      if (slots_[slot].key == key) return slots_[slot].number - 1;
    }
    return -1;
  }

  std::uint32_t size() const { return size_; }

 private:
  struct Entry {
    std::uint64_t key = 0;
    std::uint32_t number = 0;  // the key's number + 1; 0 marks a free slot
  };
  // Tables freed by earlier indexes of this thread, one per power-of-two size. A large fleet's
  // aggregation grows its table to megabytes; every rule of every round doing so from fresh
  // memory spent more time in page faults than in the table itself.
  static constexpr std::size_t kSizeClasses = 40;
  using Pool = std::array<std::vector<Entry>, kSizeClasses>;
  static Pool& pool() {
    thread_local Pool tables;
    return tables;
  }
  static std::size_t SizeClass(std::size_t capacity) {
    return static_cast<std::size_t>(std::countr_zero(capacity));
  }
  static void Recycle(std::vector<Entry> table) {
    if (table.empty()) return;
    std::vector<Entry>& kept = pool()[SizeClass(table.size())];
    if (kept.empty()) kept = std::move(table);
  }
  static std::vector<Entry> Fresh(std::size_t capacity) {
    std::vector<Entry> table = std::move(pool()[SizeClass(capacity)]);
    table.assign(capacity, Entry{});
    return table;
  }

  static std::size_t Capacity(std::size_t expected) {
    std::size_t capacity = 16;
    while (capacity < expected * 2) capacity *= 2;
    return capacity;
  }
  // The keys are hashes already: their low bits serve as they are.
  std::size_t Slot(std::uint64_t key) const { return static_cast<std::size_t>(key) & mask_; }

  void Rehash(std::size_t capacity) {
    std::vector<Entry> old = std::move(slots_);
    slots_ = Fresh(capacity);
    mask_ = capacity - 1;
    for (const Entry& entry : old) {
      if (entry.number == 0) continue;
      std::size_t slot = Slot(entry.key);
      while (slots_[slot].number != 0) slot = (slot + 1) & mask_;
      slots_[slot] = entry;
    }
    Recycle(std::move(old));
  }

  std::vector<Entry> slots_;
  std::size_t mask_ = 0;
  std::uint32_t size_ = 0;
};

}  // namespace inferwatch::rules::promql::detail
