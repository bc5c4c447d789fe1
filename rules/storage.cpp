#include "rules/storage.h"

#include <algorithm>

#include <re2/re2.h>
#include <xxhash.h>

#include "rules/text/quote.h"

namespace inferwatch::rules {

Labels::Labels(std::vector<Pair> pairs) : pairs_(std::move(pairs)) {
  // stable_sort keeps insertion order among equal names, so the last duplicate can win below.
  std::stable_sort(pairs_.begin(), pairs_.end(),
                   [](const Pair& a, const Pair& b) { return a.first < b.first; });
  std::vector<Pair> unique;
  unique.reserve(pairs_.size());
  for (auto& pair : pairs_) {
    if (!unique.empty() && unique.back().first == pair.first) {
      unique.back().second = std::move(pair.second);
    } else {
      unique.push_back(std::move(pair));
    }
  }
  std::erase_if(unique, [](const Pair& p) { return p.second.empty(); });
  pairs_ = std::move(unique);
}

static auto FindName(const std::vector<Labels::Pair>& pairs, std::string_view name) {
  return std::lower_bound(pairs.begin(), pairs.end(), name,
                          [](const Labels::Pair& p, std::string_view n) { return p.first < n; });
}

std::string_view Labels::Get(std::string_view name) const {
  auto it = FindName(pairs_, name);
  return it != pairs_.end() && it->first == name ? std::string_view(it->second)
                                                 : std::string_view();
}

bool Labels::Has(std::string_view name) const {
  auto it = FindName(pairs_, name);
  return it != pairs_.end() && it->first == name;
}

void Labels::Set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    Remove(name);
    return;
  }
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) {
    it->second = std::string(value);
  } else {
    pairs_.insert(it, Pair(std::string(name), std::string(value)));
  }
}

void Labels::Remove(std::string_view name) {
  auto it = std::lower_bound(pairs_.begin(), pairs_.end(), name,
                             [](const Pair& p, std::string_view n) { return p.first < n; });
  if (it != pairs_.end() && it->first == name) pairs_.erase(it);
}

std::uint64_t Labels::Hash() const {
  // One contiguous buffer per thread: hashing runs per sample in matching and grouping, so it must
  // not allocate.
  thread_local std::string buffer;
  buffer.clear();
  constexpr char kSeparator = '\xff';  // cannot occur in valid UTF-8 label text
  for (const auto& [name, value] : pairs_) {
    buffer += name;
    buffer += kSeparator;
    buffer += value;
    buffer += kSeparator;
  }
  return XXH3_64bits(buffer.data(), buffer.size());
}

std::string Labels::ToString() const {
  std::string out(MetricName());
  out += '{';
  bool first = true;
  for (const auto& [name, value] : pairs_) {
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
