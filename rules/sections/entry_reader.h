// Field access for one entry of a domain section (a YAML mapping), reporting every problem with
// the file, line and column of the node at fault. Shared by the bottleneck, SLO, recommendation
// and health kinds so that they word their errors alike.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <yaml-cpp/yaml.h>

#include "rules/rulefile/diagnostic.h"
#include "rules/rulefile/section.h"
#include "rules/text/names.h"

namespace inferwatch::rules::sections {

class EntryReader {
 public:
  // `what` names the entry in messages, e.g. "bottleneck" or "slo \"ttft\"".
  EntryReader(const YAML::Node& entry, std::string what, const rulefile::SectionContext& ctx,
              std::vector<rulefile::Diagnostic>& diagnostics);

  // False (after reporting) when the entry is not a mapping; every other call is then a no-op.
  bool IsMapping() const { return is_mapping_; }
  // Reports each key not in `allowed`, naming the allowed ones.
  void RejectUnknown(std::initializer_list<std::string_view> allowed);

  bool Has(std::string_view key) const;
  YAML::Node Node(std::string_view key) const;  // undefined node when absent

  // Each returns nullopt after reporting when the field is missing (if required) or malformed.
  std::optional<std::string> String(std::string_view key, bool required);
  std::optional<double> Number(std::string_view key, bool required);
  std::optional<bool> Bool(std::string_view key, bool required);
  std::optional<std::int64_t> DurationMs(std::string_view key, bool required);
  // A list of strings (a single string is accepted as a one-element list).
  std::optional<std::vector<std::string>> StringList(std::string_view key, bool required);
  // A mapping of string keys to string values, in file order.
  std::optional<std::vector<std::pair<std::string, std::string>>> StringMap(std::string_view key,
                                                                            bool required);

  void ErrorAt(const YAML::Node& node, std::string message);
  void Error(std::string message);  // at the entry itself
  bool failed() const { return failed_; }
  const YAML::Node& entry() const { return entry_; }
  const rulefile::SectionContext& ctx() const { return ctx_; }

 private:
  bool Require(std::string_view key, bool required);

  YAML::Node entry_;
  std::string what_;
  const rulefile::SectionContext& ctx_;
  std::vector<rulefile::Diagnostic>& diagnostics_;
  bool is_mapping_ = false;
  bool failed_ = false;
};

// [a-z_][a-z0-9_]* : names of bottlenecks, SLOs, recommendations and evidence become label
// values that dashboards select on, so they stay in one simple alphabet.
bool IsSnakeCaseName(std::string_view name);
// A Prometheus label name: [a-zA-Z_][a-zA-Z0-9_]*.
using ::inferwatch::rules::IsValidLabelName;

// Reports an error at `node` (a sequence entry's name) when `name` was seen before in `seen`.
void CheckUnique(const std::string& name, const YAML::Node& node, std::vector<std::string>& seen,
                 std::string_view what, const rulefile::SectionContext& ctx,
                 std::vector<rulefile::Diagnostic>& diagnostics);

// Reports an error at `section` unless it is a YAML sequence; `message` is the whole error text.
bool ExpectList(const YAML::Node& section, const rulefile::SectionContext& ctx,
                std::string_view message, std::vector<rulefile::Diagnostic>& diagnostics);

// Reads an entry's required `name`, which must be snake_case and not in `seen` (then added to it);
// `what` names the entry in messages ("slo", "bottleneck"). Returns the name when it was given.
std::optional<std::string> ReadEntryName(EntryReader& reader, std::string_view what,
                                         std::vector<std::string>& seen,
                                         const rulefile::SectionContext& ctx,
                                         std::vector<rulefile::Diagnostic>& diagnostics);

}  // namespace inferwatch::rules::sections
