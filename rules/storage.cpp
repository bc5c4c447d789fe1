#include "rules/storage.h"

#include <algorithm>
#include <cstring>
#include <new>

#include <re2/re2.h>
#include <xxhash.h>

#include "rules/stable_sort_small.h"
#include "rules/text/quote.h"

namespace inferwatch::rules {

Labels::Labels(const std::vector<Pair>& pairs) {
  std::vector<View> views;
  views.reserve(pairs.size());
  for (const auto& [name, value] : pairs) views.emplace_back(name, value);
  *this = FromUnsorted(views);
}

Labels Labels::FromUnsorted(std::span<View> pairs) {
  // Stable, so the last of equal names stays last.
  StableSortSmall(pairs, [](const View& a, const View& b) { return a.first < b.first; });
  return FromSorted(pairs);
}

Labels Labels::FromSorted(std::span<const View> pairs) {
  const auto kept = [&](std::size_t i) {
    return !pairs[i].second.empty() &&
           (i + 1 == pairs.size() || pairs[i + 1].first != pairs[i].first);
  };
  std::uint32_t count = 0;
  std::size_t text_size = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (!kept(i)) continue;
    ++count;
    text_size += pairs[i].first.size() + pairs[i].second.size() + 2;
  }
  Labels out;
  if (count == 0) return out;
  Rep* rep = Allocate(count, text_size);
  std::uint32_t position = 0;
  std::uint32_t n = 0;
  for (std::size_t i = 0; i < pairs.size(); ++i) {
    if (kept(i)) WritePair(rep, n++, pairs[i], &position);
  }
  rep->offsets()[count] = position;
  out.rep_ = rep;
  return out;
}

void Labels::WritePair(Rep* rep, std::uint32_t index, const View& pair, std::uint32_t* position) {
  const auto& [name, value] = pair;
  char* text = rep->text();
  rep->offsets()[index] = *position;
  rep->name_sizes()[index] = static_cast<std::uint32_t>(name.size());
  std::memcpy(text + *position, name.data(), name.size());
  *position += static_cast<std::uint32_t>(name.size());
  text[(*position)++] = kSeparator;
  std::memcpy(text + *position, value.data(), value.size());
  *position += static_cast<std::uint32_t>(value.size());
  text[(*position)++] = kSeparator;
}

Labels::Rep* Labels::Allocate(std::uint32_t count, std::size_t text_size) {
  const std::size_t bytes =
      sizeof(Rep) + (2 * static_cast<std::size_t>(count) + 1) * sizeof(std::uint32_t) + text_size;
  void* memory = ::operator new(bytes);
  Rep* rep = new (memory) Rep;
  rep->count = count;
  return rep;
}

void Labels::Free(Rep* rep) {
  if (Rep* cached = rep->without_name.load(std::memory_order_acquire)) {
    if (cached->refs.fetch_sub(1, std::memory_order_acq_rel) == 1) Free(cached);
  }
  rep->~Rep();
  ::operator delete(rep);
}

std::size_t Labels::MemoryBytes() const {
  if (rep_ == nullptr) return 0;
  return sizeof(Rep) + (2 * static_cast<std::size_t>(rep_->count) + 1) * sizeof(std::uint32_t) +
         rep_->offsets()[rep_->count];
}

std::size_t Labels::LowerBound(std::string_view name) const {
  std::size_t low = 0;
  std::size_t high = size();
  while (low < high) {
    const std::size_t mid = (low + high) / 2;
    if (PairAt(rep_, mid).first < name) {
      low = mid + 1;
    } else {
      high = mid;
    }
  }
  return low;
}

Labels Labels::Rebuilt(std::size_t skip, std::size_t at, const View* insert) const {
  // Pairs keep their text layout, so the kept runs of the old text move with one copy each and
  // their offsets shift by a constant.
  const std::uint32_t old_count = rep_ != nullptr ? rep_->count : 0;
  const bool skipping = skip < old_count;
  const std::uint32_t count = old_count - (skipping ? 1 : 0) + (insert != nullptr ? 1 : 0);
  if (count == 0) return Labels();
  const std::uint32_t* old_offsets = rep_ != nullptr ? rep_->offsets() : nullptr;
  const std::uint32_t* old_name_sizes = rep_ != nullptr ? rep_->name_sizes() : nullptr;
  const char* old_text = rep_ != nullptr ? rep_->text() : nullptr;
  const auto pair_size = [&](std::size_t i) { return old_offsets[i + 1] - old_offsets[i]; };
  std::size_t text_size = old_count > 0 ? old_offsets[old_count] : 0;
  if (skipping) text_size -= pair_size(skip);
  if (insert != nullptr) text_size += insert->first.size() + insert->second.size() + 2;

  Labels out;
  out.rep_ = Allocate(count, text_size);
  std::uint32_t* offsets = out.rep_->offsets();
  std::uint32_t* name_sizes = out.rep_->name_sizes();
  char* text = out.rep_->text();
  std::uint32_t n = 0;
  std::uint32_t position = 0;
  // Copies old pairs [begin, end) except `skip`, as one run on each side of it.
  const auto copy_run = [&](std::size_t begin, std::size_t end) {
    for (std::size_t run_begin = begin; run_begin < end;) {
      if (run_begin == skip) {
        ++run_begin;
        continue;
      }
      const std::size_t run_end = skip > run_begin && skip < end ? skip : end;
      const std::uint32_t bytes = old_offsets[run_end] - old_offsets[run_begin];
      std::memcpy(text + position, old_text + old_offsets[run_begin], bytes);
      const std::uint32_t shift = position - old_offsets[run_begin];
      for (std::size_t i = run_begin; i < run_end; ++i) {
        offsets[n] = old_offsets[i] + shift;
        name_sizes[n] = old_name_sizes[i];
        ++n;
      }
      position += bytes;
      run_begin = run_end;
    }
  };
  const std::size_t split = insert != nullptr ? std::min<std::size_t>(at, old_count) : old_count;
  copy_run(0, split);
  if (insert != nullptr) WritePair(out.rep_, n++, *insert, &position);
  copy_run(split, old_count);
  offsets[count] = position;
  return out;
}

std::string_view Labels::Get(std::string_view name) const {
  if (rep_ == nullptr) return {};
  // Label sets are short: a scan that compares lengths first beats a binary search of string
  // comparisons.
  const std::uint32_t* offsets = rep_->offsets();
  const std::uint32_t* name_sizes = rep_->name_sizes();
  const char* text = rep_->text();
  for (std::uint32_t i = 0; i < rep_->count; ++i) {
    if (name_sizes[i] == name.size() &&
        std::memcmp(text + offsets[i], name.data(), name.size()) == 0) {
      const std::uint32_t value_begin = offsets[i] + name_sizes[i] + 1;
      return {text + value_begin, offsets[i + 1] - 1 - value_begin};
    }
  }
  return {};
}

bool Labels::Has(std::string_view name) const {
  const std::size_t i = LowerBound(name);
  return i < size() && PairAt(rep_, i).first == name;
}

void Labels::Set(std::string_view name, std::string_view value) {
  if (value.empty()) {
    Remove(name);
    return;
  }
  const std::size_t i = LowerBound(name);
  const View pair(name, value);
  if (i < size()) {
    const View existing = PairAt(rep_, i);
    // Setting a label to the value it has must not copy the set.
    if (existing.first == name) {
      if (existing.second == value) return;
      *this = Rebuilt(i, i, &pair);
      return;
    }
  }
  *this = Rebuilt(size(), i, &pair);
}

void Labels::Remove(std::string_view name) {
  if (rep_ == nullptr) return;
  // Dropping the metric name is the common removal: a remembered copy without it answers
  // without searching for the pair (RemoveName needs its index only to build that copy).
  if (name == "__name__" && rep_->without_name.load(std::memory_order_acquire) != nullptr) {
    RemoveName(0);
    return;
  }
  const std::size_t i = LowerBound(name);
  if (i >= size() || PairAt(rep_, i).first != name) return;
  if (size() == 1) {
    Release();
    return;
  }
  if (name == "__name__") {
    RemoveName(i);
    return;
  }
  *this = Rebuilt(i, size(), nullptr);
}

Labels Labels::WithoutName() const {
  if (rep_ != nullptr) {
    if (Rep* cached = rep_->without_name.load(std::memory_order_acquire)) {
      cached->refs.fetch_add(1, std::memory_order_relaxed);
      Labels out;
      out.rep_ = cached;
      return out;
    }
  }
  Labels copy(*this);
  copy.Remove("__name__");
  return copy;
}

void Labels::RemoveName(std::size_t index) {
  Rep* cached = rep_->without_name.load(std::memory_order_acquire);
  if (cached == nullptr) {
    Labels built = Rebuilt(index, size(), nullptr);
    built.Acquire();  // the reference the memo holds
    Rep* expected = nullptr;
    if (rep_->without_name.compare_exchange_strong(expected, built.rep_,
                                                   std::memory_order_acq_rel)) {
      *this = std::move(built);
      return;
    }
    // Another thread remembered its copy first: use that one.
    built.rep_->refs.fetch_sub(1, std::memory_order_relaxed);
    cached = expected;
  }
  cached->refs.fetch_add(1, std::memory_order_relaxed);
  Release();
  rep_ = cached;
}

Labels Labels::WithOverrides(std::span<const View> sorted_overrides) const {
  thread_local std::vector<View> merged;
  merged.clear();
  // A merge of two sorted lists; an override follows the pair it replaces, and the last of equal
  // names wins in FromSorted.
  std::size_t next = 0;
  for (const View pair : pairs()) {
    while (next < sorted_overrides.size() && sorted_overrides[next].first <= pair.first) {
      if (sorted_overrides[next].first == pair.first) merged.push_back(pair);
      merged.push_back(sorted_overrides[next++]);
    }
    if (merged.empty() || merged.back().first != pair.first) merged.push_back(pair);
  }
  merged.insert(merged.end(), sorted_overrides.begin() + static_cast<std::ptrdiff_t>(next),
                sorted_overrides.end());
  return FromSorted(merged);
}

std::uint64_t Labels::HashBytes(std::string_view bytes) {
  return XXH3_64bits(bytes.data(), bytes.size());
}

std::uint64_t Labels::HashOfGrouping(std::span<const std::string> sorted_names, bool keep_listed,
                                     std::vector<View>* kept) const {
  // Names mostly differ in their first byte, which settles a comparison without memcmp.
  const auto compare = [](const std::string& listed, std::string_view name) {
    if (!listed.empty() && !name.empty() && listed[0] != name[0]) {
      return static_cast<unsigned char>(listed[0]) < static_cast<unsigned char>(name[0]) ? -1 : 1;
    }
    return std::string_view(listed).compare(name);
  };
  std::size_t next = 0;
  std::size_t index = 0;
  return HashOfPairs([&](std::string_view name) {
    int order = 1;
    while (next < sorted_names.size() && (order = compare(sorted_names[next], name)) < 0) ++next;
    const bool listed = next < sorted_names.size() && order == 0;
    const bool keeps = keep_listed ? listed : !(listed || name == "__name__");
    if (keeps && kept != nullptr) kept->push_back(PairAt(rep_, index));
    ++index;
    return keeps;
  });
}

std::uint64_t Labels::Hash() const {
  if (rep_ == nullptr) {
    static const std::uint64_t kEmptyHash = [] {
      const std::uint64_t hash = XXH3_64bits(nullptr, 0);
      return hash == 0 ? 1 : hash;
    }();
    return kEmptyHash;
  }
  std::uint64_t hash = rep_->hash.load(std::memory_order_relaxed);
  if (hash != 0) return hash;
  const std::string_view text = rep_->all_text();
  hash = XXH3_64bits(text.data(), text.size());
  if (hash == 0) hash = 1;  // 0 means "not computed"
  rep_->hash.store(hash, std::memory_order_relaxed);
  return hash;
}

bool operator==(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return true;
  if (a.rep_ == nullptr || b.rep_ == nullptr || a.rep_->count != b.rep_->count) return false;
  const std::uint64_t ha = a.rep_->hash.load(std::memory_order_relaxed);
  const std::uint64_t hb = b.rep_->hash.load(std::memory_order_relaxed);
  if (ha != 0 && hb != 0 && ha != hb) return false;
  // The offsets as well as the text: a value holding the separator byte must not pass for two
  // pairs.
  const std::size_t index_bytes = (2 * static_cast<std::size_t>(a.rep_->count) + 1) * 4;
  return a.rep_->all_text() == b.rep_->all_text() &&
         std::memcmp(a.rep_->offsets(), b.rep_->offsets(), index_bytes) == 0;
}

std::strong_ordering operator<=>(const Labels& a, const Labels& b) {
  if (a.rep_ == b.rep_) return std::strong_ordering::equal;
  const std::size_t n = std::min(a.size(), b.size());
  for (std::size_t i = 0; i < n; ++i) {
    const Labels::View x = Labels::PairAt(a.rep_, i);
    const Labels::View y = Labels::PairAt(b.rep_, i);
    if (auto c = x.first <=> y.first; std::is_neq(c)) return c;
    if (auto c = x.second <=> y.second; std::is_neq(c)) return c;
  }
  return a.size() <=> b.size();
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

namespace {

// The regex's shortcut, and its alternatives when it is literals joined by '|'.
RegexShortcut ShortcutOf(std::string_view regex, std::vector<std::string>* literals) {
  if (regex == ".*") return RegexShortcut::kAnything;
  if (regex == ".+") return RegexShortcut::kNonEmpty;
  constexpr std::string_view kSpecial = "\\.+*?()[]{}^$";
  if (regex.find_first_of(kSpecial) != std::string_view::npos) return RegexShortcut::kNone;
  literals->clear();
  std::size_t start = 0;
  while (true) {
    const std::size_t bar = regex.find('|', start);
    literals->emplace_back(regex.substr(start, bar == std::string_view::npos ? bar : bar - start));
    if (bar == std::string_view::npos) break;
    start = bar + 1;
  }
  return RegexShortcut::kLiterals;
}

}  // namespace

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
    out->shortcut = ShortcutOf(out->value, &out->literals);
  } else {
    out->shortcut = RegexShortcut::kNone;
    out->literals.clear();
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
      return RegexMatches(label_value);
    case MatchType::kRegexNoMatch:
      return !RegexMatches(label_value);
  }
  return false;
}

const LabelMatcher* FindNameEquality(std::span<const LabelMatcher> matchers) {
  for (const auto& matcher : matchers) {
    if (matcher.name == "__name__" && matcher.type == MatchType::kEqual) return &matcher;
  }
  return nullptr;
}

bool LabelMatcher::RegexMatches(std::string_view label_value) const {
  switch (shortcut) {
    // '.' does not match a newline in RE2's default (and Go's) syntax.
    case RegexShortcut::kAnything:
      return label_value.find('\n') == std::string_view::npos;
    case RegexShortcut::kNonEmpty:
      return !label_value.empty() && label_value.find('\n') == std::string_view::npos;
    case RegexShortcut::kLiterals:
      return std::find(literals.begin(), literals.end(), label_value) != literals.end();
    case RegexShortcut::kNone:
      break;
  }
  return regex && RE2::FullMatch(label_value, *regex);
}

}  // namespace inferwatch::rules
