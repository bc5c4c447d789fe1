// A Storage that adds one evaluation round's outputs to a base Storage, so each rule in a group
// sees what earlier rules of the same round recorded, as it would in Prometheus's TSDB.
#pragma once

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "rules/storage.h"

namespace inferwatch::rules::manager {

class OverlayStorage : public Storage {
 public:
  explicit OverlayStorage(const Storage& base) : base_(base) {}

  // Samples of one series must come in time order; a sample at a timestamp the base also holds
  // replaces the base's.
  void Append(const Labels& labels, std::int64_t t_ms, double value);
  // Append for a series the caller knows is not here yet (see HasSeriesNamed): skips the look-up,
  // a cache miss per output in a large round.
  void AppendNew(const Labels& labels, std::int64_t t_ms, double value);
  bool HasSeriesNamed(std::string_view name) const { return by_name_.contains(name); }
  // Makes room for this many series at once (a group knows how many its last round wrote).
  void Reserve(std::size_t series);
  std::size_t SeriesCount() const { return series_.size(); }

  VisitOrder Select(std::span<const LabelMatcher> matchers, std::int64_t mint_ms,
                    std::int64_t maxt_ms, const SeriesVisitor& visit) const override;

 private:
  struct Series {
    Labels labels;
    // A round writes one point per series, at its own timestamp: that one lives here, inline;
    // later ones (a test runner's successive steps) follow in `later`.
    SamplePoint first;
    std::vector<SamplePoint> later;
  };
  static constexpr std::uint32_t kFree = 0;
  // series_ positions per metric name. A name enters the slot table only when a look-up needs it
  // (a later rule reads it, or a rule writes it again): most names a round records are never
  // looked up, and entering every output costs a cache miss each.
  struct Named {
    std::vector<std::size_t> positions;
    mutable std::size_t indexed = 0;  // positions[0, indexed) are in the slot table
  };
  // The position of the series with these labels in series_, or -1; its name must be indexed.
  std::int64_t FindIndexed(const Labels& labels) const;
  // Enters the name's series that are not in the slot table yet.
  void IndexPending(const Named& named) const;
  // Grows the slot table, if need be, to hold this many series.
  void ReserveSlots(std::size_t series) const;
  // Enters series_[position] into the slot table, which has room for it.
  void Place(std::size_t position) const;

  const Storage& base_;
  std::vector<Series> series_;
  // A round can record one series per target for each rule, thousands in all: look them up by
  // hash, never by scanning, or a round costs the square of the fleet size. Open addressing
  // over label-set hashes (remembered by each set), each slot a position in series_ plus one and
  // the hash, so a probe past another series compares hashes without reading its label set.
  // Filled as look-ups need it, from const selections too: one evaluation uses an overlay at a
  // time.
  struct Slot {
    std::uint64_t hash = 0;
    std::uint32_t position = kFree;
  };
  mutable std::vector<Slot> slots_;
  mutable std::size_t mask_ = 0;
  // Looked up by view, so a new series allocates no name.
  std::map<std::string, Named, std::less<>> by_name_;
};

}  // namespace inferwatch::rules::manager
