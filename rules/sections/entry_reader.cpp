#include "rules/sections/entry_reader.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <utility>

#include <fmt/format.h>

#include "rules/promql/duration.h"

namespace inferwatch::rules::sections {

namespace {

std::string JoinQuoted(std::initializer_list<std::string_view> names) {
  std::string out;
  for (std::string_view name : names) {
    if (!out.empty()) out += ", ";
    out += name;
  }
  return out;
}

bool ParseDouble(const std::string& text, double& value) {
  const char* begin = text.data();
  const char* end = begin + text.size();
  if (begin != end && *begin == '+') ++begin;
  auto [ptr, ec] = std::from_chars(begin, end, value);
  return ec == std::errc() && ptr == end && std::isfinite(value);
}

}  // namespace

EntryReader::EntryReader(const YAML::Node& entry, std::string what,
                         const rulefile::SectionContext& ctx,
                         std::vector<rulefile::Diagnostic>& diagnostics)
    : entry_(entry), what_(std::move(what)), ctx_(ctx), diagnostics_(diagnostics) {
  is_mapping_ = entry_.IsMap();
  if (!is_mapping_) Error(fmt::format("{} must be a mapping of fields", what_));
}

void EntryReader::ErrorAt(const YAML::Node& node, std::string message) {
  diagnostics_.push_back(ctx_.ErrorAt(node, std::move(message)));
  failed_ = true;
}

void EntryReader::Error(std::string message) {
  ErrorAt(entry_, std::move(message));
}

void EntryReader::RejectUnknown(std::initializer_list<std::string_view> allowed) {
  if (!is_mapping_) return;
  for (const auto& item : entry_) {
    const std::string key = item.first.Scalar();
    if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
      ErrorAt(item.first, fmt::format("unknown field \"{}\" in {} (allowed: {})", key, what_,
                                      JoinQuoted(allowed)));
    }
  }
}

bool EntryReader::Has(std::string_view key) const {
  return is_mapping_ && entry_[std::string(key)].IsDefined() && !entry_[std::string(key)].IsNull();
}

YAML::Node EntryReader::Node(std::string_view key) const {
  if (!is_mapping_) return YAML::Node(YAML::NodeType::Undefined);
  return entry_[std::string(key)];
}

bool EntryReader::Require(std::string_view key, bool required) {
  if (!is_mapping_) return false;
  if (Has(key)) return true;
  if (required) Error(fmt::format("{} is missing the required field \"{}\"", what_, key));
  return false;
}

std::optional<std::string> EntryReader::String(std::string_view key, bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  if (!node.IsScalar()) {
    ErrorAt(node, fmt::format("field \"{}\" of {} must be a string", key, what_));
    return std::nullopt;
  }
  return node.Scalar();
}

std::optional<double> EntryReader::Number(std::string_view key, bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  double value = 0;
  if (!node.IsScalar() || !ParseDouble(node.Scalar(), value)) {
    ErrorAt(node, fmt::format("field \"{}\" of {} must be a finite number", key, what_));
    return std::nullopt;
  }
  return value;
}

std::optional<bool> EntryReader::Bool(std::string_view key, bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  if (node.IsScalar()) {
    const std::string& text = node.Scalar();
    if (text == "true") return true;
    if (text == "false") return false;
  }
  ErrorAt(node, fmt::format("field \"{}\" of {} must be true or false", key, what_));
  return std::nullopt;
}

std::optional<std::int64_t> EntryReader::DurationMs(std::string_view key, bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  std::optional<std::int64_t> ms;
  if (node.IsScalar()) ms = promql::ParseDurationMs(node.Scalar());
  if (!ms) {
    ErrorAt(node,
            fmt::format("field \"{}\" of {} must be a duration such as 5m or 1h30m", key, what_));
  }
  return ms;
}

std::optional<std::vector<std::string>> EntryReader::StringList(std::string_view key,
                                                                bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  if (node.IsScalar()) return std::vector<std::string>{node.Scalar()};
  if (!node.IsSequence()) {
    ErrorAt(node, fmt::format("field \"{}\" of {} must be a list of strings", key, what_));
    return std::nullopt;
  }
  std::vector<std::string> values;
  for (const auto& item : node) {
    if (!item.IsScalar()) {
      ErrorAt(item, fmt::format("field \"{}\" of {} must be a list of strings", key, what_));
      return std::nullopt;
    }
    values.push_back(item.Scalar());
  }
  return values;
}

std::optional<std::vector<std::pair<std::string, std::string>>> EntryReader::StringMap(
    std::string_view key, bool required) {
  if (!Require(key, required)) return std::nullopt;
  const YAML::Node node = Node(key);
  if (!node.IsMap()) {
    ErrorAt(node, fmt::format("field \"{}\" of {} must be a mapping", key, what_));
    return std::nullopt;
  }
  std::vector<std::pair<std::string, std::string>> values;
  for (const auto& item : node) {
    if (!item.second.IsScalar()) {
      ErrorAt(item.second, fmt::format("value of \"{}\" in field \"{}\" of {} must be a string",
                                       item.first.Scalar(), key, what_));
      return std::nullopt;
    }
    values.emplace_back(item.first.Scalar(), item.second.Scalar());
  }
  return values;
}

bool IsSnakeCaseName(std::string_view name) {
  if (name.empty() || !((name[0] >= 'a' && name[0] <= 'z') || name[0] == '_')) return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

void CheckUnique(const std::string& name, const YAML::Node& node, std::vector<std::string>& seen,
                 std::string_view what, const rulefile::SectionContext& ctx,
                 std::vector<rulefile::Diagnostic>& diagnostics) {
  if (std::find(seen.begin(), seen.end(), name) != seen.end()) {
    diagnostics.push_back(
        ctx.ErrorAt(node, fmt::format("{} \"{}\" is defined more than once", what, name)));
    return;
  }
  seen.push_back(name);
}

bool ExpectList(const YAML::Node& section, const rulefile::SectionContext& ctx,
                std::string_view message, std::vector<rulefile::Diagnostic>& diagnostics) {
  if (section.IsSequence()) return true;
  diagnostics.push_back(ctx.ErrorAt(section, std::string(message)));
  return false;
}

std::optional<std::string> ReadEntryName(EntryReader& reader, std::string_view what,
                                         std::vector<std::string>& seen,
                                         const rulefile::SectionContext& ctx,
                                         std::vector<rulefile::Diagnostic>& diagnostics) {
  auto name = reader.String("name", true);
  if (name && !IsSnakeCaseName(*name)) {
    reader.ErrorAt(reader.Node("name"),
                   fmt::format("{} name \"{}\" must match [a-z_][a-z0-9_]*", what, *name));
  }
  if (name) CheckUnique(*name, reader.Node("name"), seen, what, ctx, diagnostics);
  return name;
}

}  // namespace inferwatch::rules::sections
