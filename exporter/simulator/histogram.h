// A cumulative histogram as an engine would keep it: fixed upper bounds, counts and a sum.
#pragma once

#include <cstdint>
#include <vector>

namespace inferwatch::exporter::simulator {

class Histogram {
 public:
  explicit Histogram(std::vector<double> bounds)
      : bounds_(std::move(bounds)), counts_(bounds_.size() + 1, 0) {}

  void Observe(double value, std::uint64_t times = 1) {
    std::size_t i = 0;
    while (i < bounds_.size() && value > bounds_[i]) ++i;
    counts_[i] += times;
    count_ += times;
    sum_ += value * static_cast<double>(times);
  }

  const std::vector<double>& bounds() const { return bounds_; }
  // Cumulative count of observations <= bounds()[i]; i == bounds().size() is +Inf.
  std::uint64_t Cumulative(std::size_t i) const {
    std::uint64_t total = 0;
    for (std::size_t k = 0; k <= i && k < counts_.size(); ++k) total += counts_[k];
    return total;
  }
  std::uint64_t count() const { return count_; }
  double sum() const { return sum_; }

 private:
  std::vector<double> bounds_;
  std::vector<std::uint64_t> counts_;
  std::uint64_t count_ = 0;
  double sum_ = 0;
};

}  // namespace inferwatch::exporter::simulator
