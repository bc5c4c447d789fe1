#include "rules/storage.h"

#include <algorithm>
#include <cstring>

#include <re2/re2.h>
#include <xxhash.h>

#include "rules/text/quote.h"

namespace inferwatch::rules {

Labels::Labels(std::vector<Pair> pairs) {
  // stable_sort keeps insertion order among equal names, so the last duplicate can win below.
  std::stable_sort(pairs.begin(), pairs.end(),
                   [](const Pair& a, const Pair& b) { return a.first < b.first; });
  std::vector<Pair> unique;
  unique.reserve(pairs.size());
  for (auto& pair : pairs) {
    if (!unique.empty() && unique.back().first == pair.first) {
      unique.back().second = std::move(pair.second);
    } else {
      unique.push_back(std::move(pair));
    }
  }
  std::erase_if(unique, [](const Pair& p) { return p.second.empty(); });
  if (unique.empty()) return;
  rep_ = std::make_shared<Rep>();
  rep_->pairs = std::move(unique);
}

const std::vector<Labels::Pair>& Labels::EmptyPairs() {
  static const std::vector<Pair> kEmpty;
  return kEmpty;
}

std::vector<Labels::Pair>& Labels::MutablePairs() {
  if (!rep_) {
    rep_ = std::make_shared<Rep>();
  } else if (rep_.use_count() > 1) {
    auto copy = std::make_shared<Rep>();
    copy->pairs = rep_->pairs;
    rep_ = std::move(copy);
  } else {
    rep_->hash.store(0, std::memory_order_relaxed);
  }
  return rep_->pairs;
}

static auto FindName(const std::vector<Labels::Pair>& pairs, std::string_view name) {
  return std::lower_bound(pairs.begin(), pairs.end(), name,
                          [](const Labels::Pair& p, std::string_view n) { return p.first < n; });
}

std::string_view Labels::Get(std::string_view name) const {
  // Label sets are short: a scan that compares lengths first beats a binary search of string
  // comparisons.
  for (const auto& [key, value] : pairs()) {
    if (key.size() == name.size() && std::memcmp(key.data(), name.data(), name.size()) == 0) {
      return value;
    }
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  const auto& all = pairs();
  auto it = FindName(all, name);
  return it != all.end() && it->first == name;
}

void Labels::Set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    Remove(name);
    return;
  }
  {
    // Setting a label to the value it has must not unshare the set.
    const auto& all = pairs();
    auto it = FindName(all, name);
    if (it != all.end() && it->first == name && it->second == value) return;
  }
  auto& all = MutablePairs();
  auto it = FindName(all, name);
  auto position = all.begin() + (it - all.cbegin());
  if (it != all.end() && it->first == name) {
    position->second.assign(value);
  } else {
    all.insert(position, Pair(std::string(name), std::string(value)));
  }
}

void Labels::Remove(std::string_view name) {
  if (!Has(name)) return;
  auto& all = MutablePairs();
  auto it = FindName(all, name);
  all.erase(all.begin() + (it - all.cbegin()));
  if (all.empty()) rep_.reset();
}

std::uint64_t Labels::Hash() const {
  std::uint64_t cached = rep_ ? rep_->hash.load(std::memory_order_relaxed) : 0;
  if (cached != 0) return cached;
  // One contiguous buffer per thread: hashing runs per sample in matching and grouping, so it must
  // not allocate.
  thread_local std::string buffer;
  buffer.clear();
  constexpr char kSeparator = '\xff';  // cannot occur in valid UTF-8 label text
  for (const auto& [name, value] : pairs()) {
    buffer += name;
    buffer += kSeparator;
    buffer += value;
    buffer += kSeparator;
  }
  std::uint64_t hash = XXH3_64bits(buffer.data(), buffer.size());
  if (hash == 0) hash = 1;  // 0 means "not computed"
  if (rep_) rep_->hash.store(hash, std::memory_order_relaxed);
  return hash;
}

std::string Labels::ToString() const {
  std::string out(MetricName());
  out += '{';
  bool first = true;
  for (const auto& [name, value] : pairs()) {
    if (name == "__name__") continue;
    if (!first) out += ", ";
    first = false;
    out += name;
    out += '=';
    out += QuoteLabelValue(value);
  }
  out += '}';
  return out;
}

bool MakeLabelMatcher(MatchType type, std::string name, std::string value, LabelMatcher* out,
                      std::string* error) {
  out->type = type;
  out->name = std::move(name);
  out->value = std::move(value);
  out->regex.reset();
  if (type == MatchType::kRegexMatch || type == MatchType::kRegexNoMatch) {
    RE2::Options options;
    options.set_log_errors(false);
    auto regex = std::make_shared<RE2>("^(?:" + out->value + ")$", options);
    if (!regex->ok()) {
      if (error != nullptr) *error = regex->error();
      return false;
    }
    out->regex = std::move(regex);
  }
  return true;
}

bool LabelMatcher::Matches(std::string_view label_value) const {
  switch (type) {
    case MatchType::kEqual:
      return label_value == value;
    case MatchType::kNotEqual:
      return label_value != value;
    case MatchType::kRegexMatch:
      return regex && RE2::FullMatch(label_value, *regex);
    case MatchType::kRegexNoMatch:
      return !(regex && RE2::FullMatch(label_value, *regex));
  }
  return false;
}

}  // namespace inferwatch::rules
